from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_agent, make_customer
from ticketdesk.accounts.models import Role
from ticketdesk.tickets.models import CustomFieldDefinition, FieldType, TicketType


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer_b(db):
    return make_customer(username="bruno", email="bruno@example.net")


@pytest.fixture
def light_agent(team):
    return make_agent(team, role=Role.LIGHT_AGENT, username="lia")


@pytest.fixture
def incident_type(db):
    return TicketType.objects.get(key="incident")


@pytest.fixture
def asset_field(incident_type):
    field = CustomFieldDefinition.objects.create(
        key="asset_tag",
        label="Asset tag",
        field_type=FieldType.TEXT,
        required=True,
        pattern=r"[A-Z]{2}-\d{4}",
        help_text="The sticker on the device, e.g. LT-1234",
    )
    field.ticket_types.add(incident_type)
    return field


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client
