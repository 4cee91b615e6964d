"""The demo gives the reports something true to show: ratings and last Tuesday's outage,
found from the dashboard down to its problem record."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command

from tests.reports.conftest import drain
from ticketdesk.core import clock
from ticketdesk.demo import data as demo_data
from ticketdesk.reports import filters, metrics, trends
from ticketdesk.reports.management.commands.reports_demo import PROBLEM_SUBJECT, last_tuesday
from ticketdesk.reports.models import ProblemRecord
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)  # a Monday


def test_last_tuesday_is_a_finished_day_with_a_week_behind():
    assert last_tuesday(dt.date(2026, 11, 23)) == dt.date(2026, 11, 17)  # Monday
    assert last_tuesday(dt.date(2026, 11, 19)) == dt.date(2026, 11, 17)  # Thursday
    assert last_tuesday(dt.date(2026, 11, 18)) == dt.date(2026, 11, 10)  # Wednesday


def test_demo_story_leads_from_the_spike_to_its_cause(settings):
    settings.TIME_ZONE = "UTC"
    with clock.frozen(NOW):
        demo_data.load(random.Random(3), count=40)
        out = io.StringIO()
        call_command("reports_demo", stdout=out)
        call_command("reports_demo", stdout=out)  # idempotent: one outage
        drain()
    assert "a VPN outage on 2026-11-17 with 14 incidents" in out.getvalue()
    assert Ticket.objects.filter(subject=PROBLEM_SUBJECT).count() == 1
    admin = demo_data.User.objects.get(username="admin")
    with clock.frozen(NOW):
        month = filters.parse(admin, {})
        assert metrics.summary(month)["csat_count"] > 0
        tuesday = filters.parse(admin, {"start": "2026-11-17", "end": "2026-11-17"})
        rising = trends.category_trends(tuesday, "weeks")
    assert rising[0].label == "Software / VPN"
    assert rising[0].current >= 14
    problem = Ticket.objects.get(subject=PROBLEM_SUBJECT)
    record = ProblemRecord.objects.get(ticket=problem)
    assert "FW-2231" in record.trigger_event
    assert problem.status_category == "resolved"
    from ticketdesk.reports.problems import incidents

    linked = incidents(problem)
    assert linked.count() == 14
    assert set(linked.values_list("status_category", flat=True)) == {"resolved"}
