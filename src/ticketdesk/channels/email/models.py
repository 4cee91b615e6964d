"""Models of the Email channel app."""
