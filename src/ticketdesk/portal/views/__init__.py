"""Customer portal views, by page group."""
