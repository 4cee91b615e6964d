"""Models of the Reports app."""
