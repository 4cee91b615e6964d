"""The event outbox: deliveries per consumer, batches, isolation of failures, retries with
backoff, dead letters and replay, historical events, wake-ups, health."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from tests.factories import make_ticket
from ticketdesk.core import clock, outbox
from ticketdesk.core.models import OutboxDelivery, OutboxMessage
from ticketdesk.core.outbox import health, registry
from ticketdesk.core.outbox.publishing import _wake

pytestmark = pytest.mark.django_db


@pytest.fixture
def probes():
    """Two test consumers of "test.topic": `steady` records every event, `flaky` fails on
    the events named in `failing` (by their payload's n)."""
    seen: dict[str, list[int]] = {"steady": [], "flaky": []}
    failing: dict[int, int] = {}  # n -> failures left
    batches: list[int] = []

    @outbox.consumer("test-steady", topics={"test.topic"})
    def steady(events):
        batches.append(len(events))
        seen["steady"].extend(e.payload["n"] for e in events)

    @outbox.consumer("test-flaky", topics={"test.topic"}, max_attempts=3)
    def flaky(events):
        numbers = [e.payload["n"] for e in events]
        for n in numbers:
            if failing.get(n, 0) > 0:
                failing[n] -= 1
                raise RuntimeError(f"flaky on {n}")
        seen["flaky"].extend(numbers)  # like a database write: all of the batch or nothing

    try:
        yield seen, failing, batches
    finally:
        outbox.unregister("test-steady")
        outbox.unregister("test-flaky")


def test_every_consumer_gets_its_own_delivery(probes):
    event = outbox.publish("test.topic", {"n": 1})
    consumers = set(OutboxDelivery.objects.filter(event=event).values_list("consumer", flat=True))
    assert {"test-steady", "test-flaky", "reports"} <= consumers
    assert "notifications" not in consumers  # not a topic it wants


def test_a_failing_consumer_retries_alone_with_backoff(probes):
    seen, failing, _batches = probes
    failing[2] = 3  # fails in its batch, alone, once more; then works
    for n in (1, 2, 3):
        outbox.publish("test.topic", {"n": n})
    assert outbox.process_pending() == 3
    assert seen["steady"] == [1, 2, 3]
    assert seen["flaky"] == [1, 3]  # the chunk failed; its events were tried one by one
    failed = OutboxDelivery.objects.get(consumer="test-flaky")
    assert failed.attempts == 1 and "flaky on 2" in failed.last_error
    assert failed.available_at > clock.now()
    assert outbox.process_pending() == 0  # not due yet
    for _round in range(2):
        failed.refresh_from_db()
        with clock.frozen(failed.available_at + dt.timedelta(seconds=1)):
            outbox.process_pending()
    assert seen["flaky"] == [1, 3, 2]
    assert seen["steady"] == [1, 2, 3]  # never re-run by the other's failures
    assert not OutboxDelivery.objects.filter(consumer__startswith="test-").exists()


def test_what_keeps_failing_becomes_a_dead_letter_and_can_be_replayed(probes):
    seen, failing, _batches = probes
    failing[7] = 5
    outbox.publish("test.topic", {"n": 7})
    for _round in range(4):
        delivery = OutboxDelivery.objects.get(consumer="test-flaky")
        with clock.frozen(delivery.available_at + dt.timedelta(seconds=1)):
            outbox.process_pending()
    dead = OutboxDelivery.objects.get(consumer="test-flaky")
    assert dead.dead_at is not None and dead.attempts == 3
    lag = {row.name: row for row in health.consumer_lag()}
    assert lag["test-flaky"].dead == 1 and lag["test-flaky"].pending == 0
    with clock.frozen(clock.now() + dt.timedelta(days=1)):
        assert outbox.process_pending() == 0  # dead letters wait for a person
    failing[7] = 0
    assert outbox.replay(consumer="test-flaky") == 1
    outbox.process_pending()
    assert seen["flaky"] == [7]
    assert not OutboxDelivery.objects.filter(consumer="test-flaky").exists()


def test_events_of_a_ticket_come_in_one_batch_in_order(probes, team):
    _seen, _failing, batches = probes
    ticket = make_ticket(team=team)
    for n in range(5):
        outbox.publish("test.topic", {"n": n}, ticket_id=ticket.pk)
    outbox.process_pending()
    assert batches == [5]


def test_historical_events_reach_only_derived_state(team):
    with outbox.historical():
        ticket = make_ticket(team=team)
    event = OutboxMessage.objects.get(topic="ticket.created", ticket_id=ticket.pk)
    consumers = set(OutboxDelivery.objects.filter(event=event).values_list("consumer", flat=True))
    assert event.historical
    assert {"search", "sla", "reports"} <= consumers
    assert not consumers & {"notifications", "email", "webhooks", "csat", "automation", "routing"}


def test_the_workers_are_woken_once_per_transaction(team):
    with transaction.atomic():
        make_ticket(team=team)
        outbox.publish("test.other", {})
        wakes = [f for _ids, f, _r in connection.run_on_commit if f is _wake]
        assert len(wakes) == 1


def test_a_stamp_travels_with_every_event_published_inside(team):
    with outbox.stamped({"automation": {"depth": 1}}):
        event = outbox.publish("test.other", {"n": 1})
    assert event.payload == {"n": 1, "automation": {"depth": 1}}


def test_purge_keeps_what_is_still_owed(probes):
    old = clock.now() - dt.timedelta(days=30)
    with clock.frozen(old):
        done = outbox.publish("test.other", {})
        owed = outbox.publish("test.topic", {"n": 1})
    OutboxDelivery.objects.filter(event=done).delete()
    assert health.purge() == 1
    assert not OutboxMessage.objects.filter(pk=done.pk).exists()
    assert OutboxMessage.objects.filter(pk=owed.pk).exists()


def test_health_reports_lag_and_workers(client, probes):
    with clock.frozen(clock.now() - dt.timedelta(minutes=3)):
        outbox.publish("test.topic", {"n": 1})
    response = client.get("/healthz")
    body = response.json()
    assert body["outbox"]["test-steady"]["pending"] == 1
    assert body["outbox"]["test-steady"]["lag_seconds"] >= 170
    assert body["workers"] == 0
    # the web process itself is fine (a load balancer keeps it); monitoring asks strictly
    assert response.status_code == 200 and body["status"] == "degraded"
    assert client.get("/healthz?strict=1").status_code == 503


def test_a_claim_whose_lease_ran_out_handles_nothing_twice():
    """Worker A claims, stalls past its lease; worker B takes the same deliveries over and
    handles them; when A wakes up, it finds them gone: nothing is written twice."""
    import uuid

    from ticketdesk.core import mail
    from ticketdesk.core.models import OutgoingMail
    from ticketdesk.core.outbox import claims, worker

    @outbox.consumer("test-writer", topics={"test.write"})
    def writer(events):
        for event in events:  # a database write, rolled back with its transaction
            mail.queue_mail(
                dedupe_key=f"probe:{uuid.uuid4().hex}", to=["x@example.org"], subject="x", body=""
            )

    try:
        for n in range(3):
            outbox.publish("test.write", {"n": n})
        consumer = registry.get("test-writer")
        first = claims.claim_deliveries("test-writer", 10)
        events = OutboxMessage.objects.in_bulk([c.event_id for c in first])
        with clock.frozen(clock.now() + claims.lease() + dt.timedelta(seconds=1)):
            second = claims.claim_deliveries("test-writer", 10)
            assert {c.delivery_id for c in second} == {c.delivery_id for c in first}
            assert worker._handle(consumer, second, events) == 3
        assert worker._handle(consumer, first, events) == 0
        assert OutgoingMail.objects.count() == 3
    finally:
        outbox.unregister("test-writer")
