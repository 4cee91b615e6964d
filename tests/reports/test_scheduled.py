from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from tests.reports.conftest import at
from ticketdesk.core import clock
from ticketdesk.reports.models import ScheduledReport
from ticketdesk.reports.scheduled import send_due

pytestmark = pytest.mark.django_db


def test_lead_schedules_and_the_task_mails_the_csv(client, history, team, agent):
    from ticketdesk.accounts.models import TeamMembership

    TeamMembership.objects.filter(team=team, user=agent).update(is_lead=True)
    client.force_login(agent)
    with clock.frozen(at(days=3)):
        response = client.post(
            "/reports/scheduled/",
            {
                "name": "Weekly IT",
                "report": "summary",
                "frequency": "weekly",
                "recipients": "boss@example.org\nlead@example.org",
                "team_id": str(team.pk),
            },
        )
    assert response.status_code == 302
    scheduled = ScheduledReport.objects.get()
    assert scheduled.filters == {"team_id": str(team.pk)}
    assert scheduled.next_run_at == at(days=10)
    # run it earlier, so that the last 7 days (Feb 27 - Mar 5) hold the history
    ScheduledReport.objects.filter(pk=scheduled.pk).update(next_run_at=at(days=4))
    with clock.frozen(at(days=3)):
        assert send_due() == 0
    with clock.frozen(at(days=4)):
        assert send_due() == 1
        assert send_due() == 0  # idempotent: next run moved a week on
    reports = [m for m in mail.outbox if m.subject == "Report: Weekly IT"]
    assert len(reports) == 1  # (other apps' notifications may be in the outbox too)
    message = reports[0]
    assert message.to == ["boss@example.org", "lead@example.org"]
    _filename, content, mimetype = message.attachments[0]
    assert mimetype == "text/csv"
    text = content if isinstance(content, str) else content.decode("utf-8-sig")
    assert "Created,2" in text  # both tickets were created in the week
    scheduled.refresh_from_db()
    assert scheduled.next_run_at == at(days=11)
    assert client.get("/reports/scheduled/").status_code == 200


def test_monthly_schedule_reports_the_previous_month(history, admin_user):
    from ticketdesk.reports.scheduled import filters_for

    scheduled = ScheduledReport.objects.create(
        name="Monthly",
        report="volume",
        recipients="x@example.org",
        frequency="monthly",
        next_run_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        created_by=admin_user,
    )
    f = filters_for(scheduled, dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC))
    assert (f.start, f.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_agent_without_lead_role_cannot_schedule(client, agent):
    client.force_login(agent)
    response = client.post(
        "/reports/scheduled/", {"name": "x", "recipients": "a@example.org", "report": "summary"}
    )
    assert response.status_code == 403
    assert not ScheduledReport.objects.exists()
