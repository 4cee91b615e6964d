"""Out-of-range input never gives a 500 (issue 19): integers past 64 bits anywhere in the API
(path, query, JSON body) and in the UI's filters and forms answer a clear 4xx; bodies over
DATA_UPLOAD_MAX_MEMORY_SIZE answer JSON 413 in the API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_ticket
from ticketdesk.api.main import api

BIG = "99999999999999999999"  # > 2**64
HUGE_NEGATIVE = "-99999999999999999999"


def _integer_parameters() -> list[tuple[str, str, str, str]]:
    """(method, path template, where, name) for every integer parameter of every endpoint."""
    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("schema", {}).get("type") == "integer":
                    found.append((method.upper(), path, parameter["in"], parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {})
            body_schema = body.get("application/json", {}).get("schema")
            for name in _integer_properties(schema, body_schema):
                found.append((method.upper(), path, "body", name))
    return found


def _integer_properties(openapi: dict[str, Any], schema: dict[str, Any] | None) -> list[str]:
    if not schema:
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi["components"]["schemas"][name]
    names = []
    for name, prop in (schema.get("properties") or {}).items():
        options = prop.get("anyOf", [prop])
        if any(option.get("type") == "integer" for option in options):
            names.append(name)
    return names


INTEGER_PARAMETERS = _integer_parameters()


def test_the_api_has_integer_parameters_to_check():
    assert len(INTEGER_PARAMETERS) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("value", [BIG, HUGE_NEGATIVE])
@pytest.mark.parametrize(
    ("method", "path", "where", "name"),
    INTEGER_PARAMETERS,
    ids=[f"{m} {p} {w}:{n}" for m, p, w, n in INTEGER_PARAMETERS],
)
def test_api_integers_out_of_range_are_a_422(
    api_for, admin_user, team, method, path, where, name, value
):
    ticket = make_ticket(team=team)
    url = path.replace("{number}", str(ticket.number))
    body: dict[str, Any] = {}
    if where == "path":
        url = path.replace("{" + name + "}", value).replace("{number}", str(ticket.number))
    elif where == "query":
        url = f"{url}?{name}={value}"
    else:
        body = {name: int(value)}
    url = re.sub(r"\{[a-z_]+\}", "1", url)  # the other ids: any existing-looking value
    api_client = api_for(admin_user)
    client, headers = api_client.client, {"Authorization": f"Bearer {api_client.secret}"}
    client.raise_request_exception = False
    if method == "GET":
        response = client.get(url, headers=headers)
    elif method == "DELETE":
        response = client.delete(url, headers=headers)
    else:
        response = getattr(client, method.lower())(
            url, json.dumps(body), content_type="application/json", headers=headers
        )
    assert 400 <= response.status_code < 500, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")


UI_URLS = [
    "/reports/?team_id={big}",
    "/reports/?agent_id={big}",
    "/reports/?type_id={big}",
    "/reports/?category_id={big}",
    "/reports/?organization_id={big}",
    "/reports/trends/?team_id={big}",
    "/?team={big}",
    "/?assignee={big}",
    "/?type={big}",
    "/?priority={big}",
    "/?status={big}",
    "/?q=team:{big}",
    "/?q=org:{big}",
    "/?q=category:{big}",
    "/?q=assignee:{big}",
    "/?cursor={big}",
    "/t/{big}/",
    "/kb/?section={big}",
    "/portal/tickets/{big}/",
    "/tickets/new/?type={big}",
]


@pytest.mark.django_db
@pytest.mark.parametrize("template", UI_URLS)
def test_ui_integers_out_of_range_are_a_4xx(client: Client, admin_user, team, template):
    make_ticket(team=team)
    client.force_login(admin_user)
    client.raise_request_exception = False
    response = client.get(template.format(big=BIG))
    assert response.status_code < 500, response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["expected_version", "status", "assignee", "team", "priority", "ticket_type"]
)
def test_ticket_forms_with_huge_integers_are_a_form_error(client, admin_user, team, field):
    ticket = make_ticket(team=team)
    client.force_login(admin_user)
    client.raise_request_exception = False
    for url in (f"/t/{ticket.number}/messages/", f"/t/{ticket.number}/fields/"):
        response = client.post(url, {"body": "hello", "visibility": "public", field: BIG})
        assert response.status_code < 500, (url, response.status_code)


@pytest.mark.django_db
def test_oversized_api_body_is_json_413(api_for, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api_client = api_for(admin_user)
    api_client.client.raise_request_exception = False
    response = api_client.post("/api/v1/tickets", {"subject": "x" * 5000, "body": "y"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_oversized_form_body_under_api_is_json_413(client, admin_user, settings):
    """A browser session's form post: the CSRF check reads the body before any endpoint."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(admin_user)
    client.raise_request_exception = False
    response = client.post("/api/v1/tickets", {"subject": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ["", "0", "-1", "²", "٣", "1e3", " 12 ", "9223372036854775808", BIG]
)
def test_parse_id_refuses_what_no_row_can_have(raw):
    from ticketdesk.core.ids import MAX_ID, parse_id

    assert parse_id(raw) == (12 if raw == " 12 " else None)
    assert parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["team:²", "org:٣", "category:¹"])
def test_unicode_digits_in_search_terms_are_a_clear_error(client, admin_user, term):
    client.force_login(admin_user)
    client.raise_request_exception = False
    assert client.get("/", {"q": term}).status_code < 500
