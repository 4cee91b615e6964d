"""Run work in threads that start together, each on its own database connection (the
concurrency tests on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def run_at_once(count: int, target: Callable[[int], object]) -> list[Exception]:
    """Call target(0..count-1) in `count` threads released by one barrier; return the
    exceptions they raised."""
    errors: list[Exception] = []
    barrier = threading.Barrier(count)

    def wrapper(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            target(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
