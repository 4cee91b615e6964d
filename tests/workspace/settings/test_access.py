"""Who reaches the Settings area: admins only (policy verb manage_settings)."""

import pytest
from django.urls import reverse

from ticketdesk.tickets.models import CustomFieldDefinition, Status

pytestmark = pytest.mark.django_db

GET_PAGES = [
    ("workspace:settings:index", ()),
    ("workspace:settings:fields", ()),
    ("workspace:settings:field_new", ()),
    ("workspace:settings:field_preview", ()),
    ("workspace:settings:workflow", ()),
    ("workspace:settings:status_new", ()),
]


@pytest.fixture
def field(db):
    return CustomFieldDefinition.objects.create(
        key="asset_tag", label="Asset tag", field_type="text"
    )


@pytest.mark.parametrize(("name", "args"), GET_PAGES)
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, args, role, expected):
    response = as_role(role).get(reverse(name, args=args))
    assert response.status_code == expected


def test_edit_pages_by_role(as_role, field):
    client = as_role("agent")
    status = Status.objects.order_by("pk").first()
    assert client.get(reverse("workspace:settings:field_edit", args=[field.pk])).status_code == 403
    assert (
        client.get(reverse("workspace:settings:status_edit", args=[status.pk])).status_code == 403
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("workspace:settings:fields_order", ()),
        ("workspace:settings:transitions", ()),
        ("workspace:settings:field_new", ()),
        ("workspace:settings:status_new", ()),
    ],
)
@pytest.mark.parametrize("role", ["agent", "light_agent"])
def test_staff_cannot_change(as_role, name, args, role):
    transitions_before = Status.objects.count()
    response = as_role(role).post(reverse(name, args=args), {"name": "X", "category": "open"})
    assert response.status_code == 403
    assert Status.objects.count() == transitions_before


def test_customer_is_sent_to_the_portal(as_role):
    response = as_role("customer").get(reverse("workspace:settings:index"))
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/")


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("workspace:settings:fields"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_nav_links_to_settings_for_admins_only(as_role, client):
    page = as_role("admin").get("/").content.decode()
    assert 'href="/settings/"' in page
    client.logout()
    page = as_role("agent").get("/").content.decode()
    assert 'href="/settings/"' not in page


ALL_PAGES = [
    "index",
    "fields",
    "field_new",
    "workflow",
    "status_new",
    "priorities",
    "calendar_new",  # ("SLA", the section's own heading, is the same word in all three)
    "policy_new",
    "teams",
    "team_new",
    "channels",
    "mailbox_new",
    "portal",
    "messaging_new",
    "chat_widget",
    "integrations",
    "endpoint_new",
]


def _heading(client, name, language):
    import re

    page = client.get(reverse(f"workspace:settings:{name}"), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    return re.search(r"<h1[^>]*>(.*?)</h1>", page.content.decode(), re.S).group(1)


@pytest.mark.parametrize("language", ["pt-br", "it"])
def test_every_page_is_translated(as_role, language):
    client = as_role("admin")
    for name in ALL_PAGES:
        assert _heading(client, name, language) != _heading(client, name, "en"), name
    text = client.get(reverse("workspace:settings:fields"), HTTP_ACCEPT_LANGUAGE=language)
    assert "Add a field" not in text.content.decode()


def test_settings_lead_to_the_configuration_file_and_its_changes(as_role):
    """The walk could not find the configuration file from the Settings area."""
    page = as_role("admin").get(reverse("workspace:settings:index")).content.decode()
    assert reverse("configuration:exchange") in page
    assert reverse("configuration:changes") in page
