"""Property-based run of the whole OpenAPI schema (schemathesis) against the WSGI app with
an admin token and a small seeded database: no 5xx, and every response matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import client_for
from tests.factories import ContactFactory, make_agent, make_ticket
from ticketdesk.accounts.models import Role
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions import AttachmentInput

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 5


@pytest.fixture
def wsgi_app():
    # Django's test client does the same: keep the test's connection (and transaction) open
    # across requests instead of closing it at the end of each one.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(team, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "API_RATE_LIMIT": 100_000}
    admin = make_agent(team, role=Role.ADMIN, username="root")
    for i in range(3):
        ticket = make_ticket(team=team, requester=ContactFactory(), subject=f"Seed {i}")
        actions.reply(
            ticket,
            actor=admin,
            body="Attached",
            attachments=[AttachmentInput(name="seed.txt", content=b"seed")],
        )
    return client_for(admin).secret


def test_api_conforms_to_its_schema(seeded, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {seeded}"}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            run()
        except Exception as exc:  # collect every operation's failure, report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
    # the run reached the endpoints, not only the auth and validation layers
    assert statuses.get(200, 0) + statuses.get(201, 0) >= 40, statuses
    print(statuses)
