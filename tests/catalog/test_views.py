from __future__ import annotations

import re

import pytest
from django.core import mail as django_mail
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD
from ticketdesk.catalog import actions
from ticketdesk.catalog.models import Approval, RequestState, ServiceRequest
from ticketdesk.catalog.tokens import SALT, approval_token
from ticketdesk.core import outbox


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_catalog_form_submits_and_names_wrong_fields(client, laptop, employee):
    login(client, employee[0])
    page = client.get("/catalog/")
    assert page.status_code == 200 and "New laptop" in page.content.decode()
    bad = client.post("/catalog/new-laptop/", {"answer_reason": "x"})
    assert bad.status_code == 400
    assert 'class="field has-error"' in bad.content.decode()
    ok = client.post("/catalog/new-laptop/", {"answer_model": "15-inch", "answer_reason": "Old"})
    assert ok.status_code == 302
    request = ServiceRequest.objects.get()
    assert ok["Location"] == f"/portal/tickets/{request.ticket.number}/"
    assert request.answers == {"model": "15-inch", "reason": "Old"}


@pytest.mark.django_db
def test_catalog_in_portuguese(client, laptop, employee):
    login(client, employee[0])
    page = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert "Novo notebook" in page.content.decode()


@pytest.mark.django_db
def test_manager_approves_from_the_email_link(client, laptop, employee, manager):
    actions.submit_request(
        request_type=laptop,
        requester=employee[1],
        answers={"model": "13-inch"},
        actor=employee[0],
    )
    django_mail.outbox.clear()
    outbox.process_pending()
    (sent,) = [m for m in django_mail.outbox if manager[1].email in m.to]
    path = re.search(r"https?://[^/]+(/catalog/approve/\S+/)", sent.body).group(1)
    page = client.get(path)  # not signed in: the link is enough
    assert page.status_code == 200
    assert "Elena Bianchi" in page.content.decode() and "13-inch" in page.content.decode()
    assert Approval.objects.get().state == "pending"  # a GET decides nothing
    done = client.post(path, {"decision": "approve", "comment": "OK"})
    assert done.status_code == 200
    request = ServiceRequest.objects.get()
    assert request.state == RequestState.APPROVED
    again = client.post(path, {"decision": "reject"})
    assert again.status_code == 409


@pytest.mark.django_db
def test_forged_or_expired_links_are_refused(client, laptop, employee, settings):
    request = actions.submit_request(
        request_type=laptop, requester=employee[1], answers={"model": "13-inch"}, actor=None
    )
    approval = request.approvals.get()
    forged = signing.dumps({"a": approval.pk, "c": approval.approver_id + 1}, salt=SALT)
    assert client.get(f"/catalog/approve/{forged}/").status_code == 404
    assert client.get("/catalog/approve/nonsense/").status_code == 404
    token = approval_token(approval)
    settings.TICKETDESK = {**settings.TICKETDESK, "APPROVAL_LINK_DAYS": -1}
    assert client.post(f"/catalog/approve/{token}/", {"decision": "approve"}).status_code == 404


@pytest.mark.django_db
def test_portal_approvals_list_and_decision(client, laptop, employee, manager, other_contact):
    for _ in range(3):
        actions.submit_request(
            request_type=laptop, requester=employee[1], answers={"model": "13-inch"}, actor=None
        )
    login(client, manager[0])
    client.get("/catalog/approvals/")  # warm up the session and caches
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/catalog/approvals/")
    assert page.status_code == 200
    assert page.content.decode().count("Review and decide") == 3
    assert len(queries) <= 12, [q["sql"] for q in queries]
    approval = Approval.objects.order_by("pk").first()
    assert (
        client.post(f"/catalog/approvals/{approval.pk}/", {"decision": "reject"}).status_code == 200
    )
    approval.refresh_from_db()
    assert approval.state == "rejected"


@pytest.mark.django_db
def test_someone_else_cannot_open_the_decision_page(client, laptop, employee):
    request = actions.submit_request(
        request_type=laptop, requester=employee[1], answers={"model": "13-inch"}, actor=None
    )
    login(client, employee[0])
    approval = request.approvals.get()
    assert client.get(f"/catalog/approvals/{approval.pk}/").status_code == 404
    assert (
        client.post(f"/catalog/approvals/{approval.pk}/", {"decision": "approve"}).status_code
        == 404
    )


@pytest.mark.django_db
def test_agent_approver_decides_from_the_workspace_ticket_page(client, team, employee, agent):
    from ticketdesk.catalog.models import ApprovalStep, ApproverKind, RequestType

    request_type = RequestType.objects.create(key="vpn", name="VPN access", team=team)
    step = ApprovalStep.objects.create(request_type=request_type, order=1, kind=ApproverKind.PEOPLE)
    step.people.add(agent)
    request = actions.submit_request(
        request_type=request_type, requester=employee[1], answers={}, actor=None
    )
    number = request.ticket.number
    login(client, agent)
    assert f"/catalog/tickets/{number}/" in client.get(f"/t/{number}/").content.decode()
    panel = client.get(f"/catalog/tickets/{number}/").content.decode()
    assert "VPN access" in panel and 'value="approve"' in panel
    approval = request.approvals.get()
    done = client.post(
        f"/catalog/approvals/{approval.pk}/", {"decision": "approve", "next": f"/t/{number}/"}
    )
    assert done.status_code == 302 and done["Location"] == f"/t/{number}/"
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert 'value="approve"' not in client.get(f"/catalog/tickets/{number}/").content.decode()


@pytest.mark.django_db
def test_ticket_panel_is_empty_for_other_tickets_and_hidden_from_customers(client, agent, employee):
    from tests.factories import make_ticket

    ticket = make_ticket(requester=employee[1])
    login(client, agent)
    assert client.get(f"/catalog/tickets/{ticket.number}/").content == b""
    client.logout()
    login(client, employee[0])
    assert client.get(f"/catalog/tickets/{ticket.number}/").status_code == 404


@pytest.mark.django_db
def test_the_portal_says_a_request_awaits_approval_not_the_customer(client, laptop, employee):
    """The walk found "Awaiting your reply" on a request waiting for the manager."""
    login(client, employee[0])
    client.post("/catalog/new-laptop/", {"answer_model": "15-inch", "answer_reason": "Old"})
    number = ServiceRequest.objects.get().ticket.number
    for url in (f"/portal/tickets/{number}/", "/portal/tickets/"):
        page = client.get(url).content.decode()
        assert "Awaiting approval" in page and "Awaiting your reply" not in page


@pytest.mark.django_db
def test_a_portuguese_requesters_ticket_is_written_in_portuguese(client, laptop, employee):
    """The walk found "New laptop — Maria Silva" and "Model:" on a Portuguese request."""
    employee[1].language = "pt-br"
    employee[1].save(update_fields=["language"])
    laptop.fields.filter(key="model").update(translations={"pt-br": {"label": "Modelo"}})
    login(client, employee[0])
    client.post("/catalog/new-laptop/", {"answer_model": "15-inch", "answer_reason": "Old"})
    ticket = ServiceRequest.objects.get().ticket
    assert ticket.subject == "Novo notebook — Elena Bianchi"
    assert "**Modelo:** 15-inch" in ticket.messages.order_by("pk").first().body_text
