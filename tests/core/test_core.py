"""Kernel pieces: sanitising, keyset pagination, outbox delivery, commands, login limits."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PASSWORD, TeamFactory, make_agent, make_ticket
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.html import html_to_text, render_markdown, sanitize_html, text_to_html
from ticketdesk.core.pagination import keyset_page
from ticketdesk.tickets.models import Level, Ticket
from ticketdesk.tickets.priority import compute_priority


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "<iframe src=//evil></iframe>",
        "<svg><script>alert(1)</script></svg>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<form action=//evil><input name=a></form>",
    ],
)
def test_sanitize_removes_active_content(dirty):
    clean = sanitize_html(dirty).lower()
    for bad in ("<script", "onerror", "javascript:", "data:", "<iframe", "<form", "style="):
        assert bad not in clean


def test_sanitize_keeps_formatting_and_secures_links():
    clean = sanitize_html('<p><b>Hi</b> <a href="https://example.com">x</a></p>')
    assert "<b>Hi</b>" in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_markdown_and_text_helpers():
    assert "<h1>T</h1>" in render_markdown("# T")
    assert text_to_html("a <b>\n\nc") == "<p>a &lt;b&gt;</p><p>c</p>"
    assert html_to_text("<p>a</p><p>b&amp;c</p>") == "a\nb&c"


@pytest.mark.django_db
def test_keyset_pagination_walks_every_row_once(team):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(23):
        with clock.frozen(start + dt.timedelta(minutes=i // 3)):  # ties on updated_at
            make_ticket(team=team, subject=f"t{i}")
    seen = []
    cursor = None
    while True:
        page = keyset_page(Ticket.objects.all(), ["-updated_at", "-id"], cursor=cursor, limit=5)
        seen += [t.pk for t in page.items]
        if not page.has_more:
            break
        cursor = page.next_cursor
    expected = list(Ticket.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))
    assert seen == expected


def test_keyset_rejects_bad_cursor():
    with pytest.raises(ValidationFailed):
        keyset_page(Ticket.objects.none(), ["-id"], cursor="not-a-cursor!!", limit=5)
    with pytest.raises(ValueError):
        keyset_page(Ticket.objects.none(), ["-updated_at"], cursor=None, limit=5)


@pytest.mark.django_db
@settings(max_examples=16, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(urgency=st.sampled_from(Level.values), impact=st.sampled_from(Level.values))
def test_priority_is_monotonic_in_urgency_and_impact(urgency, impact):
    p = compute_priority(urgency, impact)
    assert p in Level.values
    if urgency < Level.CRITICAL:
        assert compute_priority(urgency + 1, impact) >= p
    if impact < Level.CRITICAL:
        assert compute_priority(urgency, impact + 1) >= p
    assert compute_priority(urgency, impact) == compute_priority(impact, urgency)


@pytest.mark.django_db
def test_demo_data_is_believable(capsys):
    from ticketdesk.demo import data as demo_data

    created = demo_data.load(random.Random(1), count=30)
    assert created == 30
    assert Ticket.objects.count() == 30
    categories = set(Ticket.objects.values_list("status_category", flat=True))
    assert {"new", "open"} <= categories
    assert Ticket.objects.filter(messages__author_user__isnull=False).exists()
    languages = set(Ticket.objects.values_list("requester__language", flat=True))
    assert {"en", "pt-br", "it"} <= languages
    # configuration named in three languages, business areas and custom fields in use
    from django.utils import translation

    from ticketdesk.tickets.models import Category

    vpn = Category.objects.get(path="Software / VPN")
    with translation.override("it"):
        assert str(Category.objects.get(path="Hardware / Printer")) == "Dispositivi / Stampante"
        assert str(vpn) == "Software / VPN"
    assert Ticket.objects.filter(business_area__isnull=False).exists()
    assert Ticket.objects.filter(custom_fields__has_key="operating_system").exists()


@pytest.mark.django_db
def test_createagent_command():
    team = TeamFactory(name="Billing")
    call_command(
        "createagent", "carla", "carla@example.com", "--team", "Billing", "--password", PASSWORD
    )
    from ticketdesk.accounts.models import User

    user = User.objects.get(username="carla")
    assert user.role == "agent"
    assert user.check_password(PASSWORD)
    assert list(user.teams.all()) == [team]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("createagent", "carla", "x@example.com", "--password", PASSWORD)
    with pytest.raises(CommandError):
        call_command("createagent", "dan", "not-an-email", "--password", PASSWORD)


def test_cli_runs_management_commands():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ticketdesk.cli", "help", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "--tickets" in result.stdout


@pytest.mark.django_db
def test_login_works_and_sets_safe_cookies(client):
    make_agent(None, username="ana2")
    response = client.post("/accounts/login/", {"username": "ana2", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


@pytest.mark.django_db
def test_health(client):
    response = client.get("/healthz")
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_shipped_translations(team):
    from django.utils import translation

    from ticketdesk.tickets.models import Status

    call_command("compilemessages", "--ignore=.venv", verbosity=0)
    translation.trans_real._translations = {}  # pick up freshly compiled catalogs
    translation.trans_real._default = None
    with translation.override("it"):
        assert str(Status.objects.get(key="open")) == "Aperto"
        with pytest.raises(ValidationFailed) as info:
            make_ticket(team=team, subject=" ")
        assert info.value.message == "Un ticket ha bisogno di un oggetto."
    with translation.override("pt-br"):
        assert str(Status.objects.get(key="on-hold")) == "Em espera"


@pytest.mark.django_db
def test_the_demo_starts_quiet(capsys):
    """`make run` loads the demo: two months of history reach search, SLA and reports, but
    nobody is notified or mailed about them; only this morning's three tickets are news."""
    from collections import Counter

    from django.core import mail
    from django.core.management import call_command

    from ticketdesk.core import outbox
    from ticketdesk.core.models import OutgoingMail
    from ticketdesk.notifications.models import Notification
    from ticketdesk.sla import tracking
    from ticketdesk.tickets.models import Ticket

    call_command("demo")
    for _round in range(20):  # the worker and the scheduler's SLA checks, until all is quiet
        handled = outbox.process_pending()
        checked = tracking.check_due()
        if not handled and not checked:
            break
    assert Ticket.objects.count() > 200
    per_agent = Counter(Notification.objects.values_list("recipient__username", flat=True))
    assert per_agent and max(per_agent.values()) <= 5, per_agent
    assert not Notification.objects.filter(verb__startswith="sla_").exists()
    assert OutgoingMail.objects.exclude(purpose="notification").count() == 0
    assert len(mail.outbox) <= 3 * len(per_agent)


def test_markdown_keeps_the_backslashes_of_windows_paths():
    """`\\\\fs01\\share` lost a backslash: Markdown's escape of a backslash by a backslash."""
    html = render_markdown("Map \\\\fs01\\share or open C:\\\\temp\\logs")
    assert "\\\\fs01\\share" in html
    assert "C:\\\\temp\\logs" in html
    # a backslash still escapes markdown punctuation
    assert render_markdown("\\*not emphasis\\*") == "<p>*not emphasis*</p>"
