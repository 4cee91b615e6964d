"""Answer retrieval shared by the agent's panel and the portal's deflection: the knowledge
base articles that solved similar tickets come first (with a trained model), only articles
the reader may see, never the similar tickets or their replies; without a model the portal
falls back to the knowledge base search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from tests.kb.helpers import make_article, make_section
from tests.smart.helpers import KINDS, build_desk, solve_ticket
from ticketdesk.smart import answers, retrieval, training
from ticketdesk.tickets import actions as ticket_actions

pytestmark = pytest.mark.django_db


def kind_of(subject: str) -> str:
    return next(kind for kind, (subjects, _s, _r) in KINDS.items() if subject in subjects)


def desk_whose_vpn_replies_link(*articles, train: bool = True):
    """The helpers' desk; every VPN ticket is solved by a reply linking `articles`."""
    desk = build_desk(rounds=2, solve=False)
    links = " ".join(f"[{a.slug}]({reverse('kb:article', args=[a.slug])})" for a in articles)
    for ticket in desk.tickets:
        kind = kind_of(ticket.subject)
        _subjects, summary, reply = KINDS[kind]
        if kind == "vpn":
            reply = f"{reply} See {links}"
        solve_ticket(ticket, desk.agent, reply, summary)
    if train:
        training.train()
    return desk


@pytest.fixture
def vpn_articles(db):
    section = make_section("Network", "Connectivity")
    return {
        # what solved the VPN tickets; shares no word with the customer's question
        "solving": make_article(
            "Tunnel client upgrade", "Install release 5.2 of the tunnel client.", section=section
        ),
        # matches the customer's words, but solved nothing
        "searched": make_article(
            "VPN from home: frequently asked questions",
            "Which VPN address to use from home.",
            section=section,
        ),
        "internal": make_article(
            "VPN concentrator admin steps",
            "Restart the concentrator from the admin console.",
            section=section,
            visibility="internal",
        ),
    }


def suggest(client, subject: str) -> str:
    response = client.get(reverse("portal:suggest"), {"subject": subject})
    assert response.status_code == 200
    return response.content.decode()


def test_portal_deflection_puts_the_article_that_solved_similar_tickets_first(
    client, customer, vpn_articles
):
    desk_whose_vpn_replies_link(vpn_articles["solving"], vpn_articles["internal"])
    client.force_login(customer[0])
    html = suggest(client, "VPN keeps dropping from home")
    solving = reverse("portal:deflect", args=[vpn_articles["solving"].pk])
    searched = reverse("portal:deflect", args=[vpn_articles["searched"].pk])
    assert solving in html and searched in html  # the search still fills the list
    assert html.index(solving) < html.index(searched)
    # never the similar tickets, their replies, or an internal article that solved them
    assert "update the VPN client to 5.2" not in html
    assert "VPN disconnects every few minutes" not in html
    assert "concentrator" not in html
    assert reverse("portal:deflect", args=[vpn_articles["internal"].pk]) not in html


def test_anonymous_visitors_get_public_articles_only(client, vpn_articles):
    customers_only = make_article(
        "Tunnel client for customers", "Customers' download.", visibility="customers"
    )
    desk_whose_vpn_replies_link(vpn_articles["solving"], customers_only)
    html = suggest(client, "VPN keeps dropping from home")
    assert reverse("portal:deflect", args=[vpn_articles["solving"].pk]) in html
    assert reverse("portal:deflect", args=[customers_only.pk]) not in html


def test_without_a_model_the_portal_falls_back_to_the_search(client, customer, vpn_articles):
    desk_whose_vpn_replies_link(vpn_articles["solving"], train=False)
    client.force_login(customer[0])
    html = suggest(client, "VPN keeps dropping from home")
    assert reverse("portal:deflect", args=[vpn_articles["searched"].pk]) in html
    assert reverse("portal:deflect", args=[vpn_articles["solving"].pk]) not in html
    assert "frequently asked questions" in html


def test_the_agent_panel_ranks_the_same_articles(vpn_articles):
    desk = desk_whose_vpn_replies_link(vpn_articles["solving"], vpn_articles["internal"])
    found = retrieval.articles_for_text(desk.agent, "VPN keeps dropping from home")
    assert found[0].article == vpn_articles["solving"]
    # the agent may read internal articles; the panel (links sent to customers) drops them
    assert vpn_articles["internal"] in [hit.article for hit in found]
    ticket = make_ticket(subject="VPN keeps dropping from home", body="Since today.")
    panel = retrieval.retrieve(desk.agent, ticket).articles
    assert panel[0].article == vpn_articles["solving"]
    assert vpn_articles["internal"] not in [hit.article for hit in panel]


def test_only_public_agent_replies_on_solved_tickets_count(vpn_articles):
    desk = build_desk(rounds=1, solve=False)
    article = vpn_articles["solving"]
    link = f"[how]({reverse('kb:article', args=[article.slug])})"
    still_open, noted, solved = desk.tickets[:3]
    ticket_actions.reply(still_open, actor=desk.agent, body=f"Try {link}")  # not solved
    ticket_actions.add_note(noted, actor=desk.agent, body=f"Try {link}")  # internal note
    solve_ticket(noted, desk.agent, "Solved it another way.", "Other way")
    solve_ticket(solved, desk.agent, f"Solved: {link}", "With the article")
    found = [(still_open.pk, 0.9), (noted.pk, 0.8), (solved.pk, 0.5)]
    assert answers.solving_weights(found) == {article.pk: 0.5}


def test_article_retrieval_reads_a_bounded_number_of_queries(
    client, customer, vpn_articles, django_assert_max_num_queries
):
    desk_whose_vpn_replies_link(vpn_articles["solving"])
    client.force_login(customer[0])
    suggest(client, "warm up the model cache")
    # 20 until issue 20's KB search: a search that finds something now picks its ranked
    # candidates first (one query more, so that a common word never ranks every match)
    with django_assert_max_num_queries(24):
        suggest(client, "VPN keeps dropping from home")
