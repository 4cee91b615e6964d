"""The portal's own e-mails: verification, login link, invitation, rating request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.channels.email.reply_address import base_address_for
from ticketdesk.core import mail

from .models import PortalSettings


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send(to: str, subject: str, template: str, context: dict, language: str = "") -> None:
    portal = PortalSettings.current()
    with translation.override(language or translation.get_language() or "en"):
        body = render_to_string(template, {**context, "portal": portal})
        subject_line = f"[{portal.brand}] {subject}"
    send_mail(subject_line, body, settings.DEFAULT_FROM_EMAIL, [to])


def send_verification(user, link: str) -> None:  # type: ignore[no-untyped-def]
    with translation.override(user.language or translation.get_language() or "en"):
        subject = _("Confirm your email address")
    _send(
        user.email, subject, "portal/email/verify.txt", {"user": user, "link": link}, user.language
    )


def send_login_link(user, link: str) -> None:  # type: ignore[no-untyped-def]
    with translation.override(user.language or translation.get_language() or "en"):
        subject = _("Your login link")
    _send(
        user.email,
        subject,
        "portal/email/login_link.txt",
        {"user": user, "link": link},
        user.language,
    )


def send_account_exists(user, login_link: str, reset_link: str) -> None:  # type: ignore[no-untyped-def]
    """Someone signed up with the address of an existing account: tell its owner how to get in."""
    with translation.override(user.language or translation.get_language() or "en"):
        subject = _("You already have an account")
    _send(
        user.email,
        subject,
        "portal/email/account_exists.txt",
        {"user": user, "link": login_link, "reset_link": reset_link},
        user.language,
    )


def send_invitation(email: str, link: str, language: str = "") -> None:
    with translation.override(language or translation.get_language() or "en"):
        subject = _("You are invited to our help center")
    _send(email, subject, "portal/email/invitation.txt", {"link": link}, language)


def queue_rating_request(  # type: ignore[no-untyped-def]
    contact, ticket, link: str, *, dedupe_key: str, portal: PortalSettings | None = None
) -> None:
    """Queue the rating request (inside the consumer's transaction; sent after commit)."""
    portal = portal or PortalSettings.current()
    with translation.override(contact.language or "en"):
        subject = _("How did we do? %(number)s %(subject)s") % {
            # the "[#1042]" token: a reply to this mail threads back to the ticket
            "number": ticket.subject_token,
            "subject": ticket.subject,
        }
        body = render_to_string(
            "portal/email/rating_request.txt",
            {"contact": contact, "ticket": ticket, "link": link, "portal": portal},
        )
    queued = mail.build_mail(  # once per resolution: CsatRequest is unique per event
        dedupe_key=dedupe_key,
        to=[contact.email],
        subject=f"[{portal.brand}] {subject}",
        body=body,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Ticketdesk-Ticket": str(ticket.number),
        },
        reply_to=[base_address_for(ticket)],  # the mailbox the conversation lives in
        ticket_id=ticket.pk,
        purpose="csat",
    )
    if queued is not None:
        mail.queue_many([queued])
