"""Writes of the portal: sign-up and verification, invitations, ticket submission with
deflection bookkeeping, satisfaction ratings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Role, User
from ticketdesk.core import clock, model_values
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets import workflow
from ticketdesk.tickets.actions.base import lock_ticket, publish, record
from ticketdesk.tickets.models import Channel, EventKind, LinkKind, StatusCategory, Ticket

from .models import (
    CsatScale,
    DeflectionEvent,
    DeflectionOutcome,
    Invitation,
    PortalSettings,
    SatisfactionRating,
    SignupMode,
)

MAX_COMMENT = 2000


def _split_name(name: str) -> tuple[str, str]:
    parts = " ".join((name or "").split()).split(" ", 1)
    return parts[0][:150], (parts[1] if len(parts) > 1 else "")[:150]


def check_signup_allowed(email: str, invitation: Invitation | None) -> None:
    portal = PortalSettings.current()
    domain = email.rsplit("@", 1)[-1].lower()
    if portal.signup_mode == SignupMode.DOMAINS and domain not in portal.domain_list():
        raise ValidationFailed(
            _("Sign-up is limited to addresses of our customers' domains."),
            fields={"email": [_("This email domain cannot sign up here.")]},
        )
    if portal.signup_mode == SignupMode.INVITATION and (
        invitation is None or invitation.email.lower() != email.lower()
    ):
        raise ValidationFailed(
            _("Sign-up is by invitation only."),
            fields={"email": [_("Ask us for an invitation.")]},
        )


class AccountExists(Exception):
    """Sign-up for an address that already has an account. The caller must answer exactly
    as for a new address (no one learns which addresses are registered) and mail the owner
    how to sign in instead."""

    def __init__(self, user: User) -> None:
        super().__init__(user.email)
        self.user = user


def sign_up(
    *,
    email: str,
    name: str,
    password: str,
    language: str = "",
    invitation: Invitation | None = None,
) -> User:
    """Create an inactive customer login (active once the address is verified). A contact
    that already wrote to us by e-mail is linked to the new login (same address)."""
    email = account_actions.normalise_email(email)
    check_signup_allowed(email, invitation)
    first_name, last_name = _split_name(name)
    try:
        validate_password(password, User(username=email, email=email, first_name=first_name))
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("Choose a stronger password."), fields={"password": list(exc.messages)}
        ) from None
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None:
        if existing.is_active or existing.last_login is not None:
            raise AccountExists(existing)
        # an unverified sign-up tried again: the latest password wins, the link is re-sent
        existing.set_password(password)
        existing.first_name, existing.last_name = first_name, last_name
        existing.save(update_fields=["password", "first_name", "last_name"])
        return existing
    contact = Contact.objects.filter(email__iexact=email).first()
    if contact is not None and contact.user is not None:
        raise AccountExists(contact.user)
    with transaction.atomic():
        user = account_actions.create_user(
            username=email[:150],
            email=email,
            password=password,
            role=Role.CUSTOMER,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def verify_email(user: User) -> User:
    """The address is proven: activate the login and accept any invitation for it."""
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).update(
        accepted_at=clock.now()
    )
    return user


def invite(email: str, *, actor: User) -> Invitation:
    if not policy.is_agent(actor):
        raise PermissionDenied(_("Only agents can invite customers."))
    email = account_actions.normalise_email(email)
    return Invitation.objects.create(email=email, invited_by=actor, created_at=clock.now())


def submit_ticket(
    *,
    requester: Contact,
    actor: User | None,
    subject: str,
    body: str,
    ticket_type: Any = None,
    category: Any = None,
    urgency: int = 2,
    impact: int = 2,
    custom_field_values: dict[str, Any] | None = None,
    attachments: Sequence[ticket_actions.AttachmentInput] = (),
    deflection_ids: Sequence[int] = (),
) -> Ticket:
    """Open a ticket from the portal (or the embedded form) and mark the knowledge base
    suggestions opened in this session as not having deflected it."""
    ticket = ticket_actions.open_ticket(
        requester=requester,
        subject=subject,
        body=body,
        channel=Channel.PORTAL,
        actor=actor,
        ticket_type=ticket_type,
        category=category,
        urgency=urgency,
        impact=impact,
        custom_field_values=custom_field_values,
        attachments=attachments,
        body_required=True,
        entrance_team=PortalSettings.current().default_team,
    )
    if deflection_ids:
        DeflectionEvent.objects.filter(
            pk__in=list(deflection_ids), outcome=DeflectionOutcome.OPENED
        ).update(outcome=DeflectionOutcome.SUBMITTED, ticket=ticket)
    return ticket


def replies_open_follow_up(ticket: Ticket) -> bool:
    """A closed ticket the workflow cannot reopen: a reply to it opens a follow-up."""
    return ticket.status_category == StatusCategory.CLOSED and (
        workflow.reopen_target(
            ticket.status,
            assigned=ticket.assignee_id is not None,
            ticket_type_id=ticket.ticket_type_id,
        )
        is None
    )


def open_follow_up(
    closed: Ticket,
    *,
    actor: User,
    body: str,
    attachments: Sequence[ticket_actions.AttachmentInput] = (),
) -> Ticket:
    """The requester writes on a closed ticket that cannot be reopened: a new ticket with
    their text, in the earlier ticket's team (as a follow-up by mail does) and linked to it
    as its follow-up. One transaction."""
    contact = policy.contact_for(actor)
    if contact is None or closed.requester_id != contact.pk:
        raise PermissionDenied(_("Only the requester can follow up on this request."))
    with transaction.atomic():
        ticket = ticket_actions.open_ticket(
            requester=contact,
            subject=closed.subject,
            body=body,
            channel=Channel.PORTAL,
            actor=actor,
            ticket_type=closed.ticket_type,
            category=closed.category,
            team=closed.team,
            attachments=attachments,
            body_required=True,
        )
        ticket_actions.link(ticket, closed, LinkKind.FOLLOW_UP, actor=None)
    return ticket


def confirm_solution(
    ticket: Ticket,
    *,
    contact: Contact,
    solved: bool,
    actor: User | None = None,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> Ticket:
    """The requester's answer to "is it solved?" on a resolved ticket: yes closes it, no
    reopens it (to the working status when someone is assigned; the assignee is notified)
    and `comment`, if any, becomes the customer's reply in the conversation. One
    transaction. `actor` is the customer's login; without one (the e-mailed link) the
    system acts for `contact`."""
    if ticket.requester_id != contact.pk:
        raise PermissionDenied(_("Only the requester can confirm the solution."))
    if ticket.status_category != StatusCategory.RESOLVED:
        raise ValidationFailed(_("This request is not waiting for your confirmation."))
    if solved:
        target = workflow.status_for_category(StatusCategory.CLOSED)
        data = {"customer_confirmed": True}
    else:
        reopen = workflow.reopen_target(
            ticket.status,
            assigned=ticket.assignee_id is not None,
            ticket_type_id=ticket.ticket_type_id,
        )
        if reopen is None:
            raise ValidationFailed(_("This request cannot be reopened; please write to us."))
        target, data = reopen, {"not_solved": True}
    comment = (comment or "").strip()
    with transaction.atomic():
        ticket = ticket_actions.change_status(
            ticket,
            target,
            actor=actor,
            status_data=data,
            actor_contact=contact if actor is None else None,
        )
        if comment and not solved:
            ticket_actions.reply(
                ticket, actor=actor, author_contact=contact, body=comment, channel=channel
            )
    return ticket


def record_deflection(
    article: Any, *, query: str, session_key: str, contact: Contact | None
) -> DeflectionEvent:
    return DeflectionEvent.objects.create(
        article=article,
        query=(query or "")[:250],
        session_key=(session_key or "")[:64],
        contact=contact,
        created_at=clock.now(),
    )


def valid_scores(scale: str) -> tuple[int, ...]:
    return (1, 5) if scale == CsatScale.BINARY else (1, 2, 3, 4, 5)


def record_csat(
    ticket: Ticket,
    *,
    score: int,
    comment: str = "",
    contact: Contact,
    actor: User | None = None,
) -> SatisfactionRating:
    """Store the requester's rating (a later one replaces it) and record a `csat` event, in
    one transaction with the ticket locked. Only the requester of a resolved or closed
    ticket may rate it."""
    portal = PortalSettings.current()
    scale = portal.csat_scale
    if score not in valid_scores(scale):
        raise ValidationFailed(
            _("Choose a rating."), fields={"score": [_("Choose one of the offered ratings.")]}
        )
    with transaction.atomic():
        locked = lock_ticket(ticket)
        if locked.requester_id != contact.pk:
            raise PermissionDenied(_("Only the requester can rate this ticket."))
        if locked.status_category not in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
            raise ValidationFailed(_("You can rate a ticket once it is solved."))
        now = clock.now()
        rating, created = SatisfactionRating.objects.update_or_create(
            ticket=locked,
            defaults={
                "contact": contact,
                "scale": scale,
                "score": score,
                "comment": (comment or "").strip()[:MAX_COMMENT],
                "updated_at": now,
            },
            create_defaults={
                "contact": contact,
                "scale": scale,
                "score": score,
                "comment": (comment or "").strip()[:MAX_COMMENT],
                "created_at": now,
                "updated_at": now,
            },
        )
        record(
            locked,
            EventKind.CSAT,
            actor,
            actor_contact=contact,
            field="csat",
            new=score,
            data={"score": score, "scale": scale, "comment": rating.comment, "first": created},
        )
        publish(
            "csat.received", locked, actor, score=score, scale=scale, comment=rating.comment,
            first=created,
        )  # fmt: skip
    return rating


def save_portal_settings(*, actor: Any, values: dict[str, Any]) -> PortalSettings:
    """Change the portal's settings (sign-up, guests, embedding, CSAT, default team); the
    configuration change log records the before/after."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        portal = PortalSettings.current()
        model_values.assign(portal, values)
        return model_values.save_valid(portal)
