"""The notifications consumer: events become bell notifications (once per event and person)
and queued emails. A batch reads what it needs in a handful of queries: the tickets, their
watchers, the teams' members, the recipients and their recent counts.

Never for historical events (the demo, imports); never about an SLA moment long past.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import translation

from ticketdesk.accounts.models import STAFF_ROLES, Role, Team, TeamMembership, User
from ticketdesk.channels.email.ingest import HELD_TOPIC
from ticketdesk.channels.email.reply_address import reply_address_for
from ticketdesk.core import clock, mail, outbox
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets.models import Ticket

from .inapp import AUTO_DIGEST_AFTER, describe, digest_frequency, wants
from .models import Notification

TOPICS = (
    "ticket.created",
    "ticket.updated",
    "message.created",
    "sla.warning",
    "sla.breached",
    "automation.notify",
    "tracker.updated",
    mail.FAILED_TOPIC,
    HELD_TOPIC,
)
TICKET_FIELDS = (
    "id",
    "number",
    "subject",
    "team_id",
    "assignee_id",
    "merged_into_id",
    "requester_id",
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ints(values: Any) -> list[int]:
    return [v for v in (values or []) if _int(v) is not None]


class _Batch:
    """What the recipients of a batch of events are computed from (read once)."""

    def __init__(self, events: list[OutboxMessage]) -> None:
        ticket_ids = {
            i
            for e in events
            for i in (e.ticket_id, _int((e.payload or {}).get("ticket_id")))
            if i is not None
        }
        self.tickets = (
            Ticket.objects.select_related("requester")
            .only(*TICKET_FIELDS, "requester__name", "requester__email")
            .in_bulk(list(ticket_ids))
        )
        staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        self.watchers: dict[int, list[int]] = defaultdict(list)
        through = Ticket.watchers.through
        for ticket_id, user_id in through.objects.filter(
            ticket_id__in=list(self.tickets), user__in=staff
        ).values_list("ticket_id", "user_id"):
            self.watchers[ticket_id].append(user_id)
        team_ids = {t.team_id for t in self.tickets.values() if t.team_id}
        for event in events:
            payload = event.payload or {}
            team_ids.update(_int(payload.get(k)) or 0 for k in ("team_id", "consult_team_id"))
            escalation = payload.get("escalation") or {}
            if isinstance(escalation, dict):
                team_ids.add(_int(escalation.get("team_id")) or 0)
        team_ids.discard(0)
        self.members: dict[int, list[int]] = defaultdict(list)
        for team_id, user_id in TeamMembership.objects.filter(
            team_id__in=team_ids, user__in=staff
        ).values_list("team_id", "user_id"):
            self.members[team_id].append(user_id)
        self.team_names = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        self._admins: list[int] | None = None

    def admins(self) -> list[int]:
        if self._admins is None:
            self._admins = list(
                User.objects.filter(is_active=True, role=Role.ADMIN).values_list("pk", flat=True)
            )
        return self._admins


def recipients(event: OutboxMessage, batch: _Batch) -> dict[int, tuple[str, dict[str, Any]]]:
    """user id → (verb, data) for this event."""
    payload = event.payload or {}
    if event.topic == HELD_TOPIC:  # no ticket yet: the administrators decide
        held: dict[str, Any] = {
            "from": str(payload.get("from") or "")[:320],
            "reason": str(payload.get("reason") or "")[:300],
            "url": f"/mail/inbound/{payload.get('inbound_id')}/",
        }
        return {pk: ("mail_held", held) for pk in batch.admins()}
    ticket_id = event.ticket_id or _int(payload.get("ticket_id"))
    ticket = batch.tickets.get(ticket_id) if ticket_id else None
    if ticket is None:
        return {}
    topic = event.topic
    out: dict[int, tuple[str, dict[str, Any]]] = {}
    watchers = batch.watchers.get(ticket.pk, [])
    team_id = _int(payload.get("team_id")) if "team_id" in payload else ticket.team_id
    assignee_id = _int(payload.get("assignee_id")) if "assignee_id" in payload else None
    team_members = batch.members.get(team_id or 0, [])
    if topic == "ticket.created":
        for pk in team_members:
            out[pk] = ("team_new_ticket", {})
        owner = assignee_id or ticket.assignee_id
        if owner:
            out[owner] = ("ticket_assigned", {})
    elif topic == "ticket.updated":
        changes = set(payload.get("changes") or [])
        if "assignee" in changes:
            new_assignee = assignee_id if "assignee_id" in payload else ticket.assignee_id
            if new_assignee:
                out[new_assignee] = ("ticket_assigned", {})
        if "status" in changes and payload.get("not_solved"):
            owners = [ticket.assignee_id] if ticket.assignee_id else team_members
            for pk in [*watchers, *owners]:
                out[pk] = ("customer_not_solved", {})
        if "watchers" in changes:
            for pk in _ints(payload.get("added_watcher_ids")):
                out.setdefault(pk, ("watcher_added", {}))
        escalation = payload.get("escalation")
        if "escalation" in changes and isinstance(escalation, dict):
            data = {
                "level": _int(escalation.get("level")),
                "reason": str(escalation.get("reason") or "")[:300],
            }
            user_id = _int(escalation.get("user_id"))
            if user_id:
                out[user_id] = ("ticket_escalated", data)
            else:
                for pk in batch.members.get(_int(escalation.get("team_id")) or 0, []):
                    out[pk] = ("team_escalated", data)
    elif topic == "message.created":
        kind = payload.get("kind")
        verb = ""
        if kind == "internal":
            verb = "note_added"
        elif payload.get("from_customer"):
            verb = "customer_reply"
        if verb:
            for pk in [*watchers, *([ticket.assignee_id] if ticket.assignee_id else [])]:
                out[pk] = (verb, {})
        consult = _int(payload.get("consult_team_id"))
        if consult and kind == "internal":
            for pk in batch.members.get(consult, []):
                out[pk] = ("consulted", {"team": batch.team_names.get(consult, "")})
        for pk in _ints(payload.get("mentioned_user_ids")):
            out[pk] = ("mentioned", {})
    elif topic in ("sla.warning", "sla.breached"):
        if payload.get("stale"):
            return {}
        verb = topic.replace(".", "_")
        data = {
            "metric": payload.get("metric"),
            "due_at": payload.get("due_at"),
            "cycle": payload.get("cycle", ""),
        }
        owners = [ticket.assignee_id] if ticket.assignee_id else team_members
        for pk in [*watchers, *owners]:
            out[pk] = (verb, data)
    elif topic == mail.FAILED_TOPIC:
        owners = [ticket.assignee_id] if ticket.assignee_id else team_members
        failure = {"recipients": payload.get("recipients") or [], "error": payload.get("error")}
        for pk in owners:
            out[pk] = ("mail_failed", failure)
        return out
    elif topic == "tracker.updated":  # a linked developer issue closed or its fix released
        owners = [ticket.assignee_id] if ticket.assignee_id else team_members
        notice = {"message": str(payload.get("message") or "")[:300]}
        for pk in [*watchers, *owners]:
            out[pk] = ("tracker_updated", notice)
        return out
    elif topic == "automation.notify":
        for pk in _ints(payload.get("recipients")):
            out[pk] = ("automation_notify", {"message": str(payload.get("message") or "")})
        return out  # a rule's notice reaches its recipients even when they caused the change
    actor_id = _int(payload.get("actor_id"))
    if actor_id is not None:
        out.pop(actor_id, None)
    return out


def _already_alerted(
    pairs: set[tuple[int, int | None, str]],
) -> set[tuple[int, int | None, str, str]]:
    """(recipient, ticket, verb, metric) of SLA alerts already given: one per target."""
    if not pairs:
        return set()
    users = {p[0] for p in pairs}
    tickets = {p[1] for p in pairs if p[1] is not None}
    rows = Notification.objects.filter(
        recipient_id__in=users, ticket_id__in=tickets, verb__in=("sla_warning", "sla_breached")
    ).values_list("recipient_id", "ticket_id", "verb", "data")
    return {(u, t, v, str((d or {}).get("metric"))) for u, t, v, d in rows}


@outbox.consumer("notifications", topics=TOPICS, live_only=True, chunk_size=50)
def notify(events: list[OutboxMessage]) -> None:
    batch = _Batch(events)
    planned: list[tuple[OutboxMessage, int, str, dict[str, Any]]] = []
    for event in events:
        for user_id, (verb, data) in recipients(event, batch).items():
            planned.append((event, user_id, verb, data))
    if not planned:
        return
    users = User.objects.filter(is_active=True, role__in=STAFF_ROLES).in_bulk(
        list({p[1] for p in planned})
    )
    done = set(
        Notification.objects.filter(
            outbox_message_id__in=[e.pk for e in events], recipient_id__in=list(users)
        ).values_list("recipient_id", "outbox_message_id")
    )
    alerted = _already_alerted(
        {(p[1], batch_ticket(p[0]), p[2]) for p in planned if p[2].startswith("sla_")}
    )
    now = clock.now()
    since = now - dt.timedelta(hours=1)
    recent = dict(
        Notification.objects.filter(recipient_id__in=list(users), created_at__gte=since)
        .values_list("recipient_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    rows: list[Notification] = []
    for event, user_id, verb, data in planned:
        user = users.get(user_id)
        if user is None or (user_id, event.pk) in done:
            continue
        ticket_id = batch_ticket(event)
        if verb.startswith("sla_"):
            key = (user_id, ticket_id, verb, str(data.get("metric")))
            if key in alerted:
                continue  # one warning and one breach per target and ticket
            alerted.add(key)
        in_app, email = wants(user, verb, "in_app"), wants(user, verb, "email")
        if not in_app and not email:
            continue
        done.add((user_id, event.pk))
        rows.append(
            Notification(
                recipient=user,
                verb=verb,
                ticket_id=ticket_id,
                actor_id=_int((event.payload or {}).get("actor_id")),
                outbox_message_id=event.pk,
                data={k: v for k, v in data.items() if v not in (None, "", [])},
                created_at=now,
                read_at=None if in_app else now,  # e-mail only: the bell never shows it
                emailed_at=None if email and user.email else now,
            )
        )
    created = Notification.objects.bulk_create(rows)
    for notification in created:
        if notification.emailed_at is not None:
            continue
        user = notification.recipient
        count = recent.get(user.pk, 0) + 1
        recent[user.pk] = count
        mode = digest_frequency(user)
        if mode == "off" or (mode == "auto" and count <= AUTO_DIGEST_AFTER):
            queue_notification_email(notification, batch.tickets.get(notification.ticket_id))
        # otherwise the hourly or daily summary picks it up (emailed_at stays empty)


def batch_ticket(event: OutboxMessage) -> int | None:
    return event.ticket_id or _int((event.payload or {}).get("ticket_id"))


def queue_notification_email(notification: Notification, ticket: Ticket | None) -> None:
    user = notification.recipient
    notification.ticket = ticket
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = describe(notification)
        url = f"{settings.SITE_URL}/t/{ticket.number}/" if ticket else settings.SITE_URL
        body = render_to_string(
            "notifications/email/notification.txt", {"text": text, "url": url, "user": user}
        )
        # the subject says what happened; a reason or a rule's message stays in the body
        short = describe(notification, with_detail=False)
        subject = f"[{settings.TICKETDESK['BRAND_NAME']}] {short}"[:200]
    mail.queue_mail(
        dedupe_key=f"notification:{notification.pk}",
        to=[user.email],
        # the agent's "Reply" answers the ticket by mail, through an address only we can sign
        reply_to=[reply_address_for(ticket, user)] if ticket is not None else [],
        subject=subject,
        body=body,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Ticketdesk-Notification": notification.verb,  # for agents' mail filters
            **({"X-Ticketdesk-Ticket": str(ticket.number)} if ticket else {}),
        },
        ticket_id=ticket.pk if ticket else None,
        purpose="notification",
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=clock.now())
