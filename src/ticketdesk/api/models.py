"""Models of the API app."""
