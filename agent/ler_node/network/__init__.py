"""A whole LER network on one machine: ledger, tails server, one ACA-Py agent per role."""
