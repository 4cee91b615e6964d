from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import ContactFactory, make_ticket
from tests.reports.conftest import T0, drain
from ticketdesk.core import clock
from ticketdesk.core.models import OutboxMessage
from ticketdesk.reports.models import SpikeAlert
from ticketdesk.reports.text import tokens
from ticketdesk.reports.trends import detect_and_publish
from ticketdesk.tickets.models import Category

pytestmark = pytest.mark.django_db


def ticket_on(day: dt.date, subject: str, category, contact=None, team=None):
    with clock.frozen(dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)):
        return make_ticket(subject=subject, category=category, requester=contact, team=team)


def test_tokenizer_drops_stopwords_in_three_languages():
    assert tokens("The VPN não funciona: problema con la stampante HP-4200!") == [
        "vpn",
        "funciona",
        "stampante",
        "hp-4200",
    ]


def test_category_and_term_spike_is_published_once(settings):
    settings.TIME_ZONE = "UTC"
    network = Category.objects.create(name="Network")
    today = T0.date()
    for week in range(1, 9):  # one ticket a week for eight weeks
        ticket_on(today - dt.timedelta(days=7 * week), "Slow wifi on floor 2", network)
    for hour in range(8):  # then eight in the current week
        ticket_on(today - dt.timedelta(days=hour % 3), "Firewall blocks the ERP", network)
    with clock.frozen(T0):
        drain()
        alerts = detect_and_publish(today)
        assert detect_and_publish(today) == []  # once per period
    kinds = {(a.kind, a.key) for a in alerts}
    assert ("category", str(network.pk)) in kinds
    assert ("term", "firewall") in kinds
    assert ("term", "wifi") not in kinds
    published = OutboxMessage.objects.filter(topic="reports.spike")
    assert published.count() == len(alerts) == SpikeAlert.objects.count()
    category_alert = next(m for m in published if m.payload["kind"] == "category")
    assert category_alert.payload["count"] == 8
    assert category_alert.payload["label"] == "Network"


def test_trends_page_links_spikes(client, admin_user, settings):
    from ticketdesk.reports.models import SpikeAlert

    settings.TIME_ZONE = "UTC"
    network = Category.objects.create(name="Network")
    SpikeAlert.objects.create(
        kind="category",
        key=str(network.pk),
        period_start=T0.date(),
        period_end=T0.date(),
        count=9,
        mean=1,
        z_score=8,
        created_at=T0,
    )
    SpikeAlert.objects.create(
        kind="term",
        key="firewall",
        period_start=T0.date(),
        period_end=T0.date(),
        count=9,
        mean=1,
        z_score=8,
        created_at=T0,
    )
    client.force_login(admin_user)
    with clock.frozen(T0):  # the default period (the last 30 days) covers the spike
        body = client.get("/reports/trends/").content.decode()
        earlier = client.get("/reports/trends/", {"start": "2026-01-01", "end": "2026-01-31"})
    assert "No spikes detected." in earlier.content.decode()  # only those of the period
    assert f"/reports/?category_id={network.pk}&amp;start=2026-03-02" in body
    assert "<strong>Network</strong>" in body
    assert 'href="/?view=everything&amp;q=firewall"' in body


def test_trends_page_and_repeat_reporters(client, admin_user, team, settings):
    settings.TIME_ZONE = "UTC"
    network = Category.objects.create(name="Network")
    repeat, once = ContactFactory(), ContactFactory()
    today = T0.date()
    ticket_on(today - dt.timedelta(days=20), "Wifi down", network, repeat, team)
    ticket_on(today - dt.timedelta(days=3), "Wifi down again", network, repeat, team)
    ticket_on(today - dt.timedelta(days=1), "Wifi down a third time", network, repeat, team)
    ticket_on(today - dt.timedelta(days=15), "Wifi down", network, once, team)
    ticket_on(today - dt.timedelta(days=2), "Wifi flaky", network, once, team)
    with clock.frozen(T0):
        drain()
        client.force_login(admin_user)
        response = client.get(
            "/reports/trends/",
            {"start": (today - dt.timedelta(days=6)).isoformat(), "end": today.isoformat()},
        )
    assert response.status_code == 200
    repeats = response.context["repeat_contacts"]
    assert [(r["id"], r["repeats"]) for r in repeats] == [(repeat.pk, 1)]
    categories = response.context["categories"]
    assert [(c.label, c.current, c.previous) for c in categories] == [("Network", 3, 0)]
    assert "wifi" in [t.label for t in response.context["terms"]]


