from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.kb.helpers import make_article
from tests.portal.conftest import login
from ticketdesk.portal.models import DeflectionEvent, DeflectionOutcome, PortalSettings
from ticketdesk.tickets.models import Channel, Level, Ticket

pytestmark = pytest.mark.django_db


def _post(client, type_key="incident", **data):
    payload = {
        "subject": "Laptop does not boot",
        "description": "Black screen since **this morning**.",
        "impact": str(Level.LOW),
        "urgency": str(Level.HIGH),
    }
    payload.update(data)
    return client.post(reverse("portal:new_ticket", args=[type_key]), payload)


def test_type_choice_lists_active_types(client, customer):
    login(client, customer[0])
    response = client.get(reverse("portal:choose_type"))
    assert response.status_code == 200
    assert reverse("portal:new_ticket", args=["incident"]) in response.content.decode()


def test_required_custom_field_error_is_shown_next_to_the_field(client, customer, asset_field):
    login(client, customer[0])
    response = _post(client)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_cf_asset_tag_error"' in html
    assert "This field is required." in html
    assert not Ticket.objects.exists()
    response = _post(client, cf_asset_tag="bad")
    assert "Enter a value in the expected format." in response.content.decode()


def test_customer_submits_a_ticket_with_custom_field_and_attachment(client, customer, asset_field):
    user, contact = customer
    login(client, user)
    upload = SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png")
    response = _post(client, cf_asset_tag="LT-1234", attachments=[upload])
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket", args=[ticket.number]) + "?created=1"
    assert ticket.requester == contact
    assert ticket.channel == Channel.PORTAL
    assert ticket.custom_fields == {"asset_tag": "LT-1234"}
    assert (ticket.impact, ticket.urgency) == (Level.LOW, Level.HIGH)
    assert ticket.ticket_type.key == "incident"
    message = ticket.messages.get()
    assert "<strong>this morning</strong>" in message.body_html
    assert message.attachments.get().original_name == "screen.png"


def test_missing_subject_is_reported_on_the_subject_field(client, customer):
    login(client, customer[0])
    response = _post(client, subject="")
    assert response.status_code == 400
    assert 'id="id_subject_error"' in response.content.decode()


def test_guest_submission_creates_contact_and_ticket(client):
    response = _post(client, name="Gina Guest", email="gina@guest.example")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.requester.email == "gina@guest.example"
    assert ticket.display_number in response.content.decode()


def test_guest_needs_name_and_email(client):
    response = _post(client)
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_guest_submission_can_be_disabled(client):
    PortalSettings.objects.update_or_create(pk=1, defaults={"allow_guest_tickets": False})
    response = _post(client, name="Gina", email="gina@guest.example")
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]
    assert not Ticket.objects.exists()


def test_honeypot_silently_drops_spam(client):
    response = _post(client, name="Bot", email="bot@spam.example", website="http://spam")
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_guest_rate_limit(client):
    for n in range(5):
        assert _post(client, name="G", email=f"g{n}@guest.example").status_code == 200
    response = _post(client, name="G", email="g9@guest.example")
    assert response.status_code == 429
    assert Ticket.objects.count() == 5


def test_suggestions_while_typing_and_deflection_bookkeeping(client, customer):
    article = make_article("Printer paper jam", "Pull the paper out of the tray.")
    login(client, customer[0])
    fragment = client.get(reverse("portal:suggest"), {"subject": "printer jam"})
    html = fragment.content.decode()
    assert "<mark>Printer</mark> paper <mark>jam</mark>" in html
    opened = client.get(reverse("portal:deflect", args=[article.pk]), {"q": "printer jam"})
    assert opened.status_code == 302
    assert opened["Location"].startswith(reverse("kb:article", args=[article.slug]))
    event = DeflectionEvent.objects.get()
    assert event.outcome == DeflectionOutcome.OPENED  # deflected, so far
    _post(client, subject="Printer still jammed")
    event.refresh_from_db()
    assert event.outcome == DeflectionOutcome.SUBMITTED
    assert event.ticket == Ticket.objects.get()


def test_suggestions_never_offer_internal_articles_to_customers(client, customer):
    make_article("Printer admin password reset", "secret steps", visibility="internal")
    login(client, customer[0])
    html = client.get(reverse("portal:suggest"), {"subject": "printer password"}).content.decode()
    assert "secret" not in html and "Printer admin" not in html


def test_one_submit_names_every_missing_field_and_requires_a_description(
    client, customer, asset_field
):
    """The form flagged one missing field per submit (the subject first, then the next),
    and a request without a description went through."""
    login(client, customer[0])
    response = _post(client, subject="", description="")
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("subject", "description", "cf_asset_tag"):
        assert f'id="id_{field}_error"' in html, field
    assert not Ticket.objects.exists()
    response = _post(client, description="   ", cf_asset_tag="LT-1234")
    assert response.status_code == 400
    assert 'id="id_description_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_action_names_every_invalid_field_at_once(customer, asset_field):
    from ticketdesk.core.errors import ValidationFailed
    from ticketdesk.portal import actions as portal_actions
    from ticketdesk.tickets.models import TicketType

    user, contact = customer
    with pytest.raises(ValidationFailed) as raised:
        portal_actions.submit_ticket(
            requester=contact,
            actor=user,
            subject=" ",
            body="",
            ticket_type=TicketType.objects.get(key="incident"),
            urgency=9,
        )
    assert set(raised.value.fields) == {"subject", "body", "urgency", "custom_fields.asset_tag"}


def test_portal_pages_name_types_and_categories_in_the_visitors_language(client, customer):
    from ticketdesk.tickets.models import Category

    Category.objects.create(name="Printers", translations={"it": {"name": "Stampanti"}})
    login(client, customer[0])
    headers = {"Accept-Language": "it"}
    choose = client.get(reverse("portal:choose_type"), headers=headers).content.decode()
    assert "<strong>Richiesta di servizio</strong>" in choose
    form = client.get(reverse("portal:new_ticket", args=["incident"]), headers=headers)
    html = form.content.decode()
    assert "Incidente" in html and ">Stampanti</option>" in html


def test_field_errors_are_tied_to_their_inputs(client, customer, asset_field):
    import re

    login(client, customer[0])
    page = _post(client, subject="", description="", asset_tag="bad").content.decode()
    tags = re.findall(r"<(?:input|textarea|select)[^>]*>", page)
    described = {}
    for tag in tags:
        name = re.search(r'name="([^"]+)"', tag)
        refs = re.search(r'aria-describedby="([^"]+)"', tag)
        if name and refs:
            described[name.group(1)] = refs.group(1).split()
    assert {"subject", "description"} <= set(described)
    asset = next(ids for name, ids in described.items() if "asset_tag" in name)
    assert any(i.endswith("_error") for i in asset) and len(asset) == 2  # help and error
    for ids in described.values():
        for ref in ids:  # every id named exists, once
            assert page.count(f'id="{ref}"') == 1, ref
