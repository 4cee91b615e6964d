"""Small findings of the day-one walk: dates in the reader's locale order, the language
by name on the profile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from ticketdesk.workspace.templatetags.workspace_tags import short_datetime

pytestmark = pytest.mark.django_db


def test_short_dates_follow_the_locale_order():
    moment = timezone.make_aware(dt.datetime(timezone.localtime().year, 12, 7, 13, 0))
    with translation.override("en"):
        assert short_datetime(moment) == "Dec 7, 13:00"
    with translation.override("pt-br"):
        assert short_datetime(moment) == "7 de dez, 13:00"
    with translation.override("it"):
        assert short_datetime(moment) == "7 dic, 13:00"
    with translation.override("pt-br"):
        assert short_datetime(moment.replace(year=2020)) == "7 de dez 2020, 13:00"


def test_the_ticket_page_of_a_pt_br_agent_shows_locale_dates(client, team, agent):
    from django.urls import reverse

    from tests.factories import make_ticket

    agent.language = "pt-br"
    agent.save()
    ticket = make_ticket(team=team)
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    with translation.override("pt-br"):
        expected = short_datetime(ticket.created_at)  # "6 de dez, 09:45", not "Dez 6, 09:45"
    assert expected in page


def test_the_requester_card_names_the_language(client, team, agent):
    from django.urls import reverse

    from tests.factories import ContactFactory, make_ticket

    contact = ContactFactory(language="pt-br")
    ticket = make_ticket(team=team, requester=contact)
    agent.language = "pt-br"
    agent.save()
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket", args=[ticket.number])).content.decode()
    assert "<dd>Português do Brasil</dd>" in page and "<dd>pt-br</dd>" not in page


def test_the_default_portal_name_is_translated(client):
    from django.urls import reverse

    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "Central de Ajuda" in page and "Help Center" not in page
