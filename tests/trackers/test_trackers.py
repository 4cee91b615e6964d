from __future__ import annotations

import base64
import json

import pytest
from django.core import mail as django_mail

from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from ticketdesk.notifications.models import Notification
from ticketdesk.tickets.models import Message
from ticketdesk.trackers import actions, calls
from ticketdesk.trackers.models import CallStatus, RemoteState, TrackerCall, TrackerLink

from . import fake_trackers
from .conftest import SECRET


def deliver(client, connection, payload, headers=None, query=""):
    body = json.dumps(payload).encode()
    return client.post(
        f"/trackers/hooks/{connection.pk}/{query}",
        body,
        content_type="application/json",
        headers=headers or {},
    )


def github_hook(client, connection, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    return client.post(
        f"/trackers/hooks/{connection.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-Hub-Signature-256": fake_trackers.github_signature(secret, body),
        },
    )


@pytest.mark.django_db
def test_github_issue_created_after_commit(fake, github, bug, agent):
    link = actions.create_issue(bug, connection=github, actor=agent)
    assert link.state == RemoteState.CREATING and fake.calls == []  # nothing sent yet
    assert calls.send_due() == 1
    (call,) = fake.calls
    assert call.method == "POST" and call.path == "/repos/acme/app/issues"
    assert call.headers["Authorization"] == "Bearer tok-123"
    assert call.body["title"] == "Export crashes" and f"/t/{bug.number}/" in call.body["body"]
    link.refresh_from_db()
    assert (link.remote_id, link.state) == ("1", RemoteState.OPEN)
    assert link.url == "https://github.com/acme/app/issues/1"
    assert Message.objects.filter(
        ticket=bug, kind="internal", body_text__contains="issues/1"
    ).exists()


@pytest.mark.django_db
def test_failed_calls_are_retried_with_backoff_then_given_up(fake, github, bug, agent):
    fake.fail_next = [502]
    link = actions.create_issue(bug, connection=github, actor=agent)
    calls.send_due()
    call = TrackerCall.objects.get()
    assert call.status == CallStatus.PENDING and call.attempts == 1
    assert call.next_retry_at > clock.now()
    assert calls.send_due() == 0  # not due yet
    TrackerCall.objects.update(next_retry_at=clock.now())
    calls.send_due()
    call.refresh_from_db()
    assert call.status == CallStatus.SUCCEEDED and call.attempts == 2
    fake.fail_next = [401]
    second = actions.create_issue(bug, connection=github, actor=agent)
    calls.send_due()
    second.refresh_from_db()
    assert second.state == RemoteState.FAILED  # a refused token is not retried
    link.refresh_from_db()
    assert link.state == RemoteState.OPEN


@pytest.mark.django_db
def test_github_closed_webhook_moves_to_verify_and_tells_customer(client, fake, github, bug, agent):
    link = actions.create_issue(bug, connection=github, actor=agent)
    calls.send_due()
    issue = dict(fake.issues[("github", "acme/app#1")], state="closed", state_reason="completed")
    payload = fake_trackers.github_issues_event("acme/app", issue, "closed")
    forged = github_hook(client, github, payload, secret="wrong")
    assert forged.status_code == 401
    link.refresh_from_db()
    assert link.state == RemoteState.OPEN
    response = github_hook(client, github, payload)
    assert response.status_code == 200 and response.json()["changed"] == 1
    link.refresh_from_db()
    bug.refresh_from_db()
    assert link.state == RemoteState.CLOSED
    assert bug.status.key == "fix-released" and bug.status_category == "pending"
    reply = Message.objects.filter(ticket=bug, kind="public", author_user=agent).latest("pk")
    assert "rilasciata" in reply.body_text  # in the customer's language (Italian)
    assert github_hook(client, github, payload).json()["changed"] == 0  # a redelivery
    django_mail.outbox.clear()
    outbox.process_pending()
    assert Notification.objects.filter(recipient=agent, verb="tracker_updated").exists()
    assert any("carla@example.org" in m.to for m in django_mail.outbox)


@pytest.mark.django_db
def test_github_closed_as_not_planned_does_not_ask_to_verify(client, fake, github, bug, agent):
    actions.create_issue(bug, connection=github, actor=agent)
    calls.send_due()
    issue = dict(fake.issues[("github", "acme/app#1")], state="closed", state_reason="not_planned")
    github_hook(client, github, fake_trackers.github_issues_event("acme/app", issue, "closed"))
    bug.refresh_from_db()
    assert bug.status.key != "fix-released"
    assert TrackerLink.objects.get().state == RemoteState.CLOSED


