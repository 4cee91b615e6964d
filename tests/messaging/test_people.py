"""The agents' page of messaging contacts and the merge into an email contact: who may see
them, a form that names the wrong field, one history after the merge, bounded queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ContactFactory, make_agent, make_ticket
from ticketdesk.channels.messaging.models import ChannelAccount, Identity, Provider
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def telegram(db):
    return ChannelAccount.objects.create(provider=Provider.TELEGRAM, name="Bot")


def make_identity(account, n: int) -> Identity:
    contact = ContactFactory(email=f"telegram.{n}@messaging.invalid")
    return Identity.objects.create(
        account=account, external_id=str(n), display_name=f"Person {n}", contact=contact
    )


def test_people_page_for_agents_only_with_bounded_queries(client, agent, telegram):
    for n in range(3):
        make_identity(telegram, n)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/channels/messaging/people/").status_code == 200
    for n in range(3, 30):
        make_identity(telegram, n)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/channels/messaging/people/")
    assert b"Person 29" in response.content
    assert len(many) == len(few)

    light = make_agent(None, role="light_agent", username="light")
    client.force_login(light)
    assert client.get("/channels/messaging/people/").status_code == 403
    client.logout()
    assert client.get("/channels/messaging/people/").status_code == 302  # to sign in


def test_merge_form_names_the_wrong_field_then_merges(client, agent, team, telegram):
    person = make_identity(telegram, 7)
    ticket = make_ticket(team=team, requester=person.contact)
    email_contact = ContactFactory(email="maria@example.org")
    client.force_login(agent)
    url = f"/channels/messaging/people/{person.pk}/merge/"
    assert client.get(url).status_code == 200
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert unknown.status_code == 400
    assert b"No contact has this email address." in unknown.content
    assert b'aria-invalid="true"' in unknown.content or b"has-error" in unknown.content
    itself = client.post(url, {"email": person.contact.email})
    assert itself.status_code == 400 and b"Choose another contact." in itself.content

    done = client.post(url, {"email": "MARIA@example.org"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.contact == email_contact
    assert Ticket.objects.get(pk=ticket.pk).requester == email_contact


def test_admin_pages_and_tokens_stored_encrypted(client, admin_user, telegram):
    from django.db import connection

    telegram.access_token = "123:secret-token"
    telegram.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token FROM messaging_channelaccount WHERE id = %s", [telegram.pk]
        )
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:") and "secret-token" not in stored
    client.force_login(admin_user)
    for model in ("channelaccount", "identity", "inboundmessage", "outboundmessage"):
        assert client.get(f"/admin/messaging/{model}/").status_code == 200
    page = client.get(f"/admin/messaging/channelaccount/{telegram.pk}/change/")
    assert page.status_code == 200
    assert b"secret-token" not in page.content
    assert telegram.webhook_key.encode() in page.content
