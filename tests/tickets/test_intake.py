"""The team a new ticket starts in (tickets/intake.py): the order of the defaults."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory, make_ticket
from ticketdesk.accounts.models import Team
from ticketdesk.tickets import intake
from ticketdesk.tickets.models import Category, ChannelDefault, TicketEvent, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(db):
    return {name: TeamFactory(name=name) for name in ("Network", "Desk", "Care", "Phones")}


@pytest.fixture
def vpn(teams):
    software = Category.objects.create(name="Software")
    return Category.objects.create(name="VPN", parent=software)


def start(**kwargs):
    kwargs.setdefault("category", None)
    kwargs.setdefault("ticket_type", None)
    kwargs.setdefault("channel", "portal")
    return intake.starting_team(**kwargs)


def test_without_any_default_the_ticket_waits_in_triage(teams, vpn):
    assert start(category=vpn) == (None, intake.TRIAGE)


def test_the_most_specific_default_wins(teams, vpn):
    incident = TicketType.objects.get(key="incident")
    incident.default_team = teams["Care"]
    incident.save()
    ChannelDefault.objects.create(channel="portal", team=teams["Phones"])
    assert start(channel="portal") == (teams["Phones"], intake.CHANNEL)
    assert start(ticket_type=incident) == (teams["Care"], intake.TYPE)
    assert start(ticket_type=incident, entrance_team=teams["Desk"]) == (
        teams["Desk"],
        intake.ENTRANCE,
    )
    # a subcategory inherits its parent's team
    Category.objects.filter(name="Software").update(default_team=teams["Network"])
    vpn.refresh_from_db()
    assert start(category=vpn, ticket_type=incident, entrance_team=teams["Desk"]) == (
        teams["Network"],
        intake.CATEGORY,
    )


def test_an_inactive_team_is_skipped(teams, vpn):
    Category.objects.filter(pk=vpn.pk).update(default_team=teams["Network"])
    Team.objects.filter(pk=teams["Network"].pk).update(active=False)
    ChannelDefault.objects.create(channel="email", team=teams["Care"])
    vpn.refresh_from_db()
    assert start(category=vpn, channel="email") == (teams["Care"], intake.CHANNEL)


def test_open_ticket_applies_the_default_and_says_why(teams, vpn):
    Category.objects.filter(pk=vpn.pk).update(default_team=teams["Network"])
    vpn.refresh_from_db()
    ticket = make_ticket(category=vpn, channel="portal")
    assert ticket.team == teams["Network"]
    created = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert created.data["team_id"] == teams["Network"].pk
    assert created.data["team_source"] == intake.CATEGORY
    # a team chosen by the caller is kept
    chosen = make_ticket(category=vpn, team=teams["Desk"])
    assert chosen.team == teams["Desk"]
    assert TicketEvent.objects.get(ticket=chosen, kind="created").data["team_source"] == "explicit"
