"""Models of the Portal app."""
