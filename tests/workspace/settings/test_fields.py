"""The form builder: fields added, edited, reordered, switched off; the preview; and the
rules enforced by the one validation function (tickets.custom_fields.validate)."""

import pytest
from django.urls import reverse

from ticketdesk.audit.models import AuditEntry
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import custom_fields
from ticketdesk.tickets.models import Category, CustomFieldDefinition, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seeded_fields(db):
    """The Bug type's fields come from a data migration (assets); these tests count and order
    fields of their own, from an empty form."""
    CustomFieldDefinition.objects.all().delete()


@pytest.fixture
def admin(as_role):
    return as_role("admin")


@pytest.fixture
def hardware(db):
    return Category.objects.create(name="Hardware")


def _post(client, url, **data):
    base = {
        "label": "Asset tag",
        "key": "",
        "field_type": "text",
        "visible_to_customers": "on",
    }
    base.update(data)
    return client.post(url, base)


def test_admin_adds_a_field_with_choices_as_a_list(admin):
    kind = TicketType.objects.order_by("pk").first()
    response = _post(
        admin,
        reverse("workspace:settings:field_new") + f"?type={kind.key}",
        label="Device",
        field_type="choice",
        choices="Laptop\ndesk | Desktop\n\n",
        ticket_types=[kind.pk],
        **{"choices__pt-br": "Notebook\nComputador de mesa", "label__it": "Dispositivo"},
    )
    assert response.status_code == 302
    field = CustomFieldDefinition.objects.get(key="device")
    assert field.choices == [
        {"value": "Laptop", "label": "Laptop"},
        {"value": "desk", "label": "Desktop"},
    ]
    assert field.translations == {
        "pt-br": {"choices": {"Laptop": "Notebook", "desk": "Computador de mesa"}},
        "it": {"label": "Dispositivo"},
    }
    assert list(field.ticket_types.all()) == [kind]
    assert AuditEntry.objects.filter(action="config.customfielddefinition.created").exists()
    # the edit page shows the choices as lines again
    page = admin.get(reverse("workspace:settings:field_edit", args=[field.pk])).content.decode()
    assert "Laptop\ndesk | Desktop" in page


