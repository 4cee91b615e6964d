"""Models of the Knowledge base app."""
