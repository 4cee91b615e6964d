"""Small guards around database transactions."""

from __future__ import annotations

from django.db import connection


class NetworkInTransaction(RuntimeError):
    """Network I/O was attempted while a database transaction was open."""


def in_transaction() -> bool:
    """Is a transaction of ours open on the default connection? (The atomic blocks a test
    case wraps around each test do not count: in production they do not exist.)"""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def assert_no_transaction(what: str) -> None:
    """House rule: no network I/O inside a database transaction (a slow mail server would
    hold row locks, and on SQLite the whole database, for as long as it takes)."""
    if in_transaction():
        raise NetworkInTransaction(f"{what} inside a database transaction")
