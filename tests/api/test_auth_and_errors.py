"""Authentication, scopes, rate limits and the error shape."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api.conftest import ApiClient
from tests.factories import PASSWORD, make_ticket
from ticketdesk.api import tokens
from ticketdesk.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401_json():
    response = Client().get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    response = Client().post("/api/v1/tickets", "{}", content_type="application/json")
    assert response.status_code == 401


def test_bad_and_revoked_tokens_are_refused(agent):
    assert ApiClient("tdk_nope").get("/api/v1/tickets").json()["code"] == "invalid_token"
    token, secret = tokens.create_token(agent, name="ci", scope="read")
    api = ApiClient(secret)
    assert api.get("/api/v1/tickets").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.token_hash != secret and secret not in token.token_hash
    tokens.revoke(agent, token.pk)
    assert api.get("/api/v1/tickets").status_code == 401


def test_read_token_cannot_write(api_for, agent, team):
    api = api_for(agent, scope="read")
    response = api.post("/api/v1/tickets", {"subject": "x", "requester_email": "a@example.org"})
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_rate_limit_per_token_gives_429_with_retry_after(api_for, agent, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "API_RATE_LIMIT": 3, "API_RATE_WINDOW": 60}
    api = api_for(agent)
    codes = [api.get("/api/v1/statuses").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = api.get("/api/v1/statuses")
    assert last.json()["code"] == "rate_limited"
    assert 1 <= int(last["Retry-After"]) <= 60
    # another token of the same user has its own budget
    assert api_for(agent).get("/api/v1/statuses").status_code == 200


def test_schema_violation_is_422_with_fields(api_for, agent):
    response = api_for(agent).post("/api/v1/tickets", {"subject": "Hi", "urgency": 9})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert "urgency" in body["fields"]


def test_domain_validation_is_400(api_for, agent, team):
    response = api_for(agent).post(
        "/api/v1/tickets", {"subject": "   ", "requester_email": "a@example.org"}
    )
    assert response.status_code == 400
    assert response.json()["fields"]["subject"]


def test_unknown_reference_is_a_field_error(api_for, agent):
    response = api_for(agent).post(
        "/api/v1/tickets", {"subject": "Hi", "requester_email": "a@example.org", "team_id": 999}
    )
    assert response.status_code == 400
    assert "team_id" in response.json()["fields"]


def test_missing_and_hidden_tickets_are_404(api_for, customer, team):
    user, _contact = customer
    hidden = make_ticket(team=team)
    api = api_for(user)
    assert api.get(f"/api/v1/tickets/{hidden.number}").json()["code"] == "not_found"
    assert api.get(f"/api/v1/tickets/{hidden.number}").status_code == 404
    assert api.get("/api/v1/tickets/999999").status_code == 404


def test_forged_cursor_is_400(api_for, agent):
    api = api_for(agent)
    for cursor in ["%%%", "WyJ4Il0", "WyJ4IiwieSJd", "WzEsMl0"]:
        response = api.get("/api/v1/tickets", {"cursor": cursor})
        assert response.status_code == 400, (cursor, response.content)


def test_session_auth_checks_csrf(agent):
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=agent.username, password=PASSWORD)
    assert browser.get("/api/v1/statuses").status_code == 200
    response = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    csrf = "k" * 32  # the double-submit cookie a page of ours would have set
    browser.cookies["csrftoken"] = csrf
    response = browser.post(
        "/api/v1/tokens",
        {"name": "laptop", "scope": "write"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert ApiClient(secret).get("/api/v1/statuses").status_code == 200
    listed = browser.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["laptop"] and "secret" not in listed[0]
    # a token cannot mint or list tokens: that needs the session
    assert ApiClient(secret).get("/api/v1/tokens").status_code == 401
    token_id = listed[0]["id"]
    deleted = browser.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": csrf})
    assert deleted.status_code == 204
    assert ApiClient(secret).get("/api/v1/statuses").status_code == 401


def test_apitoken_command_prints_the_secret_once(agent):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "apitoken",
        "create",
        agent.username,
        "--name",
        "cron",
        "--scope",
        "write",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert secret.startswith("tdk_")
    token = ApiToken.objects.get(user=agent)
    assert token.scope == "write" and token.name == "cron"
    assert ApiClient(secret).get("/api/v1/tickets").status_code == 200
    listing = io.StringIO()
    call_command("apitoken", "list", agent.username, stdout=listing)
    assert "cron" in listing.getvalue() and secret not in listing.getvalue()
    call_command("apitoken", "revoke", str(token.pk), stdout=io.StringIO())
    assert ApiClient(secret).get("/api/v1/tickets").status_code == 401


def test_openapi_and_docs_are_served(agent):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/tickets" in paths and "/api/v1/events" in paths
    browser = Client()
    browser.force_login(agent)
    assert browser.get("/api/v1/docs").status_code == 200


def test_unknown_endpoint_and_malformed_json_keep_the_error_shape(api_for, agent):
    api = api_for(agent)
    missing = api.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    broken = api.client.post(
        "/api/v1/tickets",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    assert broken.status_code == 400 and broken.json()["code"] == "bad_request"