@pytest.mark.django_db
def test_gitlab_create_and_close_hook(client, fake, gitlab, bug, agent):
    actions.create_issue(bug, connection=gitlab, actor=agent, title="Crash on export")
    calls.send_due()
    (call,) = fake.calls
    assert call.path == "/api/v4/projects/acme%2Fbackend/issues"
    assert call.headers["PRIVATE-TOKEN"] == "tok-123"
    assert call.body["description"]
    link = TrackerLink.objects.get()
    assert link.remote_id == "1" and link.url.endswith("/acme/backend/-/issues/1")
    payload = fake_trackers.gitlab_issue_hook("acme/backend", 1, "closed", "close")
    bad = deliver(
        client, gitlab, payload, {"X-Gitlab-Token": "nope", "X-Gitlab-Event": "Issue Hook"}
    )
    assert bad.status_code == 401
    ok = deliver(
        client, gitlab, payload, {"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Issue Hook"}
    )
    assert ok.status_code == 200
    bug.refresh_from_db()
    assert bug.status.key == "fix-released"
    other = fake_trackers.gitlab_issue_hook("acme/other", 1, "closed", "close")
    ignored = deliver(client, gitlab, other, {"X-Gitlab-Token": SECRET})
    assert ignored.status_code == 202


@pytest.mark.django_db
def test_jira_create_and_release_hook(client, fake, jira, bug, agent):
    actions.create_issue(bug, connection=jira, actor=agent)
    calls.send_due()
    (call,) = fake.calls
    assert call.path == "/rest/api/2/issue"
    assert call.body["fields"]["project"] == {"key": "APP"}
    assert call.body["fields"]["issuetype"] == {"name": "Bug"}
    expected = base64.b64encode(b"bot@example.com:tok-123").decode()
    assert call.headers["Authorization"] == f"Basic {expected}"
    link = TrackerLink.objects.get()
    assert link.remote_id == "APP-1" and link.url == "https://acme.atlassian.net/browse/APP-1"
    payload = fake_trackers.jira_issue_updated("APP-1", "Done", "done", released=True)
    assert deliver(client, jira, payload).status_code == 401  # no secret, no signature
    body = json.dumps(payload).encode()
    signed = client.post(
        f"/trackers/hooks/{jira.pk}/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature": fake_trackers.github_signature(SECRET, body)},
    )
    assert signed.status_code == 200
    link.refresh_from_db()
    assert link.state == RemoteState.RELEASED and link.remote_status == "Done"
    bug.refresh_from_db()
    assert bug.status.key == "fix-released"
    # the older form: the shared secret in the webhook's address
    reopened = fake_trackers.jira_issue_updated("APP-1", "In Progress", "indeterminate")
    assert deliver(client, jira, reopened, query=f"?secret={SECRET}").status_code == 200
    link.refresh_from_db()
    assert link.state == RemoteState.OPEN


@pytest.mark.django_db
def test_link_existing_issue_by_url_reads_its_state_quietly(fake, github, bug, agent):
    fake.add_github("acme/app", 42, state="closed", title="Old crash")
    link = actions.link_issue(bug, url="https://github.com/acme/app/issues/42", actor=agent)
    assert link.remote_id == "42"
    calls.send_due()
    assert fake.calls[0].method == "GET" and fake.calls[0].path == "/repos/acme/app/issues/42"
    link.refresh_from_db()
    assert link.state == RemoteState.CLOSED and link.title == "Old crash"
    bug.refresh_from_db()
    assert bug.status.key != "fix-released"  # linking reads, it does not announce
    with pytest.raises(Conflict):
        actions.link_issue(bug, url="https://github.com/acme/app/issues/42", actor=agent)
    with pytest.raises(ValidationFailed) as error:
        actions.link_issue(bug, url="https://github.com/other/repo/issues/1", actor=agent)
    assert "url" in error.value.fields


@pytest.mark.django_db
def test_only_agents_who_may_edit_link_issues(github, bug, light_agent, customer):
    with pytest.raises(PermissionDenied):
        actions.create_issue(bug, connection=github, actor=light_agent)
    with pytest.raises(PermissionDenied):
        actions.create_issue(bug, connection=github, actor=customer[0])
