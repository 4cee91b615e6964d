"""A per-process cache of the configuration every ticket write reads: statuses, transitions,
the priority matrix and custom field definitions.

Entries live for a few seconds; saving or deleting a configuration row clears this process's
cache at once (see apps.py), other processes pick the change up when their entries expire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TTL_SECONDS = 10.0
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]  # type: ignore[no-any-return]
    value = load()
    _entries[key] = (now + TTL_SECONDS, value)
    return value


def invalidate(*args: Any, **kwargs: Any) -> None:
    """Forget everything (also usable as a signal receiver)."""
    _entries.clear()
