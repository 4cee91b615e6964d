"""Models of the Routing app."""