def test_a_wrong_field_says_which(admin):
    response = _post(
        admin,
        reverse("workspace:settings:field_new"),
        pattern="[unclosed",
        min_length="5",
        max_length="2",
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "pattern" in form.errors
    assert "max_length" in form.errors
    assert not CustomFieldDefinition.objects.exists()


def test_choice_field_needs_choices(admin):
    response = _post(admin, reverse("workspace:settings:field_new"), field_type="choice")
    assert response.status_code == 400
    assert "choices" in response.context["form"].errors


def test_reorder_with_the_buttons_and_by_dragging(admin):
    a, b, c = (
        CustomFieldDefinition.objects.create(key=k, label=k.upper(), field_type="text", order=i)
        for i, k in enumerate(["a", "b", "c"])
    )
    response = admin.post(
        reverse("workspace:settings:field_move", args=[c.pk]),
        {"direction": "up"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "fields-changed"
    order = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert order == ["a", "c", "b"]
    admin.post(
        reverse("workspace:settings:fields_order"),
        {"ids": [b.pk, a.pk, c.pk]},
        HTTP_HX_REQUEST="true",
    )
    order = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert order == ["b", "a", "c"]


def test_reordering_one_form_keeps_other_forms_fields_in_place(admin):
    kinds = list(TicketType.objects.order_by("pk")[:2])
    a = CustomFieldDefinition.objects.create(key="a", label="A", field_type="text", order=1)
    other = CustomFieldDefinition.objects.create(key="x", label="X", field_type="text", order=2)
    other.ticket_types.set([kinds[1]])
    b = CustomFieldDefinition.objects.create(key="b", label="B", field_type="text", order=3)
    admin.post(
        reverse("workspace:settings:fields_order"),
        {"ids": [b.pk, a.pk], "type": kinds[0].key},
        HTTP_HX_REQUEST="true",
    )
    order = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert order == ["b", "x", "a"]


def test_switch_off(admin):
    field = CustomFieldDefinition.objects.create(key="a", label="A", field_type="text")
    admin.post(reverse("workspace:settings:field_active", args=[field.pk]), {"active": "0"})
    field.refresh_from_db()
    assert field.active is False


def test_live_preview_shows_the_field_being_typed(admin):
    response = admin.post(
        reverse("workspace:settings:field_preview"),
        {"label": "Serial number", "field_type": "text", "pattern": "[A-Z]{3}", "required": "on"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Serial number" in text
    assert "[A-Z]{3}" in text


def test_fields_page_has_an_empty_state_and_bounded_queries(admin, django_assert_max_num_queries):
    response = admin.get(reverse("workspace:settings:fields"))
    assert "no custom fields yet" in response.content.decode()
    for i in range(12):
        CustomFieldDefinition.objects.create(key=f"f{i}", label=f"F{i}", field_type="text")
    with django_assert_max_num_queries(20):
        response = admin.get(reverse("workspace:settings:fields"))
    assert response.status_code == 200


def test_length_and_condition_rules_in_the_one_validation(hardware):
    laptop = Category.objects.create(name="Laptop", parent=hardware)
    other = Category.objects.create(name="Software")
    CustomFieldDefinition.objects.create(
        key="asset",
        label="Asset",
        field_type="text",
        required=True,
        min_length=3,
        max_length=6,
        pattern="[A-Z0-9-]+",
        show_when_category=hardware,
    )
    # hidden for another category: neither required nor kept
    assert custom_fields.validate(None, {"asset": "x"}, category_id=other.pk) == {}
    assert custom_fields.validate(None, {}, category_id=None) == {}
    # shown for the category and its subcategories
    with pytest.raises(ValidationFailed) as missing:
        custom_fields.validate(None, {}, category_id=laptop.pk)
    assert "custom_fields.asset" in missing.value.fields
    with pytest.raises(ValidationFailed):
        custom_fields.validate(None, {"asset": "AB"}, category_id=hardware.pk)
    with pytest.raises(ValidationFailed):
        custom_fields.validate(None, {"asset": "ABCDEFG"}, category_id=hardware.pk)
    with pytest.raises(ValidationFailed):
        custom_fields.validate(None, {"asset": "ab-12"}, category_id=hardware.pk)
    assert custom_fields.validate(None, {"asset": "AB-12"}, category_id=hardware.pk) == {
        "asset": "AB-12"
    }


def test_the_portal_enforces_the_condition(client, hardware):
    from tests.factories import PASSWORD, make_customer

    CustomFieldDefinition.objects.create(
        key="asset", label="Asset", field_type="text", required=True, show_when_category=hardware
    )
    user, _contact = make_customer(username="cust2")
    client.login(username=user.username, password=PASSWORD)
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    data = {
        "subject": "Broken",
        "description": "It is broken.",
        "urgency": "2",
        "impact": "1",
        "category": hardware.pk,
    }
    response = client.post(reverse("portal:new_ticket", args=[kind.key]), data)
    assert response.status_code in (200, 400)
    assert "asset" in str(response.context["form"].errors)


def test_the_portal_does_not_ask_a_hidden_field(client, hardware):
    from tests.factories import PASSWORD, make_customer
    from ticketdesk.tickets.models import Ticket

    CustomFieldDefinition.objects.create(
        key="asset", label="Asset", field_type="text", required=True, show_when_category=hardware
    )
    software = Category.objects.create(name="Software")
    user, _contact = make_customer(username="cust3")
    client.login(username=user.username, password=PASSWORD)
    kind = TicketType.objects.filter(active=True).order_by("order", "id").first()
    url = reverse("portal:new_ticket", args=[kind.key])
    page = client.get(url).content.decode()
    assert f'data-show-when-category="{hardware.pk}"' in page
    data = {
        "subject": "Word crashes",
        "description": "Every time.",
        "urgency": "2",
        "impact": "1",
        "category": software.pk,
        "cf_asset": "leftover",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    ticket = Ticket.objects.get(subject="Word crashes")
    assert "asset" not in ticket.custom_fields
