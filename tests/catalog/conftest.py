from __future__ import annotations

import pytest

from tests.factories import ContactFactory, make_agent, make_customer
from ticketdesk.catalog.models import (
    ApprovalRule,
    ApprovalStep,
    ApproverKind,
    FieldKind,
    RequestField,
    RequestType,
)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(db):
    user, contact = make_customer(username="marco", email="marco@example.org")
    contact.name = "Marco Rossi"
    contact.save()
    return user, contact


@pytest.fixture
def employee(manager):
    user, contact = make_customer(username="elena", email="elena@example.org")
    contact.name = "Elena Bianchi"
    contact.manager = manager[1]
    contact.department = "Finance"
    contact.save()
    return user, contact


@pytest.fixture
def laptop(team):
    request_type = RequestType.objects.create(
        key="new-laptop",
        name="New laptop",
        description="A laptop for a new or existing employee.",
        team=team,
        translations={"pt-br": {"name": "Novo notebook"}, "it": {"name": "Nuovo portatile"}},
    )
    RequestField.objects.create(
        request_type=request_type,
        key="model",
        label="Model",
        kind=FieldKind.CHOICE,
        choices=["13-inch", "15-inch"],
        required=True,
        order=1,
    )
    RequestField.objects.create(
        request_type=request_type, key="reason", label="Why", kind=FieldKind.TEXTAREA, order=2
    )
    ApprovalStep.objects.create(request_type=request_type, order=1, kind=ApproverKind.MANAGER)
    return request_type


@pytest.fixture
def finance_share(team):
    """Manager first, then every member of the finance team."""
    finance = team.__class__.objects.create(name="Finance", slug="finance")
    request_type = RequestType.objects.create(key="finance-share", name="Finance share", team=team)
    ApprovalStep.objects.create(request_type=request_type, order=1, kind=ApproverKind.MANAGER)
    ApprovalStep.objects.create(
        request_type=request_type,
        order=2,
        kind=ApproverKind.TEAM,
        team=finance,
        rule=ApprovalRule.ALL,
    )
    first = make_agent(finance, username="fabio", email="fabio@example.org")
    second = make_agent(finance, username="flavia", email="flavia@example.org")
    return request_type, first, second


@pytest.fixture
def other_contact(db):
    return ContactFactory(email="someone@example.org")