def test_last_tuesdays_spike_from_the_dashboard_to_its_tickets(client, admin_user, settings):
    """Volume chart point → that day's trends against the same weekday of the weeks before →
    the tickets of the category that rose."""
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    settings.TIME_ZONE = "UTC"
    network = Category.objects.create(name="Network")
    printing = Category.objects.create(name="Printing")
    tuesday = dt.date(2026, 3, 3)
    for week in range(1, 5):  # an ordinary Tuesday: two printer tickets, one network
        day = tuesday - dt.timedelta(days=7 * week)
        ticket_on(day, "Printer jam", printing)
        ticket_on(day, "Printer offline", printing)
        ticket_on(day, "Slow wifi", network)
    for _ in range(9):  # last Tuesday: the firewall change broke the VPN
        ticket_on(tuesday, "VPN down after firewall change", network)
    ticket_on(tuesday, "Printer jam", printing)
    with clock.frozen(dt.datetime(2026, 3, 4, tzinfo=dt.UTC)):
        drain()
    client.force_login(admin_user)
    with clock.frozen(dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC)):
        page = client.get("/reports/", {"start": "2026-02-20", "end": "2026-03-05"})
        links = [
            unescape(u) for u in re.findall(r'<a href="([^"]+)" class="chart-link"', page.text)
        ]
        marked = re.findall(r'class="chart-highlight"><title>([0-9-]+):', page.text)
        assert marked == ["2026-03-03"]  # the spike is circled
        drill = next(u for u in links if "start=2026-03-03" in u)
        assert parse_qs(urlsplit(drill).query) == {
            "start": ["2026-03-03"],
            "end": ["2026-03-03"],
            "compare": ["weeks"],
        }
        trends = client.get(drill)
    categories = trends.context["categories"]
    assert [(t.label, t.current, t.previous) for t in categories] == [("Network", 9, 1.0)]
    assert categories[0].query == f"category:{network.pk} created:2026-03-03..2026-03-03"
    terms = {t.key: t for t in trends.context["terms"]}
    assert terms["firewall"].current == 9 and terms["firewall"].previous == 0
    assert "Usual (4-week average)" in trends.text
    assert "/?view=everything&amp;q=category%3A" in trends.text
    with clock.frozen(dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC)):
        tickets = client.get("/", {"view": "everything", "q": categories[0].query})
    assert tickets.status_code == 200
    assert tickets.text.count("VPN down after firewall change") >= 9


def test_repeat_reporter_counts_where_the_repeat_matches_the_filters(team, admin_user, settings):
    from dataclasses import replace

    from tests.factories import TeamFactory
    from ticketdesk.reports import filters
    from ticketdesk.reports.trends import repeat_reporters

    settings.TIME_ZONE = "UTC"
    other = TeamFactory(name="Facilities", slug="facilities")
    network = Category.objects.create(name="Network")
    first, second = ContactFactory(), ContactFactory()
    today = T0.date()
    # first: earlier ticket in the other team, the repeat in ours; second: the reverse
    ticket_on(today - dt.timedelta(days=9), "Wifi down", network, first, other)
    ticket_on(today - dt.timedelta(days=4), "Wifi down again", network, first, team)
    ticket_on(today - dt.timedelta(days=9), "Wifi down", network, second, team)
    ticket_on(today - dt.timedelta(days=4), "Wifi down again", network, second, other)
    with clock.frozen(T0):
        drain()
        week = filters.parse(
            admin_user,
            {"start": (today - dt.timedelta(days=6)).isoformat(), "end": today.isoformat()},
        )
    ours = repeat_reporters(replace(week, team_id=team.pk))
    assert [(r["id"], r["repeats"]) for r in ours] == [(first.pk, 1)]
    everyone = repeat_reporters(week)
    assert sorted(r["id"] for r in everyone) == sorted([first.pk, second.pk])
    assert repeat_reporters(week, days=3) == []  # five days apart: not within three
