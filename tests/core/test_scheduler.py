"""The scheduler keeps its state in the database: one active scheduler holds the lease, and a
restart (or a second scheduler) enqueues nothing that already ran this interval."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from ticketdesk.core import clock, scheduler
from ticketdesk.core.models import PeriodicJobState

pytestmark = pytest.mark.django_db


@task(queue_name="default")
def _daily_probe() -> int:
    return 1


@pytest.fixture
def only_probe(monkeypatch):
    monkeypatch.setattr(
        scheduler,
        "_jobs",
        {"probe.daily": scheduler.PeriodicJob("probe.daily", _daily_probe, 24 * 3600)},
    )


def _enqueued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="_daily_probe").count()


def test_a_restart_sends_nothing_again(only_probe):
    assert scheduler.acquire_lease("host-a:1")
    assert scheduler.run_due("host-a:1") == ["probe.daily"]
    scheduler.release_lease("host-a:1")  # the scheduler stops...
    assert scheduler.acquire_lease("host-a:2")  # ...and starts again
    assert scheduler.run_due("host-a:2") == []
    assert _enqueued() == 1
    state = PeriodicJobState.objects.get(name="probe.daily")
    with clock.frozen(state.next_run_at + dt.timedelta(seconds=1)):
        assert scheduler.acquire_lease("host-a:2")
        assert scheduler.run_due("host-a:2") == ["probe.daily"]
    assert _enqueued() == 2


def test_only_one_scheduler_works_at_a_time(only_probe):
    assert scheduler.acquire_lease("host-a:1")
    assert not scheduler.acquire_lease("host-b:9")  # stands by
    assert scheduler.run_due("host-b:9") == []  # and cannot enqueue without the lease
    assert scheduler.current_holder()[0] == "host-a:1"
    # host-a dies without releasing: its lease runs out and host-b takes over
    later = clock.now() + dt.timedelta(seconds=scheduler.LEASE_SECONDS + 1)
    with clock.frozen(later):
        assert scheduler.acquire_lease("host-b:9")
        assert scheduler.run_due("host-b:9") == ["probe.daily"]
        assert not scheduler.acquire_lease("host-a:1")
    assert _enqueued() == 1


def test_the_command_stands_by_while_another_works(only_probe, capsys):
    from django.core.management import call_command

    assert scheduler.acquire_lease("elsewhere:1")
    call_command("scheduler", "--once")
    assert "Another scheduler is running" in capsys.readouterr().err
    assert _enqueued() == 0
