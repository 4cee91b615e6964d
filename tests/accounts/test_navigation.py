"""Role × navigation: the links each role sees in the workspace and portal navigation, and
that every link shown answers 200 — no way to a page that answers 403 or 404 (issue 13)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import make_agent, make_customer
from ticketdesk.accounts.models import Role, TeamMembership

pytestmark = pytest.mark.django_db

ROLES = ("admin", "lead", "agent", "light_agent", "customer", "anonymous")


NAVIGATION = {"mainnav", "usernav", "rail", "portal-nav", "portal-account"}


class NavLinks(HTMLParser):
    """The hrefs inside the page's navigation elements (`classes`: the top bar's main and
    account navigation, the workspace's rail of views, the portal's navigation and account
    corner)."""

    def __init__(self, classes: set[str]) -> None:
        super().__init__()
        self.classes = classes
        self.depth = 0  # inside a navigation element when > 0
        self.stack: list[bool] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        is_nav = bool(self.classes & set((values.get("class") or "").split()))
        if tag in ("nav", "div", "aside"):
            self.stack.append(is_nav)
            self.depth += is_nav
        if tag == "a" and self.depth and values.get("href"):
            self.links.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("nav", "div", "aside") and self.stack:
            self.depth -= self.stack.pop()


def nav_links(html: str, classes: set[str] = NAVIGATION - {"rail"}) -> list[str]:
    parser = NavLinks(classes)
    parser.feed(re.sub(r"<dialog.*?</dialog>", "", html, flags=re.S))
    return [link for link in parser.links if not link.startswith("#")]


@pytest.fixture
def clients(team) -> dict[str, Client]:
    users = {
        "admin": make_agent(
            None, role=Role.ADMIN, username="root", is_staff=True, is_superuser=True
        ),
        "lead": make_agent(team, username="lena"),
        "agent": make_agent(team, username="ana"),
        "light_agent": make_agent(team, role=Role.LIGHT_AGENT, username="joao"),
        "customer": make_customer(username="maria", email="maria@example.org")[0],
    }
    TeamMembership.objects.filter(user=users["lead"]).update(is_lead=True)
    out = {"anonymous": Client()}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        out[role] = client
    return out


WORKSPACE = {
    "admin": [
        "/",
        "/reports/",
        "/kb/",
        "/automation/",
        "/sla/",
        "/mail/",
        "/system/",
        "/admin/",
        "/settings/",
        "/privacy/audit/",
        "/tickets/new/",
        "/profile/",
    ],
    "lead": ["/", "/reports/", "/kb/", "/automation/macros/", "/tickets/new/", "/profile/"],
    "agent": ["/", "/kb/", "/automation/macros/", "/tickets/new/", "/profile/"],
    "light_agent": ["/", "/kb/", "/automation/macros/", "/profile/"],
}
PORTAL = {
    "staff": ["/kb/", "/portal/new/", "/"],  # back to the workspace, no "My requests"
    "customer": ["/kb/", "/portal/new/", "/portal/tickets/"],
    "anonymous": ["/kb/", "/portal/new/", "/portal/login/", "/portal/signup/"],
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_navigation_and_every_link_answers_200(clients, role):
    client = clients[role]
    home = client.get("/")
    if role in WORKSPACE:
        assert home.status_code == 200
        links = nav_links(home.content.decode())
        assert links == WORKSPACE[role]
        links += nav_links(home.content.decode(), {"rail"})  # the views: mine, unassigned…
    else:
        # customers and visitors have no workspace: they are sent to the portal or to log in
        assert home.status_code == 302
        links = []
    portal = client.get("/portal/")
    assert portal.status_code == 200
    portal_links = nav_links(portal.content.decode())
    expected = PORTAL["staff" if role in WORKSPACE else role]
    assert portal_links == expected
    for link in dict.fromkeys([*links, *portal_links]):
        response = client.get(link)
        assert response.status_code == 200, f"{role}: {link} answers {response.status_code}"


@pytest.mark.parametrize("role", ["lead", "agent", "light_agent"])
def test_pages_reached_from_the_navigation_link_only_to_what_answers_200(clients, role, team):
    """One level deeper: the links of the report, macro and knowledge base pages an agent
    reaches from the navigation (subnavigation, "new" buttons) answer 200 as well."""
    from tests.factories import make_ticket
    from ticketdesk.tickets import actions

    ticket = make_ticket(team=team, subject="VPN down")
    actions.add_note(ticket, actor=None, body="first note")
    client = clients[role]
    pages = ["/automation/macros/", "/kb/", f"/t/{ticket.number}/", "/profile/"]
    if role == "lead":
        pages.append("/reports/")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for href in re.findall(
            r'href="(/(?:reports|automation|kb/manage|sla|tickets/new)[^"]*)"', html
        ):
            if href.endswith((".csv", ".xlsx", ".md")):
                continue
            answer = client.get(href.replace("&amp;", "&"))
            assert answer.status_code == 200, (
                f"{role} on {page}: {href} answers {answer.status_code}"
            )
