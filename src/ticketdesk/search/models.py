"""Models of the Search app."""
