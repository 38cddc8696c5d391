"""The embedded development ledger (anvil) and ledger bootstrap commands."""
