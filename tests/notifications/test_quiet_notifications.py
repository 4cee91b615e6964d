"""Notifications people can live with: which SLA target and when, once per target; nothing
about moments long past; the bell grouped by ticket; a summary instead of a flood."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from tests.factories import make_agent, make_ticket
from ticketdesk.core import clock, outbox
from ticketdesk.notifications import digests, inapp
from ticketdesk.notifications.models import Notification
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db


def _sla_event(ticket, topic: str, metric: str, *, due_minutes: int = 30, stale: bool = False):
    due = clock.now() + dt.timedelta(minutes=due_minutes)
    outbox.publish(
        topic,
        {
            "ticket_id": ticket.pk,
            "ticket_number": ticket.number,
            "actor_id": None,
            "metric": metric,
            "due_at": due.isoformat(),
            "at": clock.now().isoformat(),
            "cycle": "",
            "stale": stale,
        },
        ticket_id=ticket.pk,
    )


def test_an_sla_warning_says_which_target_and_when_once_per_target(agent, team):
    ticket = make_ticket(team=team, assignee=agent)
    outbox.process_pending()
    Notification.objects.all().delete()
    _sla_event(ticket, "sla.warning", "first_response")
    _sla_event(ticket, "sla.warning", "first_response")  # found again: no second warning
    _sla_event(ticket, "sla.warning", "resolution")
    outbox.process_pending()
    warnings = list(Notification.objects.filter(verb="sla_warning").order_by("id"))
    assert [n.data["metric"] for n in warnings] == ["first_response", "resolution"]
    text = inapp.describe(warnings[0])
    assert "first response due" in text and ticket.display_number in text


def test_no_alert_about_a_moment_long_past(agent, team):
    ticket = make_ticket(team=team, assignee=agent)
    outbox.process_pending()
    Notification.objects.all().delete()
    _sla_event(ticket, "sla.breached", "first_response", due_minutes=-600, stale=True)
    outbox.process_pending()
    assert not Notification.objects.exists()


def test_the_sla_clock_alerts_only_for_fresh_moments(agent, team):
    """A breach the clock discovers hours late (the demo's old tickets) alerts nobody."""
    from tests.sla.helpers import at, make_policy, office_calendar
    from ticketdesk.sla import tracking

    office_calendar()
    make_policy("Standard", order=20)
    with clock.frozen(at(2025, 6, 9, 9)):
        ticket = make_ticket(team=team, subject="Mail server down", assignee=agent)
        outbox.process_pending()
    with clock.frozen(at(2025, 6, 10, 16)):  # a day later
        tracking.check_due()
        outbox.process_pending()
    assert ticket.events.filter(kind="sla", data__change="breached").exists()
    assert not Notification.objects.filter(verb__startswith="sla_").exists()


def test_the_bell_groups_by_ticket(agent, team, customer):
    user, contact = customer
    luca = make_agent(team, username="luca")
    first = make_ticket(team=team, requester=contact, assignee=agent, subject="VPN")
    second = make_ticket(team=team, requester=contact, assignee=agent, subject="Printer")
    outbox.process_pending()
    Notification.objects.all().delete()
    actions.reply(first, actor=user, body="Still down")
    actions.add_note(first, actor=luca, body="Looked at the logs")
    actions.reply(second, actor=user, body="Paper jam")
    outbox.process_pending()
    groups = inapp.grouped_for(agent)
    assert [g.ticket.subject for g in groups] == ["Printer", "VPN"]
    assert [g.unread for g in groups] == [1, 2]
    browser = Client()
    browser.force_login(agent)
    page = browser.get("/notifications/").content.decode()
    assert page.count('class="notification-group card') == 2
    browser.post(f"/notifications/ticket/{first.pk}/read/")
    assert [g.unread for g in inapp.grouped_for(agent)] == [1, 0]


def test_more_than_a_handful_an_hour_becomes_an_hourly_summary(agent, team):
    luca = make_agent(team, username="luca", email="luca@example.org")
    assert inapp.digest_frequency(luca) == "auto"
    for n in range(8):
        make_ticket(team=team, subject=f"Outage report {n}")
    outbox.process_pending()
    to_luca = [m for m in mail.outbox if m.to == [luca.email]]
    assert len(to_luca) == inapp.AUTO_DIGEST_AFTER  # then they wait for the summary
    mail.outbox.clear()
    assert digests.send_due_digests("hourly") >= 1
    outbox.process_pending()
    [summary] = [m for m in mail.outbox if m.to == [luca.email]]
    assert "3 updates" in summary.subject


def test_an_escalation_to_a_team_says_so_with_its_level(agent, team):
    """A user walk found "escalated #N to you — level 1" for every member of the team a Tier 2
    escalation went to, and the whole reason in the mail subject."""
    from tests.factories import TeamFactory

    infrastructure = TeamFactory(name="Infrastructure", slug="infra")
    priya = make_agent(infrastructure, username="priya", email="priya@example.org")
    ticket = make_ticket(team=team, assignee=agent)
    outbox.process_pending()
    mail.outbox.clear()
    actions.escalate(
        ticket, actor=agent, reason="Gateway certificate expired " * 5, team=infrastructure
    )
    outbox.process_pending()
    note = Notification.objects.get(recipient=priya, verb="team_escalated")
    text = inapp.describe(note)
    assert "to your team" in text and "Tier 2" in text
    [sent] = [m for m in mail.outbox if m.to == [priya.email]]
    assert "Gateway certificate" not in sent.subject and "Gateway certificate" in sent.body


def test_a_ticket_that_came_in_by_mail_is_opened_by_its_requester(agent, team, customer):
    _user, contact = customer
    make_ticket(team=team, requester=contact)  # no agent opened it
    outbox.process_pending()
    note = Notification.objects.get(recipient=agent, verb="team_new_ticket")
    assert inapp.describe(note).startswith(contact.display_name)
