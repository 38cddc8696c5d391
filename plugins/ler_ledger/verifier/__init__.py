"""The employer's LER verification policy."""
