"""Periodic jobs: apps register a task to enqueue every N seconds; `ticketdesk scheduler`
(started by `ticketdesk run`) enqueues them. Jobs must be idempotent.

The scheduler's state lives in the database: when each job last ran and is next due (a
restart sends nothing again), and a lease that one scheduler process holds and renews — any
number may run, on any machines; one works and the others wait to take over.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from . import clock
from .models import PeriodicJobState, SchedulerLease

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30


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


def acquire_lease(holder: str, *, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the scheduler lease; False while another holder's lease runs."""
    now = clock.now()
    SchedulerLease.objects.get_or_create(name=LEASE_NAME)
    free = Q(holder=holder) | Q(holder="") | Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    taken = (
        SchedulerLease.objects.filter(free, name=LEASE_NAME).update(
            holder=holder, expires_at=now + dt.timedelta(seconds=seconds)
        )
        == 1
    )
    return taken


def release_lease(holder: str) -> None:
    SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(holder="", expires_at=None)


def current_holder() -> tuple[str, dt.datetime | None]:
    lease = SchedulerLease.objects.filter(name=LEASE_NAME).first()
    if lease is None or lease.expires_at is None or lease.expires_at < clock.now():
        return "", None
    return lease.holder, lease.expires_at


def run_due(holder: str, *, force: bool = False) -> list[str]:
    """Enqueue every job whose time has come (all with `force`), each in a transaction that
    checks the lease is still ours and moves the job's next time on: a job is enqueued once
    per interval, whatever restarts or rival schedulers do. Returns the names enqueued."""
    now = clock.now()
    states = {s.name: s for s in PeriodicJobState.objects.all()}
    enqueued: list[str] = []
    for job in jobs():
        state = states.get(job.name)
        if not force and state is not None and state.next_run_at and state.next_run_at > now:
            continue
        try:
            with transaction.atomic():
                mine = (
                    SchedulerLease.objects.select_for_update()
                    .filter(name=LEASE_NAME, holder=holder, expires_at__gt=now)
                    .exists()
                )
                if not mine:
                    return enqueued
                row, _created = PeriodicJobState.objects.select_for_update().get_or_create(
                    name=job.name
                )
                if not force and row.next_run_at and row.next_run_at > now:
                    continue  # another scheduler ran it meanwhile
                row.last_run_at = now
                row.next_run_at = now + dt.timedelta(seconds=job.every_seconds)
                row.last_error = ""
                row.save()
                job.task.enqueue()
            enqueued.append(job.name)
        except Exception as exc:  # keep scheduling the others
            logger.exception("could not enqueue %s", job.name)
            PeriodicJobState.objects.filter(name=job.name).update(last_error=str(exc)[:2000])
    return enqueued


def next_due() -> dt.datetime | None:
    names = [job.name for job in jobs()]
    states = dict(
        PeriodicJobState.objects.filter(name__in=names).values_list("name", "next_run_at")
    )
    if any(states.get(name) is None for name in names):
        return clock.now()
    return min((v for v in states.values() if v is not None), default=None)
