"""Ledger writes endorsed over DIDComm (protocol https://ler-node.org/ledger-endorsement/1.0)."""
