"""Configuration as code: the demo's configuration exported, imported into an empty
installation and exported again gives the same file."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction

from ticketdesk.accounts.models import Team, User
from ticketdesk.channels.chat.models import ChatWidgetSettings
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import export_text
from ticketdesk.core import clock
from ticketdesk.demo import data as demo_data
from ticketdesk.notifications.models import WebhookEndpoint
from ticketdesk.routing.models import AgentAvailability, AgentSkill
from ticketdesk.sla.models import BusinessCalendar, Holiday, TeamCalendar
from ticketdesk.tickets.models import CannedResponse, Tag

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def add_the_rest() -> None:
    """Rows of the kinds the demo leaves empty, secrets included (they must not travel)."""
    team = Team.objects.get(slug="it-support")
    ana = User.objects.get(username="ana")
    calendar = BusinessCalendar.objects.order_by("name").first()
    assert calendar is not None
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 12, 25), yearly=True, name="Xmas")
    TeamCalendar.objects.create(team=team, calendar=calendar)
    AgentAvailability.objects.create(user=ana, capacity=7, calendar=calendar, status="away")
    AgentSkill.objects.create(user=ana, kind="language", value="pt")
    CannedResponse.objects.create(title="Thanks", body="Thank you, {{ requester.first_name }}.")
    Mailbox.objects.create(
        name="Support",
        address="support@example.com",
        team=team,
        imap_host="imap.example.com",
        imap_user="support",
        imap_password="hunter2-mailbox",
    )
    WebhookEndpoint.objects.create(
        name="CRM",
        url="https://crm.example.com/hook",
        secret="s3cret-webhook",
        created_at=clock.now(),
    )
    ChatWidgetSettings.objects.create(pk=1, allowed_origins=["https://www.example.com"])
    Tag.objects.create(name="vip")  # data, not configuration


def demo_export() -> str:
    """The demo desk's configuration, then the database as it was (empty)."""
    text = ""
    try:
        with transaction.atomic():
            demo_data.ensure_people(random.Random(1))
            call_command("sla_defaults", "--no-recompute", stdout=io.StringIO())
            call_command("kb_demo", stdout=io.StringIO())
            call_command("automation_demo", stdout=io.StringIO())
            add_the_rest()
            text = export_text()
            raise _Undo
    except _Undo:
        pass
    return text


def test_demo_configuration_round_trips_into_an_empty_installation():
    exported = demo_export()
    document = yaml.safe_load(exported)
    assert document["teams"] and document["statuses"] and document["sla_policies"]
    assert document["automation_rules"] and document["macros"] and document["kb_categories"]
    for kind in ("holidays", "team_calendars", "agent_capacity", "agent_skills", "mailboxes"):
        assert document[kind], kind
    assert "hunter2" not in exported and "s3cret" not in exported  # no secrets travel
    assert document["chat_widget"] == {"allowed_origins": ["https://www.example.com"]}
    assert "imap_password" not in exported and "secret" not in document["webhooks"][0]
    assert "tags" not in document and "vip" not in {t["slug"] for t in document["teams"]}
    (capacity,) = document["agent_capacity"]
    assert capacity["user"] == "ana" and capacity["capacity"] == 7 and "status" not in capacity
    before = export_text()
    assert before != exported  # the empty installation differs

    plan = import_configuration(exported, actor=None, dry_run=True)
    assert plan.has_changes
    assert export_text() == before  # a dry run applies nothing

    import_configuration(exported, actor=None)
    assert export_text() == exported
    assert not User.objects.get(username="ana").has_usable_password()
    again = import_configuration(exported, actor=None, dry_run=True)
    assert not again.has_changes
