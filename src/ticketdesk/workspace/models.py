"""Models of the Workspace app."""
