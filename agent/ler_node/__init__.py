"""ler-node: run a state's LER trust network (CLI and process orchestration)."""

__version__ = "0.1.0"
