"""Models of the Automation app."""
