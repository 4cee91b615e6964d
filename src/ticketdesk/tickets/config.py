"""The configuration cache lives in core (every app shares it): see core/config_cache.py."""

from ticketdesk.core.config_cache import TTL_SECONDS, cached, invalidate

__all__ = ["TTL_SECONDS", "cached", "invalidate"]
