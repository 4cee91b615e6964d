from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD
from ticketdesk.trackers import actions
from ticketdesk.trackers.models import TrackerLink


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_panel_forms_and_bounded_queries(client, github, bug, agent):
    login(client, agent)
    for number in range(1, 6):
        actions.link_issue(bug, url=f"https://github.com/acme/app/issues/{number}", actor=agent)
    client.get(f"/trackers/tickets/{bug.number}/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/trackers/tickets/{bug.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("GitHub ") >= 5 and "Create an issue" in html
    assert len(queries) <= 14, [q["sql"] for q in queries]
    bad = client.post(f"/trackers/tickets/{bug.number}/link/", {"url": "https://example.com/x"})
    assert bad.status_code == 400 and "has-error" in bad.content.decode()
    made = client.post(
        f"/trackers/tickets/{bug.number}/create/", {"connection": github.pk, "title": "Crash"}
    )
    assert made.status_code == 302
    assert TrackerLink.objects.filter(title="Crash").exists()
    link = TrackerLink.objects.order_by("pk").first()
    gone = client.post(f"/trackers/tickets/{bug.number}/links/{link.pk}/unlink/")
    assert gone.status_code == 302 and not TrackerLink.objects.filter(pk=link.pk).exists()


@pytest.mark.django_db
def test_light_agent_sees_links_without_forms(client, github, bug, agent, light_agent):
    actions.link_issue(bug, url="https://github.com/acme/app/issues/3", actor=agent)
    login(client, light_agent)
    page = client.get(f"/trackers/tickets/{bug.number}/")
    assert page.status_code == 200
    assert "GitHub 3" in page.content.decode() and "Create an issue" not in page.content.decode()
    refused = client.post(
        f"/trackers/tickets/{bug.number}/create/", {"connection": github.pk, "title": "x"}
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_customers_get_no_panel(client, bug, customer):
    login(client, customer[0])
    assert client.get(f"/trackers/tickets/{bug.number}/").status_code in (403, 404)
