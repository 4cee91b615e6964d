"""Business hours where an SLA applies: the sla app's calendar and policy, real events."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_ticket, resolution, status
from tests.reports.conftest import drain
from ticketdesk.core import clock
from ticketdesk.reports import filters, metrics
from ticketdesk.reports.models import TicketFact
from ticketdesk.reports.rebuild import rebuild
from ticketdesk.sla.models import BusinessCalendar, SLAPolicy, SLATarget, WorkingHours
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db

FRIDAY_16 = dt.datetime(2026, 3, 6, 16, 0, tzinfo=dt.UTC)


def utc(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
def office_hours(db):
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="UTC", is_default=True)
    for weekday in range(5):
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(9), end=dt.time(17)
        )
    policy = SLAPolicy.objects.create(name="Standard")
    SLATarget.objects.create(policy=policy, metric="first_response", minutes=240)
    SLATarget.objects.create(policy=policy, metric="resolution", minutes=2400)
    return policy


def test_business_hours_first_response_and_resolution(office_hours, team, agent, admin_user):
    """Friday 16:00 → answered Monday 10:00 (2 working hours); pending Monday 11:00 →
    Tuesday 10:00 (7 working hours paused); resolved Tuesday 12:00: 12 working hours − 7 = 5."""
    with clock.frozen(FRIDAY_16):
        ticket = make_ticket(team=team, subject="Invoice export fails")
        drain()
    contact = ticket.requester
    with clock.frozen(utc(9, 10)):
        actions.reply(ticket, actor=agent, body="On it")
    with clock.frozen(utc(9, 11)):
        actions.change_status(ticket, status("pending"), actor=agent)
    with clock.frozen(utc(10, 10)):
        actions.reply(ticket, actor=None, author_contact=contact, body="Here is the file")
    with clock.frozen(utc(10, 12)):
        actions.change_status(
            ticket, status("resolved"), actor=agent, resolution=resolution(ticket)
        )
        drain()
    fact = TicketFact.objects.get(ticket=ticket)
    assert fact.first_response_seconds == 66 * 3600  # wall clock, Friday 16:00 → Monday 10:00
    assert fact.first_response_business_seconds == 2 * 3600
    assert fact.resolution_seconds == (92 - 23) * 3600  # wall clock minus 23 h pending
    assert fact.resolution_business_seconds == 5 * 3600
    with clock.frozen(utc(12, 9)):
        f = filters.parse(admin_user, {"start": "2026-03-01", "end": "2026-03-31"})
    numbers = metrics.time_percentiles(f)
    assert numbers["first_response_business"] == [7200.0, 7200.0]
    assert numbers["resolution_business"] == [18000.0, 18000.0]
    rebuild()
    again = TicketFact.objects.get(ticket=ticket)
    assert again.first_response_business_seconds == 2 * 3600
    assert again.resolution_business_seconds == 5 * 3600


def test_no_policy_no_business_hours(team, agent):
    ticket = make_ticket(team=team)
    actions.reply(ticket, actor=agent, body="Hi")
    drain()
    fact = TicketFact.objects.get(ticket=ticket)
    assert fact.first_response_seconds is not None
    assert fact.first_response_business_seconds is None
