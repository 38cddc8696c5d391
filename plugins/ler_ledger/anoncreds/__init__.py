"""AnonCreds on the state ledger."""
