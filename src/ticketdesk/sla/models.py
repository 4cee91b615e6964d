"""Models of the SLA app."""
