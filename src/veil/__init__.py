"""veil."""
