"""Typed wrappers of the ler-node contracts."""
