from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, make_ticket
from ticketdesk.accounts.models import Contact, User
from ticketdesk.portal import tokens
from ticketdesk.portal.models import Invitation, PortalSettings, SignupMode

pytestmark = pytest.mark.django_db
STRONG = "a long pass phrase 42"


def _link(mail) -> str:
    match = re.search(r"http://\S+", mail.body)
    assert match, mail.body
    return match.group(0).replace("http://127.0.0.1:8000", "")


def _signup(client, email="nina@example.org", **extra):
    data = {"name": "Nina Novak", "email": email, "password": STRONG, **extra}
    return client.post(reverse("portal:signup"), data)


def test_open_signup_verifies_email_then_logs_in(client, mailoutbox):
    response = _signup(client)
    assert response.status_code == 200
    user = User.objects.get(email="nina@example.org")
    assert not user.is_active and user.role == "customer"
    assert user.contact.email == "nina@example.org"
    assert len(mailoutbox) == 1
    link = _link(mailoutbox[0])
    assert client.get(link).status_code == 200  # a confirm button: scanners cannot activate
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert client.get(reverse("portal:tickets")).status_code == 200


def test_contact_created_by_email_claims_a_login_and_sees_old_tickets(client, mailoutbox):
    contact = ContactFactory(email="old@example.org", name="Olga")
    ticket = make_ticket(requester=contact, subject="Mailed in last year")
    _signup(client, email="OLD@example.org")
    user = User.objects.get(email__iexact="old@example.org")
    contact.refresh_from_db()
    assert contact.user == user
    client.post(_link(mailoutbox[0]))
    html = client.get(reverse("portal:tickets")).content.decode()
    assert "Mailed in last year" in html
    assert Contact.objects.filter(email__iexact="old@example.org").count() == 1
    assert ticket.display_number in html


def test_signup_limited_to_domains(client):
    PortalSettings.objects.update_or_create(
        pk=1, defaults={"signup_mode": SignupMode.DOMAINS, "allowed_domains": "acme.com, @acme.it"}
    )
    response = _signup(client, email="x@other.com")
    assert response.status_code == 400
    assert "This email domain cannot sign up here." in response.content.decode()
    assert _signup(client, email="x@acme.it").status_code == 200
    assert User.objects.filter(email="x@acme.it").exists()


def test_invitation_only_signup(client, agent, mailoutbox):
    PortalSettings.objects.update_or_create(pk=1, defaults={"signup_mode": SignupMode.INVITATION})
    assert client.get(reverse("portal:signup")).status_code == 403
    invitation = Invitation.objects.create(email="inv@example.org", created_at="2026-01-01T00:00Z")
    token = tokens.invite_token(invitation.pk, invitation.email)
    url = reverse("portal:signup") + f"?invite={token}"
    assert client.get(url).status_code == 200
    # the invitation is for one address only
    response = client.post(url, {"name": "X", "email": "other@example.org", "password": STRONG})
    assert response.status_code == 400
    response = client.post(url, {"name": "X", "email": "inv@example.org", "password": STRONG})
    assert response.status_code == 200
    client.post(_link(mailoutbox[0]))
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_weak_password_is_refused(client):
    response = _signup(client, email="new@example.org", password="123")
    assert response.status_code == 400
    assert 'id="id_password_error"' in response.content.decode()


def _without_csrf(html: bytes) -> str:
    """The page without what differs on every request (CSRF token, CSP nonce)."""
    return re.sub(r'[A-Za-z0-9]{40,}|nonce="[^"]*"', "", html.decode())


def test_signup_does_not_reveal_registered_addresses(client, customer, mailoutbox):
    """Issue 19: the same answer for a registered and a new address; the owner of the
    registered one gets a mail on how to sign in, and nothing about the account changes."""
    user = customer[0]
    password_before = user.password
    new = _signup(client, email="fresh@example.org")
    existing = _signup(client, email=user.email.upper())
    assert existing.status_code == new.status_code == 200
    assert _without_csrf(existing.content) == _without_csrf(new.content).replace(
        "fresh@example.org", user.email.upper()
    )
    assert [m.to for m in mailoutbox] == [["fresh@example.org"], [user.email]]
    mail = mailoutbox[1]
    assert "already have an account" in mail.subject
    assert "/portal/login/link/" in mail.body or "/login" in mail.body
    assert "/accounts/password-reset/" in mail.body
    user.refresh_from_db()
    assert user.password == password_before
    # the login link in the mail works
    response = client.post(_link(mail))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_verification_link_cannot_be_forged(client):
    _signup(client)
    response = client.post(reverse("portal:verify", args=["forged:token"]))
    assert response.status_code == 400
    assert not User.objects.get(email="nina@example.org").is_active


def test_password_login(client, customer):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("portal:login"), {"username": customer[0].username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    bad = client.post(reverse("portal:login"), {"username": "maria", "password": "nope"})
    assert bad.status_code in (302, 400)


def test_login_link_is_one_time(client, customer, mailoutbox):
    user, _contact = customer
    response = client.post(reverse("portal:login_link_request"), {"email": user.email})
    assert response.status_code == 200
    link = _link(mailoutbox[0])
    assert client.post(link).status_code == 302
    assert client.get(reverse("portal:tickets")).status_code == 200
    client.logout()
    assert client.post(link).status_code == 400  # spent: last_login changed


def test_login_link_for_unknown_address_sends_nothing_and_says_the_same(client, mailoutbox):
    response = client.post(reverse("portal:login_link_request"), {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "If an account exists" in response.content.decode()
    assert mailoutbox == []


def test_language_switcher_saves_preference(client, customer):
    user, _contact = customer
    from tests.portal.conftest import login

    login(client, user)
    client.post(reverse("portal:set_language"), {"language": "it", "next": "/portal/"})
    user.refresh_from_db()
    assert user.language == "it"
    assert "Invia una richiesta" in client.get(reverse("portal:home")).content.decode()


def test_admin_invitation_emails_a_signup_link(client, admin_user, mailoutbox):
    client.force_login(admin_user)
    response = client.post("/admin/portal/invitation/add/", {"email": "guest@example.org"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.invited_by == admin_user
    mail = next(m for m in mailoutbox if m.to == ["guest@example.org"])
    assert "/portal/signup/?invite=" in mail.body
    # the singleton settings page
    assert client.get("/admin/portal/portalsettings/").status_code == 302
