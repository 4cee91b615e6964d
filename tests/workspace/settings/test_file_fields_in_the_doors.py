"""A custom field of type "file" through every door: the form builder sets its allowed types
and size (and hides, then ignores, what other types use), the agent's side panel and new
ticket form, the portal, the API (base64, or the id of an attachment of the ticket) and the
configuration file. Also: the side panel names what a status requires as soon as it is
picked."""

from __future__ import annotations

import base64
import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import PASSWORD, make_agent, make_customer, make_ticket
from ticketdesk.configuration.actions import import_configuration
from ticketdesk.configuration.document import export_data, export_text
from ticketdesk.tickets.models import (
    Attachment,
    Category,
    CustomFieldDefinition,
    FieldType,
    Ticket,
    TicketType,
    Transition,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _no_seeded_fields(db):
    CustomFieldDefinition.objects.all().delete()


@pytest.fixture
def admin(client, team):
    user = make_agent(team, role="admin", username="u-admin")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def kind(db):
    return TicketType.objects.filter(active=True).order_by("order", "id").first()


@pytest.fixture
def receipt(db):
    return CustomFieldDefinition.objects.create(
        key="receipt", label="Receipt", field_type=FieldType.FILE, allowed_file_types=".pdf"
    )


def _pdf(name="bill.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- the form builder ------------------------------------------------------------------------


def _field_post(**extra):
    return {
        "label": "Receipt",
        "key": "",
        "field_type": "file",
        "visible_to_customers": "on",
    } | extra


def test_builder_saves_a_file_field_with_its_types_and_size(admin):
    page = admin.get(reverse("workspace:settings:field_new")).content.decode()
    assert 'name="allowed_file_types"' in page and 'data-applies-to="file"' in page
    assert 'name="pattern"' in page and 'data-applies-to="text"' in page
    assert 'data-applies-to="choice multi_choice"' in page
    response = admin.post(
        reverse("workspace:settings:field_new"),
        _field_post(allowed_file_types="pdf, image/*", max_file_megabytes="2.5"),
    )
    assert response.status_code == 302
    field = CustomFieldDefinition.objects.get()
    assert field.field_type == "file" and field.allowed_file_types == ".pdf, image/*"
    assert field.max_file_bytes == int(2.5 * 1024 * 1024)
    edit = admin.get(reverse("workspace:settings:field_edit", args=[field.pk])).content.decode()
    assert 'value="2.50"' in edit and 'value=".pdf, image/*"' in edit
    assert "Files: .pdf, image/*; up to 2.5\xa0MB." in edit  # the preview says the rules


def test_asked_in_the_portal_is_offered_only_to_types_customers_can_fill_in(admin):
    """Found by the new-user walk: the box stayed shown (and ticked) for agent fields."""
    page = admin.get(reverse("workspace:settings:field_new")).content.decode()
    [box] = re.findall(r'<input[^>]*name="visible_to_customers"[^>]*>', page)
    assert 'data-applies-to="text number date' in box and "user" not in box
    response = admin.post(
        reverse("workspace:settings:field_new"),
        _field_post(label="Approver", field_type="user"),  # ticked, as without JavaScript
    )
    assert response.status_code == 302
    assert CustomFieldDefinition.objects.get(label="Approver").visible_to_customers is False


def test_builder_bounds_the_size_by_the_desk_limit_and_checks_the_types(admin, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 1024 * 1024}
    response = admin.post(
        reverse("workspace:settings:field_new"),
        _field_post(allowed_file_types="pdf, no/such/thing", max_file_megabytes="3"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["max_file_megabytes"] == ["At most the desk's attachment limit: 1.00 MB."]
    assert not CustomFieldDefinition.objects.exists()
    response = admin.post(
        reverse("workspace:settings:field_new"), _field_post(allowed_file_types="no/such/thing")
    )
    assert response.status_code == 400
    assert "no/such/thing" in response.context["form"].errors["allowed_file_types"][0]


def test_builder_ignores_what_the_type_does_not_use_and_says_so(admin):
    response = admin.post(
        reverse("workspace:settings:field_new"),
        _field_post(
            label="Agreed",
            field_type="checkbox",
            pattern="[A-Z]+",
            min_value="1",
            choices="a\nb",
            allowed_file_types=".pdf",
        ),
        follow=True,
    )
    assert response.status_code == 200
    field = CustomFieldDefinition.objects.get()
    assert (field.pattern, field.min_value, field.choices, field.allowed_file_types) == (
        "",
        None,
        [],
        "",
    )
    page = response.content.decode()
    assert "Not used by this type of field, so not kept:" in page
    assert "Pattern" in page and "Choices" in page and "Accepted files" in page


# --- the agent's side panel and new ticket form ----------------------------------------------


def test_agent_uploads_the_file_in_the_side_panel_and_sees_the_link(agent_client, team, receipt):
    ticket = make_ticket(team=team, subject="Refund")
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert 'enctype="multipart/form-data" hx-encoding="multipart/form-data"' in page
    assert 'type="file" name="cf_receipt" accept=".pdf"' in page
    data = {
        "expected_version": ticket.version,
        "status": ticket.status_id,
        "urgency": ticket.urgency,
        "impact": ticket.impact,
        "team": team.pk,
        "tags": "",
    }
    wrong = agent_client.post(
        f"/t/{ticket.number}/fields/", {**data, "cf_receipt": _pdf("notes.txt", b"hello")}
    )
    assert wrong.status_code == 400
    assert "This type of file is not accepted here" in wrong.content.decode()
    assert not Attachment.objects.exists()
    saved = agent_client.post(f"/t/{ticket.number}/fields/", {**data, "cf_receipt": _pdf()})
    assert saved.status_code == 302
    attachment = Attachment.objects.get()
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"receipt": attachment.pk}
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    assert f'href="/files/{attachment.pk}/">bill.pdf</a>' in page
    # saving again without a new file keeps the file
    data["expected_version"] = ticket.version
    data["tags"] = "refund"
    assert agent_client.post(f"/t/{ticket.number}/fields/", data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"receipt": attachment.pk}


def test_agent_opens_a_ticket_with_a_file(agent_client, team, kind, receipt):
    response = agent_client.post(
        "/tickets/new/",
        {
            "requester_email": "caller@example.org",
            "channel": "phone",
            "subject": "Refund",
            "body": "Wants a refund.",
            "team": team.pk,
            "ticket_type": kind.pk,
            "urgency": 2,
            "impact": 2,
            "cf_receipt": _pdf(),
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.custom_fields == {"receipt": Attachment.objects.get().pk}


# --- the portal ------------------------------------------------------------------------------


def test_portal_checks_the_file_and_shows_it_on_the_ticket(client, kind, receipt):
    user, _contact = make_customer(username="cust")
    client.login(username=user.username, password=PASSWORD)
    url = reverse("portal:new_ticket", args=[kind.key])
    page = client.get(url).content.decode()
    assert 'type="file" name="cf_receipt" accept=".pdf"' in page
    base = {"subject": "Refund", "description": "Please.", "urgency": "2", "impact": "1"}
    wrong = client.post(url, {**base, "cf_receipt": _pdf("notes.txt", b"hello")})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["cf_receipt"] == [
        "This type of file is not accepted here. Accepted: .pdf."
    ]
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    response = client.post(url, {**base, "cf_receipt": _pdf()})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get()
    assert ticket.custom_fields == {"receipt": attachment.pk}
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert f'href="/portal/attachments/{attachment.pk}/">bill.pdf</a>' in page
    download = client.get(reverse("portal:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


# --- the API -----------------------------------------------------------------------------------


def test_api_takes_base64_or_an_attachment_of_the_ticket(agent, team, receipt):
    api = client_for(agent)
    base = {"subject": "Refund", "requester_email": "x@example.org", "team_id": team.pk}
    text = base64.b64encode(b"hello").decode()
    wrong = api.post(
        "/api/v1/tickets",
        {**base, "custom_fields": {"receipt": {"name": "a.txt", "content_base64": text}}},
    )
    assert wrong.status_code == 400
    assert wrong.json()["fields"] == {
        "custom_fields.receipt": ["This type of file is not accepted here. Accepted: .pdf."]
    }
    garbage = api.post(
        "/api/v1/tickets",
        {**base, "custom_fields": {"receipt": {"name": "a.pdf", "content_base64": "%%"}}},
    )
    assert garbage.status_code == 400
    assert list(garbage.json()["fields"]) == ["custom_fields.receipt"]
    pdf = base64.b64encode(PDF).decode()
    created = api.post(
        "/api/v1/tickets",
        {**base, "custom_fields": {"receipt": {"name": "bill.pdf", "content_base64": pdf}}},
    )
    assert created.status_code == 201, created.json()
    first = Attachment.objects.get()
    assert created.json()["custom_fields"] == {"receipt": first.pk}
    number = created.json()["number"]
    # a file uploaded to the ticket earlier becomes the field's value by its id
    upload = api.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"files": [_pdf("second.pdf")], "kind": "internal"},
        headers=api._headers(None),
    )
    assert upload.status_code == 201
    second = Attachment.objects.get(original_name="second.pdf")
    patched = api.patch(f"/api/v1/tickets/{number}", {"custom_fields": {"receipt": second.pk}})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["custom_fields"] == {"receipt": second.pk}
    other = make_ticket(team=team)
    foreign = Attachment.objects.create(
        ticket=other,
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0",
        created_at=other.created_at,
    )
    refused = api.patch(f"/api/v1/tickets/{number}", {"custom_fields": {"receipt": foreign.pk}})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "custom_fields.receipt": ["This ticket has no attachment with this id."]
    }
    listed = {f["key"]: f for f in api.get("/api/v1/custom-fields").json()}
    assert listed["receipt"]["allowed_file_types"] == [".pdf"]
    assert listed["receipt"]["max_file_bytes"] > 0


# --- configuration as code ---------------------------------------------------------------------


def test_the_file_settings_travel_in_the_configuration_file():
    document = export_data()
    document["custom_fields"].append(
        {
            "key": "scan",
            "label": "Scan",
            "field_type": "file",
            "allowed_file_types": ".pdf, image/*",
            "max_file_bytes": 2048,
        }
    )
    import_configuration(yaml.safe_dump(document), actor=None)
    field = CustomFieldDefinition.objects.get(key="scan")
    assert (field.allowed_file_types, field.max_file_bytes) == (".pdf, image/*", 2048)
    exported = export_text()
    (row,) = [f for f in yaml.safe_load(exported)["custom_fields"] if f["key"] == "scan"]
    assert row["allowed_file_types"] == ".pdf, image/*" and row["max_file_bytes"] == 2048
    assert not import_configuration(exported, actor=None, dry_run=True).has_changes


# --- the status's required fields, named when it is picked --------------------------------------


def test_side_panel_carries_what_each_status_requires(agent_client, team):
    Category.objects.create(name="Hardware")
    CustomFieldDefinition.objects.create(key="serial", label="Serial", field_type="text")
    move = Transition.objects.get(from_status__key="new", to_status__key="pending")
    move.required_fields = ["category", "custom_fields.serial"]
    move.save()
    ticket = make_ticket(team=team, subject="Screen flickers")
    page = agent_client.get(f"/t/{ticket.number}/").content.decode()
    pending = move.to_status_id
    assert f'data-requirement-for="{pending}" data-requirement-fields="category cf_serial"' in page
    assert "To move the ticket to “Pending”, fill in: Category, Serial." in page
    # the server still refuses the move without them
    data = {
        "expected_version": ticket.version,
        "status": pending,
        "urgency": ticket.urgency,
        "impact": ticket.impact,
        "team": team.pk,
    }
    refused = agent_client.post(f"/t/{ticket.number}/fields/", data)
    assert refused.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status.key == "new"
