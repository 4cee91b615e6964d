"""A small fixed-window rate limiter on the cache (login attempts, guest forms, API tokens)."""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; return False when the limit for this window is passed."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{bucket}"
    added = cache.add(cache_key, 1, timeout=window_seconds + 5)
    count = 1 if added else cache.incr(cache_key)
    return count <= limit


def is_blocked(key: str, *, limit: int, window_seconds: int) -> bool:
    bucket = int(time.time() // window_seconds)
    return int(cache.get(f"rl:{key}:{bucket}", 0)) >= limit


def client_ip(request: object) -> str:
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "unknown"))
