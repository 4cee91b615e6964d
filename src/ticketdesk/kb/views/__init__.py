"""Knowledge base views: public reading pages and the agents' editor."""
