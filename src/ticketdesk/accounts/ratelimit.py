"""A small fixed-window rate limiter on the cache (guest forms, sign-up, API tokens), and the
client address behind trusted proxies. Sign-in attempts are django-axes' (throttle.py)."""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; return False when the limit for this window is passed."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{bucket}"
    added = cache.add(cache_key, 1, timeout=window_seconds + 5)
    count = 1 if added else cache.incr(cache_key)
    return count <= limit


@lru_cache(maxsize=8)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    if address is None:
        return False
    networks = _networks(tuple(settings.TICKETDESK_TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_ip(request: object) -> str:
    """The client's address: REMOTE_ADDR, or, when the request comes from one of
    TICKETDESK_TRUSTED_PROXIES, the right-most X-Forwarded-For entry that is not itself a
    trusted proxy (the left part of that header is whatever the client chose to send)."""
    meta = getattr(request, "META", {})
    remote = str(meta.get("REMOTE_ADDR", "") or "unknown")
    if not _is_trusted(_parse(remote)):
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        address = _parse(hop)
        if address is None:
            return remote  # a garbled header from a trusted proxy: do not guess
        if not _is_trusted(address):
            return str(address)
    return remote
