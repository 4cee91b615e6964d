"""Settings → Classification: ticket types, the category tree (moves, no cycles, switched off
rather than deleted when used), business areas, channels' teams, tags (rename, merge, delete)."""

import pytest
from django.urls import reverse

from tests.factories import make_agent, make_ticket
from ticketdesk.accounts.models import Team
from ticketdesk.audit.models import AuditEntry
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.tickets.actions import classification as actions
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    ChannelDefault,
    Tag,
    TicketType,
)
from ticketdesk.tickets.models.configuration import category_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return make_agent(None, role="admin", username="boss", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("name", ["classification", "type_new", "category_new", "area_new", "tags"])
@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("agent", 403), ("light_agent", 403)]
)
def test_pages_by_role(as_role, name, role, expected):
    assert as_role(role).get(reverse(f"workspace:settings:{name}")).status_code == expected


def test_agent_may_not_use_the_actions(team):
    agent = make_agent(team)
    with pytest.raises(PermissionDenied):
        actions.save_business_area(actor=agent, spec=actions.BusinessAreaSpec(name="Finance"))


def test_admin_adds_a_category_through_the_page_with_translations(as_role, team):
    client = as_role("admin")
    response = client.post(
        reverse("workspace:settings:category_new"),
        {"name": "Hardware", "name__pt-br": "Equipamento", "name__it": "Hardware IT",
         "default_team": team.pk, "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    hardware = Category.objects.get(name="Hardware")
    assert hardware.default_team == team
    assert hardware.translations["pt-br"] == {"name": "Equipamento"}
    assert category_path(hardware.pk, "pt-br") == "Equipamento"  # the cache was cleared
    entry = AuditEntry.objects.filter(action="config.category.created").latest("id")
    assert entry.details["changes"]["name"] == [None, "Hardware"]


def test_moving_a_category_moves_the_paths_of_its_subcategories(root):
    hardware = actions.save_category(actor=root, spec=actions.CategorySpec(name="Hardware"))
    laptop = actions.save_category(
        actor=root, spec=actions.CategorySpec(name="Laptop", parent=hardware)
    )
    battery = actions.save_category(
        actor=root, spec=actions.CategorySpec(name="Battery", parent=laptop)
    )
    devices = actions.save_category(actor=root, spec=actions.CategorySpec(name="Devices"))
    actions.save_category(
        actor=root, spec=actions.CategorySpec(name="Laptops", parent=devices), category=laptop
    )
    battery.refresh_from_db()
    assert battery.path == "Devices / Laptops / Battery"
    assert category_path(battery.pk) == "Devices / Laptops / Battery"


def test_a_category_cannot_go_under_itself_or_its_subcategories(root):
    hardware = actions.save_category(actor=root, spec=actions.CategorySpec(name="Hardware"))
    laptop = actions.save_category(
        actor=root, spec=actions.CategorySpec(name="Laptop", parent=hardware)
    )
    for place in (hardware, laptop):
        with pytest.raises(ValidationFailed) as raised:
            actions.save_category(
                actor=root,
                spec=actions.CategorySpec(name="Hardware", parent=place),
                category=hardware,
            )
        assert "parent" in raised.value.fields
    hardware.refresh_from_db()
    assert hardware.parent is None


def test_the_category_form_offers_no_place_below_the_category(as_role):
    client = as_role("admin")
    hardware = Category.objects.create(name="Hardware")
    laptop = Category.objects.create(name="Laptop", parent=hardware)
    other = Category.objects.create(name="Other")
    page = client.get(reverse("workspace:settings:category_edit", args=[hardware.pk]))
    places = list(page.context["form"].fields["parent"].queryset)
    assert other in places and hardware not in places and laptop not in places
    response = client.post(
        reverse("workspace:settings:category_edit", args=[hardware.pk]),
        {"name": "Hardware", "parent": laptop.pk, "active": "on"},
    )
    assert response.status_code == 400


def test_a_category_tickets_use_is_switched_off_not_deleted(root, as_role):
    used = Category.objects.create(name="Used")
    make_ticket(category=used)
    with pytest.raises(ValidationFailed, match="switch it off"):
        actions.delete_category(actor=root, category=used)
    parent = Category.objects.create(name="Parent")
    Category.objects.create(name="Child", parent=parent)
    with pytest.raises(ValidationFailed, match="subcategories"):
        actions.delete_category(actor=root, category=parent)
    actions.save_category(
        actor=root, spec=actions.CategorySpec(name="Used", active=False), category=used
    )
    used.refresh_from_db()
    assert used.active is False and used.tickets.count() == 1
    unused = Category.objects.create(name="Unused")
    client = as_role("admin")
    response = client.post(reverse("workspace:settings:category_delete", args=[unused.pk]))
    assert response.status_code == 302
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_sibling_names_are_unique_at_the_top_level_too(root):
    actions.save_category(actor=root, spec=actions.CategorySpec(name="Hardware"))
    with pytest.raises(ValidationFailed) as raised:
        actions.save_category(actor=root, spec=actions.CategorySpec(name="hardware"))
    assert "name" in raised.value.fields


def test_ticket_types_keep_one_active(root, team):
    for other in TicketType.objects.all():
        other.delete() if not other.tickets.exists() else None
    only = actions.save_ticket_type(
        actor=root,
        spec=actions.TicketTypeSpec(
            key="incident", name="Incident", default_team=team,
            translations={"it": {"name": "Incidente"}},
        ),
        ticket_type=TicketType.objects.filter(key="incident").first(),
    )  # fmt: skip
    TicketType.objects.exclude(pk=only.pk).update(active=False)
    with pytest.raises(ValidationFailed) as raised:
        actions.save_ticket_type(
            actor=root,
            spec=actions.TicketTypeSpec(key="incident", name="Incident", active=False),
            ticket_type=only,
        )
    assert "active" in raised.value.fields
    only.refresh_from_db()
    assert only.translated("name", "it") == "Incidente" and only.default_team == team


def test_ticket_type_key_is_checked(root):
    with pytest.raises(ValidationFailed) as raised:
        actions.save_ticket_type(actor=root, spec=actions.TicketTypeSpec(key="Bad Key", name="X"))
    assert "key" in raised.value.fields


def test_business_areas_and_channel_defaults(root, team):
    area = actions.save_business_area(actor=root, spec=actions.BusinessAreaSpec(name="Finance"))
    with pytest.raises(ValidationFailed):
        actions.save_business_area(actor=root, spec=actions.BusinessAreaSpec(name="finance"))
    assert BusinessArea.objects.get(pk=area.pk).active
    assert actions.set_channel_defaults(actor=root, teams={"email": team, "portal": None}) == 1
    assert ChannelDefault.objects.get(channel="email").team == team
    other = Team.objects.create(name="Other", slug="other")
    assert actions.set_channel_defaults(actor=root, teams={"email": other}) == 1
    assert actions.set_channel_defaults(actor=root, teams={"email": None}) == 1
    assert not ChannelDefault.objects.exists()


def test_channel_defaults_through_the_page(as_role, team):
    client = as_role("admin")
    response = client.post(
        reverse("workspace:settings:channel_defaults"), {"channel_email": team.pk}
    )
    assert response.status_code == 302
    assert ChannelDefault.objects.get(channel="email").team == team


def test_merging_tags_moves_them_onto_the_tickets(root):
    wrong, right = Tag.objects.create(name="pritner"), Tag.objects.create(name="printer")
    one, both, neither = make_ticket(), make_ticket(), make_ticket()
    one.tags.add(wrong)
    both.tags.add(wrong, right)
    gained = actions.merge_tags(actor=root, source=wrong, target=right)
    assert gained == 1
    assert not Tag.objects.filter(pk=wrong.pk).exists()
    assert set(one.tags.all()) == {right} and set(both.tags.all()) == {right}
    assert not neither.tags.exists()
    entry = AuditEntry.objects.get(action="config.tag.merged")
    assert entry.details["merged"]["name"] == "pritner"


def test_a_tag_cannot_merge_into_itself_nor_take_another_tags_name(root):
    tag, other = Tag.objects.create(name="vpn"), Tag.objects.create(name="network")
    with pytest.raises(ValidationFailed):
        actions.merge_tags(actor=root, source=tag, target=tag)
    with pytest.raises(ValidationFailed) as raised:
        actions.rename_tag(actor=root, tag=tag, name="NETWORK")
    assert "merge" in raised.value.fields["name"][0]
    actions.rename_tag(actor=root, tag=tag, name="  VPN   access ")
    tag.refresh_from_db()
    assert tag.name == "VPN access"
    assert other.name == "network"


def test_tag_pages_rename_merge_delete_and_search(as_role):
    client = as_role("admin")
    Tag.objects.bulk_create([Tag(name=f"tag-{n:03}") for n in range(120)])
    page = client.get(reverse("workspace:settings:tags"))
    assert len(page.context["page"].object_list) == 50  # bounded
    found = client.get(reverse("workspace:settings:tags"), {"q": "tag-11"})
    assert [t.name for t in found.context["page"].object_list] == [
        f"tag-{n}" for n in range(110, 120)
    ]
    source, target = Tag.objects.get(name="tag-001"), Tag.objects.get(name="tag-002")
    url = reverse("workspace:settings:tag_edit", args=[source.pk])
    # the merge input offers the other tags' names (the new-user walk typed them blind)
    edit = client.get(url).content.decode()
    assert 'list="merge-targets"' in edit and '<option value="tag-002">' in edit
    assert '<option value="tag-001">' not in edit  # not itself
    assert client.post(url, {"action": "merge", "target": "nope"}).status_code == 400
    assert client.post(url, {"action": "merge", "target": "TAG-002"}).status_code == 302
    assert not Tag.objects.filter(pk=source.pk).exists()
    url = reverse("workspace:settings:tag_edit", args=[target.pk])
    assert client.post(url, {"action": "rename", "name": "two"}).status_code == 302
    assert client.post(url, {"action": "delete"}).status_code == 302
    assert not Tag.objects.filter(pk=target.pk).exists()
    assert AuditEntry.objects.filter(action="config.tag.deleted").count() == 1


@pytest.mark.parametrize("language", ["pt-br", "it"])
def test_the_pages_are_translated(as_role, language):
    from tests.workspace.settings.test_access import _heading

    client = as_role("admin")
    for name in (
        "classification",
        "type_new",
        "category_new",
        "area_new",
        "agents",
        "agent_invite",
    ):  # fmt: skip  ("Tags" stays "Tags" in Portuguese)
        assert _heading(client, name, language) != _heading(client, name, "en"), name
    page = client.get(reverse("workspace:settings:classification"), HTTP_ACCEPT_LANGUAGE=language)
    assert "Add a category" not in page.content.decode()
    page = client.get(reverse("workspace:settings:tags"), HTTP_ACCEPT_LANGUAGE=language)
    assert "Search the tags" not in page.content.decode()


def test_ticket_counts_are_exact_up_to_the_cap_then_say_more_than(as_role, monkeypatch):
    """The category and tag lists count each row's tickets only up to a cap (at a million
    tickets a full COUNT per page view is what the list must not cost)."""
    from ticketdesk.workspace.views.settings import common

    client = as_role("admin")
    screens = Category.objects.create(name="Screens")
    cables = Category.objects.create(name="Cables")
    loud, quiet = Tag.objects.create(name="loud"), Tag.objects.create(name="quiet")
    for n in range(3):
        ticket = make_ticket(subject=f"Flicker {n}", category=screens)
        ticket.tags.add(loud)
    make_ticket(subject="Loose cable", category=cables).tags.add(quiet)
    monkeypatch.setattr(common, "COUNT_CAP", 2)
    page = client.get(reverse("workspace:settings:classification")).content.decode()
    assert "more than 2 tickets" in page and "1 ticket" in page and "3 tickets" not in page
    tags = client.get(reverse("workspace:settings:tags")).content.decode()
    assert "more than 2 tickets" in tags and "1 ticket" in tags and "3 tickets" not in tags
    monkeypatch.setattr(common, "COUNT_CAP", 1000)
    page = client.get(reverse("workspace:settings:classification")).content.decode()
    assert "3 tickets" in page
