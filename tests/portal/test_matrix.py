"""Role × URL matrix over every portal and knowledge base URL, including guessed ids and
attachment URLs: a customer never sees another's ticket, attachment or any internal note."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_ticket
from tests.kb.helpers import make_article
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput

pytestmark = pytest.mark.django_db
SECRET = "SECRET-NOTE-7731"
ROLES = ["customer_a", "customer_b", "agent", "light_agent", "anonymous"]


@pytest.fixture
def world(team, agent, light_agent, customer, customer_b):
    ticket_a = make_ticket(team=team, requester=customer[1], subject="Alpha ticket")
    ticket_b = make_ticket(team=team, requester=customer_b[1], subject="Bravo ticket")
    note = actions.add_note(
        ticket_a,
        actor=agent,
        body=f"{SECRET} do not tell",
        attachments=[AttachmentInput("internal.txt", f"{SECRET}".encode(), "text/plain")],
    )
    public = actions.reply(
        ticket_a,
        actor=agent,
        body="Public answer",
        attachments=[AttachmentInput("public.txt", b"public bytes", "text/plain")],
    )
    b_reply = actions.reply(
        ticket_b,
        actor=agent,
        body="Answer to B",
        attachments=[AttachmentInput("bravo.txt", b"bravo bytes", "text/plain")],
    )
    articles = {
        "public": make_article("Public guide", "for everyone"),
        "customers": make_article("Customer guide", "for customers", visibility="customers"),
        "internal": make_article("Internal runbook", SECRET, visibility="internal"),
        "draft": make_article("Draft guide", "not yet", publish=False),
    }
    clients = {"anonymous": Client()}
    for name, user in {
        "customer_a": customer[0],
        "customer_b": customer_b[0],
        "agent": agent,
        "light_agent": light_agent,
    }.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
    return {
        "a": ticket_a,
        "b": ticket_b,
        "note": note,
        "public": public,
        "att_public_a": public.attachments.get(),
        "att_internal_a": note.attachments.get(),
        "att_b": b_reply.attachments.get(),
        "articles": articles,
        "clients": clients,
    }


LOGIN = 302
# (label, method, url builder, expected status per role in ROLES order)
CASES = [
    ("home", "get", lambda w: "/portal/", [200, 200, 200, 200, 200]),
    ("list", "get", lambda w: "/portal/tickets/", [200, 200, 200, 200, LOGIN]),
    ("ticket A", "get", lambda w: f"/portal/tickets/{w['a'].number}/", [200, 404, 200, 200, LOGIN]),
    ("ticket B", "get", lambda w: f"/portal/tickets/{w['b'].number}/", [404, 200, 200, 200, LOGIN]),
    ("guessed ticket", "get", lambda w: "/portal/tickets/987654/", [404, 404, 404, 404, LOGIN]),
    (
        "public attachment A",
        "get",
        lambda w: f"/portal/attachments/{w['att_public_a'].pk}/",
        [200, 404, 200, 200, LOGIN],
    ),
    (
        "internal attachment A",
        "get",
        lambda w: f"/portal/attachments/{w['att_internal_a'].pk}/",
        [404, 404, 200, 200, LOGIN],
    ),
    (
        "attachment B",
        "get",
        lambda w: f"/portal/attachments/{w['att_b'].pk}/",
        [404, 200, 200, 200, LOGIN],
    ),
    (
        "guessed attachment",
        "get",
        lambda w: "/portal/attachments/99999/",
        [404, 404, 404, 404, LOGIN],
    ),
    (
        "reply to A",
        "post",
        lambda w: f"/portal/tickets/{w['a'].number}/reply/",
        [302, 404, 302, 403, LOGIN],
    ),
    (
        "rate A",
        "post",
        lambda w: f"/portal/tickets/{w['a'].number}/rate/",
        [400, 404, 302, 302, 404],  # A's ticket is open: nothing to rate yet
    ),
    (
        "close A",
        "post",
        lambda w: f"/portal/tickets/{w['a'].number}/status/",
        [302, 404, 302, 403, LOGIN],
    ),
    ("new ticket form", "get", lambda w: "/portal/new/incident/", [200, 200, 200, 200, 200]),
    ("suggest", "get", lambda w: "/portal/suggest/?subject=guide", [200, 200, 200, 200, 200]),
    ("embed", "get", lambda w: "/portal/embed/", [200, 200, 200, 200, 200]),
    ("kb index", "get", lambda w: "/kb/", [200, 200, 200, 200, 200]),
    ("kb public", "get", lambda w: f"/kb/articles/{w['articles']['public'].slug}/", [200] * 5),
    (
        "kb customers-only",
        "get",
        lambda w: f"/kb/articles/{w['articles']['customers'].slug}/",
        [200, 200, 200, 200, 404],
    ),
    (
        "kb internal",
        "get",
        lambda w: f"/kb/articles/{w['articles']['internal'].slug}/",
        [404, 404, 200, 200, 404],
    ),
    (
        "kb internal print",
        "get",
        lambda w: f"/kb/articles/{w['articles']['internal'].slug}/print/",
        [404, 404, 200, 200, 404],
    ),
    (
        "kb draft",
        "get",
        lambda w: f"/kb/articles/{w['articles']['draft'].slug}/",
        [404, 404, 404, 404, 404],
    ),
    ("kb guessed", "get", lambda w: "/kb/articles/no-such-article/", [404] * 5),
    ("kb search", "get", lambda w: "/kb/search/?q=guide", [200] * 5),
    ("kb sitemap", "get", lambda w: "/kb/sitemap.xml", [200] * 5),
    ("kb manage", "get", lambda w: "/kb/manage/", [404, 404, 200, 404, 404]),
    (
        "kb edit",
        "get",
        lambda w: f"/kb/manage/{w['articles']['draft'].pk}/",
        [404, 404, 200, 404, 404],
    ),
    ("kb insert link", "get", lambda w: "/kb/insert-link/?q=guide", [404, 404, 200, 200, 404]),
    (
        "kb from public message",
        "post",
        lambda w: f"/kb/from-message/{w['public'].pk}/",
        [404, 404, 302, 404, 404],
    ),
    (
        "kb from internal note",
        "post",
        lambda w: f"/kb/from-message/{w['note'].pk}/",
        [404, 404, 403, 404, 404],
    ),
]


def test_role_url_matrix(world):
    """One world, every case in order (GETs first; the POSTs that change the ticket last, in
    the order their expectations assume: reply, rate while open, close)."""
    failures = []
    ordered = [c for c in CASES if c[1] == "get"] + [c for c in CASES if c[1] == "post"]
    for label, method, url, expected in ordered:
        target = url(world)
        data = {"body": "hello", "action": "close", "score": "5"} if method == "post" else None
        for role, want in zip(ROLES, expected, strict=True):
            client = world["clients"][role]
            response = client.post(target, data) if method == "post" else client.get(target)
            if response.status_code != want:
                failures.append(f"{label} as {role}: {response.status_code} (expected {want})")
            body = (
                b"".join(response.streaming_content)
                if getattr(response, "streaming", False)
                else response.content
            )
            may_read_notes = role in ("agent", "light_agent") and not target.startswith("/portal/")
            if label == "internal attachment A" and want == 200:
                may_read_notes = True
            if SECRET.encode() in body and not may_read_notes:
                failures.append(f"{label} as {role} leaked an internal note")
    assert failures == []


def test_list_shows_only_own_tickets(world):
    html_a = world["clients"]["customer_a"].get("/portal/tickets/").content.decode()
    html_b = world["clients"]["customer_b"].get("/portal/tickets/").content.decode()
    assert "Alpha ticket" in html_a and "Bravo ticket" not in html_a
    assert "Bravo ticket" in html_b and "Alpha ticket" not in html_b


def test_search_and_sitemap_hide_restricted_articles(world):
    customer = world["clients"]["customer_a"].get("/kb/search/?q=guide").content.decode()
    assert "Customer" in customer and "Draft" not in customer
    anonymous = world["clients"]["anonymous"].get("/kb/search/?q=guide").content.decode()
    assert "Public" in anonymous and "Customer" not in anonymous
    internal = world["clients"]["customer_a"].get(f"/kb/search/?q={SECRET}").content.decode()
    assert "Internal runbook" not in internal
    sitemap = world["clients"]["anonymous"].get("/kb/sitemap.xml").content.decode()
    assert world["articles"]["public"].slug in sitemap
    for key in ("customers", "internal", "draft"):
        assert world["articles"][key].slug not in sitemap
