"""The workflow the seeds describe: new → in progress (on assignment) → pending → resolved
(summary and verification checklist) → closed (by the customer's confirmation or after N
quiet days), reopened by the customer's reply or "not solved"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as global_apps

from tests.factories import ContactFactory, make_agent, make_ticket, resolution, status
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.scheduler import jobs
from ticketdesk.tickets import actions, autoclose
from ticketdesk.tickets.defaults import add_working_status
from ticketdesk.tickets.models import (
    Status,
    TicketEvent,
    TicketType,
    Transition,
    VerificationStep,
    WorkflowSettings,
)
from ticketdesk.tickets.resolution import Resolution
from ticketdesk.workspace import timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(db):
    return TicketType.objects.get(key="incident")


def test_assigning_a_new_ticket_moves_it_to_in_progress(team, agent):
    ticket = make_ticket(team=team)
    assert ticket.status.key == "new"
    actions.assign(ticket, assignee=agent, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status.key == "in-progress"
    event = TicketEvent.objects.get(ticket=ticket, kind="status_changed")
    assert event.data["on_assign"] is True and event.actor_user == agent
    # routing (the system) assigns the same way; a pending ticket is left where it is
    routed = make_ticket(team=team)
    actions.assign(routed, assignee=agent, actor=None)
    routed.refresh_from_db()
    assert routed.status.key == "in-progress"
    waiting = make_ticket(team=team)
    actions.change_status(waiting, status("pending"), actor=agent)
    actions.assign(waiting, assignee=agent, actor=agent)
    waiting.refresh_from_db()
    assert waiting.status.key == "pending"


def test_an_agent_resolves_with_a_summary_and_the_checklist(team, agent, incident):
    VerificationStep.objects.filter(ticket_type=incident, key="fix_tested_by").update(required=True)
    ticket = make_ticket(team=team, ticket_type=incident)
    actions.assign(ticket, assignee=agent, actor=agent)
    with pytest.raises(ValidationFailed) as missing:
        actions.change_status(ticket, status("resolved"), actor=agent)
    assert set(missing.value.fields) == {"resolution_summary", "verification.fix_tested_by"}
    with pytest.raises(ValidationFailed) as unknown:
        actions.change_status(
            ticket,
            status("resolved"),
            actor=agent,
            resolution=Resolution("Done", {"fix_tested_by": "Luca", "colour": "red"}),
        )
    assert set(unknown.value.fields) == {"verification.colour"}
    ticket.refresh_from_db()
    assert ticket.status.key == "in-progress"  # nothing changed
    actions.change_status(
        ticket,
        status("resolved"),
        actor=agent,
        resolution=Resolution(
            "Replaced the VPN profile.", {"fix_tested_by": "Luca", "customer_confirmed": "on"}
        ),
    )
    ticket.refresh_from_db()
    assert ticket.resolution_summary == "Replaced the VPN profile."
    assert [(i["key"], i["value"]) for i in ticket.verification] == [
        ("fix_tested_by", "Luca"),
        ("customer_confirmed", True),
    ]
    event = TicketEvent.objects.filter(ticket=ticket, kind="status_changed").last()
    assert event.data["resolution"]["summary"] == "Replaced the VPN profile."
    entry = timeline.build([], [event])[0]
    assert entry.summary == "Replaced the VPN profile."
    assert entry.checklist == [("Fix tested by", "Luca"), ("Customer confirmed the fix", "yes")]
    assert "resolved the ticket" in entry.text
    # the customer's reply reopens it to In progress (it is assigned) and clears the resolution
    actions.reply(ticket, actor=None, author_contact=ticket.requester, body="Broken again")
    ticket.refresh_from_db()
    assert ticket.status.key == "in-progress"
    assert (ticket.resolution_summary, ticket.verification, ticket.reopen_count) == ("", [], 1)


def test_closing_an_active_ticket_also_asks_for_a_summary(team, agent):
    ticket = make_ticket(team=team)
    with pytest.raises(ValidationFailed):
        actions.change_status(ticket, status("closed"), actor=agent)
    actions.change_status(
        ticket, status("closed"), actor=agent, resolution=resolution(ticket, "Duplicate mail")
    )
    ticket.refresh_from_db()
    assert ticket.status.key == "closed" and ticket.resolution_summary == "Duplicate mail"


def test_the_system_and_customers_resolve_without_a_summary(team, customer):
    user, contact = customer
    by_rule = make_ticket(team=team)
    actions.change_status(by_rule, status("resolved"), actor=None)
    own = make_ticket(team=team, requester=contact)
    actions.change_status(own, status("resolved"), actor=user)
    own.refresh_from_db()
    assert own.status.key == "resolved"


def test_a_customer_reply_on_an_unassigned_ticket_reopens_it_to_open(team, agent):
    ticket = make_ticket(team=team)
    actions.change_status(ticket, status("resolved"), actor=None)
    actions.reply(ticket, actor=None, author_contact=ticket.requester, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status.key == "open"


def _resolved_days_ago(team, agent, days, subject="Printer"):
    with clock.frozen(clock.now() - dt.timedelta(days=days, hours=1)):
        ticket = make_ticket(team=team, subject=subject)
    with clock.frozen(clock.now() - dt.timedelta(days=days)):
        actions.change_status(
            ticket, status("resolved"), actor=agent, resolution=resolution(ticket)
        )
    return ticket


def test_resolved_tickets_close_after_n_quiet_days(team, agent):
    settings = WorkflowSettings.current()
    settings.auto_close_days = 5
    settings.save()
    quiet = _resolved_days_ago(team, agent, 6, "quiet")
    recent = _resolved_days_ago(team, agent, 2, "recent")
    answered = _resolved_days_ago(team, agent, 6, "answered")
    actions.reply(answered, actor=None, author_contact=answered.requester, body="Not fixed")
    assert autoclose.close_quiet_tickets() == 1
    assert autoclose.close_quiet_tickets() == 0  # idempotent
    for ticket, key in ((quiet, "closed"), (recent, "resolved"), (answered, "open")):
        ticket.refresh_from_db()
        assert ticket.status.key == key, ticket.subject
    event = TicketEvent.objects.filter(ticket=quiet, kind="status_changed").last()
    assert event.actor_user is None
    assert event.data["auto_closed"] is True and event.data["after_days"] == 5
    assert "5 days after it was resolved" in timeline.describe(event)
    assert "tickets.close_quiet_tickets" in {job.name for job in jobs()}


def test_auto_close_can_be_turned_off(team, agent):
    WorkflowSettings.objects.update_or_create(pk=1, defaults={"auto_close_days": 0})
    _resolved_days_ago(team, agent, 400)
    assert autoclose.close_quiet_tickets() == 0


def test_the_migration_adds_in_progress_without_touching_custom_statuses(db):
    """An installation from before this workflow, with a status of its own."""
    Status.objects.filter(key="in-progress").delete()
    triage = Status.objects.create(key="triage", name="Triage", category="open", order=12)
    Transition.objects.create(from_status=Status.objects.get(key="new"), to_status=triage)
    add_working_status(global_apps)
    add_working_status(global_apps)  # idempotent
    working = Status.objects.get(key="in-progress")
    assert working.is_working and working.category == "open"
    assert working.translations["pt-br"]["name"] == "Em andamento"
    sources = set(
        Transition.objects.filter(to_status=working).values_list("from_status__key", flat=True)
    )
    assert sources == {"new", "open", "pending", "on-hold", "resolved"}
    assert not Transition.objects.filter(from_status=triage).exists()
    assert Status.objects.filter(name="In progress").count() == 1


def test_the_migration_adopts_an_own_in_progress_status(db):
    Status.objects.filter(key="in-progress").delete()
    own = Status.objects.create(key="doing", name="In progress", category="open", order=22)
    add_working_status(global_apps)
    own.refresh_from_db()
    assert own.is_working
    assert not Status.objects.filter(key="in-progress").exists()


def test_an_agent_opening_for_a_caller_counts_as_staff(team):
    agent = make_agent(team)
    ticket = actions.open_ticket(
        requester=ContactFactory(), subject="Call", channel="phone", actor=agent, team=team
    )
    with pytest.raises(ValidationFailed):
        actions.reply(ticket, actor=agent, body="Fixed", status=status("resolved"))
