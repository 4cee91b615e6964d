"""Custom fields of type "file": the allowed types and size are checked on the bytes (one
check: tickets.custom_fields), the file is stored as an attachment of the ticket under the
attachment rules, the field keeps its id, and the policy guards it like any attachment."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.factories import make_customer, make_ticket
from ticketdesk.accounts import policy
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions, custom_fields, queries
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.actions.configuration import FieldSpec, save_custom_field
from ticketdesk.tickets.custom_fields import GivenFile, file_type_allowed, file_type_rules
from ticketdesk.tickets.models import Attachment, Channel, CustomFieldDefinition, FieldType

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _no_seeded_fields(db):
    CustomFieldDefinition.objects.all().delete()


@pytest.fixture
def receipt(db):
    return CustomFieldDefinition.objects.create(
        key="receipt",
        label="Receipt",
        field_type=FieldType.FILE,
        allowed_file_types=".pdf, image/*",
        max_file_bytes=1000,
    )


def _open(customer, **values):
    user, contact = customer
    return actions.open_ticket(
        requester=contact,
        subject="Refund",
        body="Please refund.",
        channel=Channel.PORTAL,
        actor=user,
        custom_field_values=values,
    )


def _stored_files() -> list[str]:
    found = []
    for root, _dirs, names in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, n) for n in names]
    return found


def test_the_rules_match_extensions_and_sniffed_content_types():
    rules = file_type_rules("PDF; .Png image/*  application/zip")
    assert rules == [".pdf", ".png", "image/*", "application/zip"]
    assert file_type_allowed([".pdf"], "bill.pdf", "application/pdf")
    assert file_type_allowed(["image/*"], "photo.heic", "image/heic")
    assert file_type_allowed(["application/zip"], "logs.zip", "application/zip")
    assert not file_type_allowed([".pdf"], "bill.txt", "text/plain")
    # a listed extension does not vouch for a program or a page renamed to it
    assert not file_type_allowed([".pdf"], "bill.pdf", "application/x-msdownload")
    assert not file_type_allowed([".pdf"], "bill.pdf", "text/html")
    assert not file_type_allowed([".png"], "photo.png", "application/pdf")
    assert file_type_allowed([], "anything.bin", "application/octet-stream")
    assert custom_fields.bad_file_type_rules("pdf, image/*, ../etc, a b/c/d") == ["../etc", "b/c/d"]


def test_a_file_is_stored_as_an_attachment_and_the_field_keeps_its_id(customer, receipt):
    ticket = _open(customer, receipt=AttachmentInput(name="../../bill.pdf", content=PDF))
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert ticket.custom_fields == {"receipt": attachment.pk}
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"receipt": attachment.pk}
    assert attachment.field_key == "receipt" and attachment.message_id is None
    assert attachment.original_name == "bill.pdf"  # sanitised like every attachment
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert not ticket.messages.get().attachments.exists()  # not in the conversation
    assert queries.field_files(customer[0], ticket) == {"receipt": attachment}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (AttachmentInput(name="notes.txt", content=b"hello"), "not accepted here"),
        (AttachmentInput(name="bill.pdf", content=EXE), "not accepted here"),
        (AttachmentInput(name="big.pdf", content=PDF + b"x" * 2000), "too large"),
    ],
)
def test_a_wrong_file_names_the_field_and_nothing_is_kept(customer, receipt, upload, message):
    with pytest.raises(ValidationFailed) as refused:
        _open(customer, receipt=upload)
    assert list(refused.value.fields) == ["custom_fields.receipt"]
    assert message in refused.value.fields["custom_fields.receipt"][0]
    assert not Attachment.objects.exists() and _stored_files() == []


def test_the_desk_limit_bounds_the_field_limit(customer, receipt, settings):
    settings.TICKETDESK = {**settings.TICKETDESK, "MAX_ATTACHMENT_BYTES": 100}
    assert custom_fields.file_size_limit(receipt) == 100
    with pytest.raises(ValidationFailed, match="custom fields"):
        _open(customer, receipt=AttachmentInput(name="bill.pdf", content=PDF + b"x" * 200))


def test_a_required_file_field_is_asked(customer, receipt):
    receipt.required = True
    receipt.save()
    with pytest.raises(ValidationFailed) as refused:
        _open(customer)
    assert refused.value.fields == {"custom_fields.receipt": ["This field is required."]}
    with pytest.raises(ValidationFailed) as not_a_file:
        _open(customer, receipt="bill.pdf")
    assert not_a_file.value.fields == {"custom_fields.receipt": ["Upload a file."]}


def test_an_agent_replaces_the_file_or_names_an_attachment_of_the_ticket(agent, customer, receipt):
    ticket = _open(customer, receipt=AttachmentInput(name="bill.pdf", content=PDF))
    first = ticket.custom_fields["receipt"]
    ticket = actions.set_fields(
        ticket, actor=agent, custom_fields={"receipt": AttachmentInput("scan.png", PNG)}
    )
    second = Attachment.objects.get(field_key="receipt", original_name="scan.png")
    assert ticket.custom_fields == {"receipt": second.pk}
    ticket = actions.set_fields(ticket, actor=agent, custom_fields={"receipt": first})
    assert ticket.custom_fields == {"receipt": first}
    other = make_ticket(team=agent.team_memberships.first().team)
    foreign = actions.store_attachment(other, None, AttachmentInput("x.pdf", PDF))
    with pytest.raises(ValidationFailed) as refused:
        actions.set_fields(ticket, actor=agent, custom_fields={"receipt": foreign.pk})
    assert refused.value.fields == {
        "custom_fields.receipt": ["This ticket has no attachment with this id."]
    }


def test_a_failed_change_removes_the_file_it_stored(agent, customer, receipt):
    ticket = _open(customer, receipt=AttachmentInput(name="bill.pdf", content=PDF))
    before = _stored_files()
    CustomFieldDefinition.objects.create(key="code", label="Code", field_type="text", pattern="X")
    with pytest.raises(ValidationFailed):
        actions.set_fields(
            ticket,
            actor=agent,
            custom_fields={"receipt": AttachmentInput("scan.png", PNG), "code": "wrong"},
        )
    assert _stored_files() == before
    assert Attachment.objects.count() == 1


def test_customers_see_the_file_only_when_the_portal_asks_the_field(customer, agent, receipt):
    ticket = _open(customer, receipt=AttachmentInput(name="bill.pdf", content=PDF))
    attachment = Attachment.objects.get()
    assert policy.can_see_attachment(customer[0], attachment)
    receipt.visible_to_customers = False
    receipt.save()
    assert not policy.can_see_attachment(customer[0], attachment)
    assert policy.can_see_attachment(agent, attachment)
    stranger, _contact = make_customer(username="other", email="other@example.org")
    assert not policy.can_see_attachment(stranger, attachment)
    assert queries.field_files(customer[0], ticket) == {}


def test_given_files_read_base64_and_refuse_garbage(receipt):
    from ticketdesk.tickets.actions.field_files import given_files

    given = given_files(
        {"receipt": {"name": "bill.pdf", "content_base64": "JVBERi0xLjQK"}}, ticket=None
    )
    assert given["receipt"] == GivenFile(
        name="bill.pdf",
        content_type="application/pdf",
        size=9,
        upload=given["receipt"].upload,
    )
    with pytest.raises(ValidationFailed) as refused:
        given_files({"receipt": {"name": "a.pdf", "content_base64": "%%%"}}, ticket=None)
    assert refused.value.fields == {"custom_fields.receipt": ["Send the file's content as base64."]}


def test_the_builder_action_refuses_settings_of_other_types_and_bounds_the_size(
    admin_user, settings
):
    desk = settings.TICKETDESK["MAX_ATTACHMENT_BYTES"]
    with pytest.raises(ValidationFailed) as refused:
        save_custom_field(
            actor=admin_user,
            spec=FieldSpec(
                key="ok",
                label="OK",
                field_type=FieldType.CHECKBOX,
                pattern="x+",
                choices=[{"value": "a", "label": "A"}],
                allowed_file_types=".pdf",
            ),
        )
    assert set(refused.value.fields) == {"pattern", "choices", "allowed_file_types"}
    assert refused.value.fields["pattern"] == ["Applies only to fields of type: Text."]
    with pytest.raises(ValidationFailed) as too_big:
        save_custom_field(
            actor=admin_user,
            spec=FieldSpec(
                key="scan",
                label="Scan",
                field_type=FieldType.FILE,
                allowed_file_types="pdf, ../x",
                max_file_bytes=desk + 1,
            ),
        )
    assert set(too_big.value.fields) == {"allowed_file_types", "max_file_bytes"}
    saved = save_custom_field(
        actor=admin_user,
        spec=FieldSpec(
            key="scan",
            label="Scan",
            field_type=FieldType.FILE,
            allowed_file_types="PDF image/*",
            max_file_bytes=desk,
        ),
    )
    assert saved.allowed_file_types == ".pdf, image/*" and saved.max_file_bytes == desk


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pt-br", "Este tipo de arquivo não é aceito aqui. Aceitos: .pdf, image/*."),
        ("it", "Questo tipo di file non è accettato qui. Accettati: .pdf, image/*."),
    ],
)
def test_the_file_errors_are_translated(receipt, language, expected):
    from django.utils import translation

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        custom_fields.validate(None, {"receipt": GivenFile("a.txt", "text/plain", 3)})
    assert refused.value.fields == {"custom_fields.receipt": [expected]}
    with translation.override(language):
        assert str(FieldType.FILE.label) == {"pt-br": "Arquivo", "it": "File"}[language]
