"""In-app (bell) and email notifications for agents, driven by outbox events.

Who hears about what (never the person who made the change):
- ticket.created: the team's agents (`team_new_ticket`), the assignee (`ticket_assigned`);
- ticket.updated with a new assignee: the assignee (`ticket_assigned`);
- message.created from a customer: assignee and watchers (`customer_reply`);
- internal note: assignee and watchers (`note_added`);
- sla.warning / sla.breached: the assignee (the team's agents when unassigned) and watchers.

Preferences (`User.notification_preferences`, edited on the workspace profile):
`{verb: {"email": bool, "in_app": bool}}` (default on) and `"digest": "off" | "hourly" |
"daily"` (email a summary instead of one email per event; see digests.py).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts.models import STAFF_ROLES, User
from ticketdesk.core import clock

from . import outbox
from .models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

VERBS = {
    "ticket_assigned": gettext_lazy("assigned %(ticket)s to you"),
    "team_new_ticket": gettext_lazy("opened %(ticket)s in your team"),
    "customer_reply": gettext_lazy("replied on %(ticket)s"),
    "note_added": gettext_lazy("added a note on %(ticket)s"),
    "sla_warning": gettext_lazy("SLA at risk on %(ticket)s"),
    "sla_breached": gettext_lazy("SLA breached on %(ticket)s"),
    "automation_notify": gettext_lazy("An automation rule asks you to look at %(ticket)s"),
}
DIGEST_CHOICES = ("off", "hourly", "daily")


def wants(user: User, verb: str, channel: str) -> bool:
    prefs = user.notification_preferences or {}
    value = prefs.get(verb)
    if isinstance(value, dict):
        return bool(value.get(channel, True))
    return True


def digest_frequency(user: User) -> str:
    value = (user.notification_preferences or {}).get("digest", "off")
    return value if value in DIGEST_CHOICES else "off"


def describe(notification: Notification) -> str:
    ticket = notification.ticket
    label = f"{ticket.display_number} “{ticket.subject}”" if ticket else "?"
    template = VERBS.get(notification.verb)
    text = str(template) % {"ticket": label} if template else f"{notification.verb} {label}"
    if notification.verb.startswith(("sla_", "automation_")):
        return text
    actor = notification.actor.display_name if notification.actor else _("Someone")
    return f"{actor} {text}"


def _staff(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.filter(is_active=True, role__in=STAFF_ROLES)


def _recipients(message: OutboxMessage, ticket: Any) -> dict[int, str]:
    """user id → verb for this event."""
    payload = message.payload or {}
    topic = message.topic
    out: dict[int, str] = {}
    watchers = list(_staff(ticket.watchers.all()).values_list("pk", flat=True))
    team_members: list[int] = []
    if ticket.team_id:
        team_members = list(
            _staff(User.objects.filter(team_memberships__team_id=ticket.team_id)).values_list(
                "pk", flat=True
            )
        )
    if topic == "ticket.created":
        for pk in team_members:
            out[pk] = "team_new_ticket"
        if ticket.assignee_id:
            out[ticket.assignee_id] = "ticket_assigned"
    elif topic == "ticket.updated":
        if "assignee" in (payload.get("changes") or []):
            assignee_id = _assignee_at(ticket, payload.get("version"))
            if assignee_id:
                out[assignee_id] = "ticket_assigned"
    elif topic == "message.created":
        if payload.get("kind") == "internal":
            verb = "note_added"
        elif payload.get("from_customer"):
            verb = "customer_reply"
        else:
            return {}
        for pk in [*watchers, *([ticket.assignee_id] if ticket.assignee_id else [])]:
            out[pk] = verb
    elif topic in ("sla.warning", "sla.breached"):
        verb = topic.replace(".", "_")
        owners = [ticket.assignee_id] if ticket.assignee_id else team_members
        for pk in [*watchers, *owners]:
            out[pk] = verb
    elif topic == "automation.notify":
        wanted = [pk for pk in payload.get("recipients") or [] if isinstance(pk, int)]
        for pk in _staff(User.objects.filter(pk__in=wanted)).values_list("pk", flat=True):
            out[pk] = "automation_notify"
        return out  # a rule's notice reaches its recipients even when they caused the change
    actor_id = payload.get("actor_id")
    out.pop(actor_id, None)  # type: ignore[arg-type]
    return out


def _assignee_at(ticket: Any, version: Any) -> int | None:
    """Who the change of this version assigned the ticket to (it may have moved on since)."""
    from ticketdesk.tickets.models import EventKind, TicketEvent

    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, data__version=version)
        .order_by("-id")
        .first()
    )
    if event is None:
        return ticket.assignee_id  # type: ignore[no-any-return]
    new = event.new_value
    return new.get("id") if isinstance(new, dict) else None


@outbox.subscribe("*")
def notify(message: OutboxMessage) -> None:
    """Outbox handler: create the bell notifications (once per message and recipient) and
    send the immediate emails."""
    if message.topic not in (
        "ticket.created",
        "ticket.updated",
        "message.created",
        "sla.warning",
        "sla.breached",
        "automation.notify",
    ):
        return
    from ticketdesk.tickets.models import Ticket

    ticket_id = message.ticket_id or (message.payload or {}).get("ticket_id")
    if not isinstance(ticket_id, int):
        return
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return
    recipients = _recipients(message, ticket)
    if not recipients:
        return
    actor_id = (message.payload or {}).get("actor_id")
    users = {u.pk: u for u in User.objects.filter(pk__in=list(recipients))}
    for user_id, verb in recipients.items():
        user = users.get(user_id)
        if user is None:
            continue
        in_app, email = wants(user, verb, "in_app"), wants(user, verb, "email")
        if not in_app and not email:
            continue
        notification = _create_once(message, user, verb, ticket, actor_id, in_app=in_app)
        if notification is None or notification.emailed_at is not None:
            continue
        if not email or not user.email:
            notification.emailed_at = notification.created_at  # nothing to mail
            notification.save(update_fields=["emailed_at"])
        elif digest_frequency(user) == "off":
            transaction.on_commit(partial(_enqueue_email, notification.pk))


def _create_once(
    message: OutboxMessage, user: User, verb: str, ticket: Any, actor_id: Any, *, in_app: bool
) -> Notification | None:
    existing = Notification.objects.filter(recipient=user, outbox_message_id=message.pk).first()
    if existing is not None:
        return existing
    now = clock.now()
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=user,
                verb=verb,
                ticket=ticket,
                actor_id=actor_id,
                outbox_message_id=message.pk,
                created_at=now,
                # e-mail only: the bell never shows it
                read_at=None if in_app else now,
            )
    except IntegrityError:
        return Notification.objects.filter(recipient=user, outbox_message_id=message.pk).first()


def _enqueue_email(notification_id: int) -> None:
    from .tasks import send_notification_email_task

    try:
        send_notification_email_task.enqueue(notification_id)
    except Exception:  # the email is lost, the bell still shows it
        logger.exception("could not enqueue notification email %s", notification_id)


def send_notification_email(notification: Notification) -> None:
    user = notification.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = describe(notification)
        ticket = notification.ticket
        url = f"{settings.SITE_URL}/t/{ticket.number}/" if ticket else settings.SITE_URL
        body = render_to_string(
            "notifications/email/notification.txt", {"text": text, "url": url, "user": user}
        )
        subject = f"[{settings.TICKETDESK['BRAND_NAME']}] {text}"[:200]
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    notification.emailed_at = clock.now()
    notification.save(update_fields=["emailed_at"])


# --- reads and marks for the bell ------------------------------------------------------------


def unread_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)


def recent_for(user: Any, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient_id=user.pk)
        .select_related("ticket", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


def mark_read(user: Any, notification_id: int | None = None) -> int:
    qs = unread_for(user)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=clock.now())
