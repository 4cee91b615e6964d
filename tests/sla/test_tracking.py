"""The SLA kept up to date through the real write path: actions publish to the outbox, the
subscriber recomputes from the event log and writes the ticket's SLA columns and "sla" events;
the scheduler records warnings and breaches once and publishes them for automation."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_ticket, resolution, status
from ticketdesk.core import clock, outbox
from ticketdesk.core.models import OutboxMessage
from ticketdesk.sla import tracking
from ticketdesk.sla.models import TicketSLA
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Level, SLAState, Ticket, TicketEvent

from .helpers import at, make_policy, office_calendar

pytestmark = pytest.mark.django_db


def sla_events(ticket: Ticket) -> list[tuple[str, str]]:
    return [
        (e.data.get("metric", ""), e.data["change"])
        for e in TicketEvent.objects.filter(ticket=ticket, kind="sla").order_by("id")
    ]


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def drain() -> None:
    outbox.process_pending()


@pytest.fixture
def calendar():
    return office_calendar()


@pytest.fixture
def standard(calendar):
    return make_policy("Standard", order=20)


@pytest.fixture
def urgent(calendar):
    return make_policy(
        "Urgent", order=10, priorities=[Level.CRITICAL], first_response=30, resolution=120
    )


def test_new_ticket_gets_due_dates_on_business_hours(team, agent, customer, standard):
    _user, contact = customer
    with clock.frozen(at(2025, 6, 6, 16)):  # Friday 16:00
        ticket = make_ticket(team=team, requester=contact)
        drain()
    ticket.refresh_from_db()
    # 240 business minutes: 2 h on Friday, 2 h on Monday morning
    assert ticket.first_response_due_at == at(2025, 6, 9, 11)
    # 960 minutes = 16 h: 2 h Friday, 8 h Monday, 6 h Tuesday (9-13, 14-16)
    assert ticket.resolution_due_at == at(2025, 6, 10, 16)
    assert ticket.next_response_due_at is None
    assert ticket.due_at == ticket.first_response_due_at
    assert ticket.sla_state == SLAState.ACTIVE
    assert ticket.version == 1  # derived columns: no version bump
    assert sla_events(ticket) == [
        ("", "policy"),
        ("first_response", "started"),
        ("resolution", "started"),
    ]


def test_pause_across_the_night_and_resume_on_customer_reply(team, agent, customer, standard):
    user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
    with clock.frozen(at(2025, 6, 9, 10)):
        actions.reply(
            ticket, actor=agent, body="Can you send a screenshot?", status=status("pending")
        )
        drain()
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.PAUSED
    assert ticket.due_at is None and ticket.resolution_due_at is None
    with clock.frozen(at(2025, 6, 10, 15)):  # the customer answers the next afternoon
        actions.reply(ticket, actor=user, body="Here it is")
        drain()
    ticket.refresh_from_db()
    assert ticket.status.key == "open"
    # resolution: 1 h used Monday; 15 h left from Tuesday 15:00 -> 3 h Tue, 8 h Wed, 4 h Thu
    assert ticket.resolution_due_at == at(2025, 6, 12, 13)
    # next response: 480 minutes from Tuesday 15:00 -> 3 h Tue, 5 h Wed (9-13, 14-15)
    assert ticket.next_response_due_at == at(2025, 6, 11, 15)
    assert ticket.due_at == ticket.next_response_due_at
    events = sla_events(ticket)
    assert ("first_response", "met") in events
    assert ("resolution", "paused") in events and ("resolution", "resumed") in events
    assert ("next_response", "started") in events


def test_priority_change_switches_policy_and_keeps_paused_time(
    team, agent, customer, standard, urgent
):
    _user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
        drain()
    with clock.frozen(at(2025, 6, 9, 9, 30)):
        actions.change_status(ticket, status("pending"), actor=agent)
        drain()
    with clock.frozen(at(2025, 6, 9, 16)):
        actions.change_status(ticket, status("open"), actor=agent)
        drain()
    assert TicketSLA.objects.get(ticket=ticket).policy == standard
    with clock.frozen(at(2025, 6, 9, 16, 15)):
        actions.set_fields(ticket, actor=agent, priority=Level.CRITICAL)
        drain()
    ticket.refresh_from_db()
    state = TicketSLA.objects.get(ticket=ticket)
    assert state.policy == urgent
    # urgent: 30 min first response, 30 min used (9:00-9:30) before the pause -> breached at
    # the moment it resumed; resolution 120 min: 30 used, 90 left from 16:00
    assert ticket.resolution_due_at == at(2025, 6, 9, 17, 30)
    assert ticket.sla_state == SLAState.BREACHED
    assert [e for e in sla_events(ticket) if e[1] == "policy"] == [("", "policy")] * 2
    breach = OutboxMessage.objects.get(topic=tracking.BREACHED_TOPIC)
    assert breach.payload["metric"] == "first_response"
    assert breach.payload["ticket_id"] == ticket.pk


def test_scheduler_records_warning_and_breach_once(team, agent, customer, standard):
    _user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
        drain()
    state = TicketSLA.objects.get(ticket=ticket)
    assert state.next_check_at == at(2025, 6, 9, 12, 12)  # 80 % of 240 min
    with clock.frozen(at(2025, 6, 9, 12, 0)):
        assert tracking.check_due() == 0  # nothing due yet
    with clock.frozen(at(2025, 6, 9, 12, 20)):
        assert tracking.check_due() == 1
        assert tracking.check_due() == 0
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.AT_RISK
    assert OutboxMessage.objects.filter(topic=tracking.WARNING_TOPIC).count() == 1
    warning = OutboxMessage.objects.get(topic=tracking.WARNING_TOPIC)
    assert warning.payload["due_at"] == utc_iso(at(2025, 6, 9, 13))  # 4 h: 9-13
    with clock.frozen(at(2025, 6, 9, 14, 5)):
        assert tracking.check_due() == 1
        tracking.check_due()
        drain()  # the subscriber recomputing again must not repeat anything
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.BREACHED
    assert OutboxMessage.objects.filter(topic=tracking.BREACHED_TOPIC).count() == 1
    events = sla_events(ticket)
    assert events.count(("first_response", "warning")) == 1
    assert events.count(("first_response", "breached")) == 1
    breach = OutboxMessage.objects.get(topic=tracking.BREACHED_TOPIC)
    assert breach.payload["metric"] == "first_response"
    assert breach.payload["due_at"] == utc_iso(at(2025, 6, 9, 13))


def test_resolve_then_reopen_resumes_resolution(team, agent, customer, standard):
    user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
    with clock.frozen(at(2025, 6, 9, 10)):
        actions.reply(
            ticket,
            actor=agent,
            body="Fixed",
            status=status("resolved"),
            resolution=resolution(ticket),
        )
        drain()
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.MET and ticket.due_at is None
    with clock.frozen(at(2025, 6, 11, 9)):
        actions.reply(ticket, actor=user, body="Still broken")
        drain()
    ticket.refresh_from_db()
    assert ticket.reopen_count == 1
    # 1 h used; 15 h left from Wednesday 9:00 -> 8 h Wed, 7 h Thu (9-13, 14-17)
    assert ticket.resolution_due_at == at(2025, 6, 12, 17)
    assert ("resolution", "met") in sla_events(ticket)
    assert ("resolution", "resumed") in sla_events(ticket)


def test_ticket_without_policy_has_no_sla(team, customer):
    _user, contact = customer
    ticket = make_ticket(team=team, requester=contact)
    drain()
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.NONE and ticket.due_at is None
    assert not TicketSLA.objects.filter(ticket=ticket).exists()


def test_refresh_query_count_is_bounded(
    team, agent, customer, standard, django_assert_max_num_queries
):
    _user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
        for n in range(5):
            actions.add_note(ticket, actor=agent, body=f"note {n}")
        drain()
    with clock.frozen(at(2025, 6, 9, 10)), django_assert_max_num_queries(20):
        tracking.refresh(ticket.pk)


def test_leaving_every_policy_clears_the_sla(team, agent, customer, urgent):
    _user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact, priority_override=Level.CRITICAL)
        drain()
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.ACTIVE and ticket.due_at is not None
    with clock.frozen(at(2025, 6, 9, 9, 10)):
        actions.set_fields(ticket, actor=agent, priority=Level.LOW)
        drain()
    ticket.refresh_from_db()
    assert ticket.sla_state == SLAState.NONE and ticket.due_at is None
    assert sla_events(ticket)[-1] == ("", "no_policy")
    assert TicketSLA.objects.get(ticket=ticket).next_check_at is None


def test_idle_deadline_check_is_one_indexed_query(standard, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert tracking.check_due() == 0


def test_entries_computed_late_are_dated_when_they_happened(team, agent, customer, standard):
    """No worker ran between 9:00 and 16:00 (or the history was loaded later): the warning,
    the breach and the late response are computed together at 16:00, but each is dated at its
    own moment, so the timeline reads in order instead of three entries at 16:00."""
    _user, contact = customer
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, requester=contact)
        drain()
    with clock.frozen(at(2025, 6, 9, 16)):
        actions.reply(ticket, actor=agent, body="Sorry for the wait.")
        drain()
    dated = {
        e.data["change"]: e.created_at
        for e in TicketEvent.objects.filter(ticket=ticket, kind="sla")
        if e.data.get("metric") == "first_response"
    }
    assert dated["warning"] == at(2025, 6, 9, 12, 12)
    assert dated["breached"] == at(2025, 6, 9, 13)
    assert dated["met"] == at(2025, 6, 9, 16)
