"""Periodic jobs: apps register a task to enqueue every N seconds; `ticketdesk scheduler`
(started by `ticketdesk run`) enqueues them. Jobs must be idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    every_seconds: int


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, task: Any, every_seconds: int) -> None:
    _jobs[name] = PeriodicJob(name=name, task=task, every_seconds=every_seconds)


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())
