"""In-app (bell) and email notifications for staff: who hears about what, how it reads, and
the bell's reads and marks. The consumer that creates them is notifications/consumers.py.

Who hears about what (never the person who made the change, except a rule's notice):
- ticket.created: the team's agents (`team_new_ticket`), the assignee (`ticket_assigned`);
- ticket.updated with a new assignee: the assignee (`ticket_assigned`); with an escalation:
  the user or team escalated to (`ticket_escalated`); with watchers added: them
  (`watcher_added`);
- ticket.updated by the requester saying "not solved": the assignee (the team's agents when
  unassigned) and watchers (`customer_not_solved`);
- message.created from a customer: assignee and watchers (`customer_reply`); an internal
  note: assignee and watchers (`note_added`), the team consulted (`consulted`); mentions:
  each staff user mentioned (`mentioned`);
- sla.warning / sla.breached: the assignee (the team's agents when unassigned) and watchers,
  once per target and ticket, saying which target and when it is due;
- mail.failed: the assignee (the team when unassigned) — a customer did not get our mail.

Preferences (`User.notification_preferences`, edited on the workspace profile):
`{verb: {"email": bool, "in_app": bool}}` (default on) and `"digest"`:
"auto" (default: one email per event, but a summary once someone gets more than a handful an
hour), "off" (always one email per event), "hourly" or "daily" (summaries only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts.models import User
from ticketdesk.core import clock
from ticketdesk.tickets import escalation

from .models import Notification

VERBS = {
    "ticket_assigned": gettext_lazy("assigned %(ticket)s to you"),
    "team_new_ticket": gettext_lazy("opened %(ticket)s in your team"),
    "customer_reply": gettext_lazy("replied on %(ticket)s"),
    "customer_not_solved": gettext_lazy("says %(ticket)s is not solved: it is open again"),
    "note_added": gettext_lazy("added a note on %(ticket)s"),
    "mentioned": gettext_lazy("mentioned you on %(ticket)s"),
    "ticket_escalated": gettext_lazy("escalated %(ticket)s to you"),
    "team_escalated": gettext_lazy("escalated %(ticket)s to your team"),
    "watcher_added": gettext_lazy("added you as a watcher of %(ticket)s"),
    "consulted": gettext_lazy("asks your team about %(ticket)s"),
    "sla_warning": gettext_lazy("SLA at risk on %(ticket)s"),
    "sla_breached": gettext_lazy("SLA breached on %(ticket)s"),
    "mail_failed": gettext_lazy("Our mail about %(ticket)s could not be delivered"),
    "mail_held": gettext_lazy("Mail from %(sender)s is held for review: %(reason)s"),
    "automation_notify": gettext_lazy("An automation rule asks you to look at %(ticket)s"),
    "tracker_updated": gettext_lazy("The developer issue linked to %(ticket)s changed"),
}
SYSTEM_VERBS = (
    "sla_warning",
    "sla_breached",
    "mail_failed",
    "mail_held",
    "automation_notify",
    "tracker_updated",
)
SLA_TARGETS = {
    "first_response": gettext_lazy("first response"),
    "next_response": gettext_lazy("next response"),
    "resolution": gettext_lazy("resolution"),
}
DIGEST_CHOICES = ("auto", "off", "hourly", "daily")
AUTO_DIGEST_AFTER = 5  # notifications an hour before "auto" switches to the hourly summary


def wants(user: User, verb: str, channel: str) -> bool:
    prefs = user.notification_preferences or {}
    value = prefs.get(verb)
    if isinstance(value, dict):
        return bool(value.get(channel, True))
    return True


def digest_frequency(user: User) -> str:
    value = (user.notification_preferences or {}).get("digest", "auto")
    return value if value in DIGEST_CHOICES else "auto"


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def detail(notification: Notification) -> str:
    """The second half of the sentence: which SLA target and when, the escalation's reason."""
    data = notification.data or {}
    verb = notification.verb
    if verb in ("sla_warning", "sla_breached"):
        target = str(SLA_TARGETS.get(str(data.get("metric")), data.get("metric") or ""))
        due = _when(data.get("due_at"))
        if verb == "sla_warning" and due:
            return _("%(target)s due %(due)s") % {"target": target, "due": due}
        if due:
            return _("%(target)s was due %(due)s") % {"target": target, "due": due}
        return target
    if verb in ("ticket_escalated", "team_escalated"):
        parts = []
        if isinstance(data.get("level"), int):
            parts.append(escalation.level_label(data["level"]))
        if data.get("reason"):
            parts.append(str(data["reason"])[:200])
        return " · ".join(parts)
    if verb == "consulted" and data.get("team"):
        return str(data["team"])
    if verb in ("automation_notify", "tracker_updated") and data.get("message"):
        return str(data["message"])[:300]
    return ""


def describe(notification: Notification, *, with_detail: bool = True) -> str:
    if notification.verb == "mail_held":
        data = notification.data or {}
        return str(VERBS["mail_held"]) % {
            "sender": data.get("from") or "?",
            "reason": data.get("reason") or "",
        }
    ticket = notification.ticket
    label = f"{ticket.display_number} “{ticket.subject}”" if ticket else "?"
    template = VERBS.get(notification.verb)
    text = str(template) % {"ticket": label} if template else f"{notification.verb} {label}"
    extra = detail(notification) if with_detail else ""
    if extra:
        text = f"{text} — {extra}"
    if notification.verb in SYSTEM_VERBS:
        return text
    return f"{who(notification)} {text}"


def who(notification: Notification) -> str:
    """Who did it: the agent, else (a ticket that came in by mail, the API or a form) the
    requester, else "Someone"."""
    if notification.actor is not None:
        return str(notification.actor.display_name)
    ticket = notification.ticket
    if (
        notification.verb in ("team_new_ticket", "customer_reply", "customer_not_solved")
        and ticket is not None
    ):
        return str(ticket.requester.display_name)
    return _("Someone")


# --- reads and marks for the bell ------------------------------------------------------------


def unread_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)


def recent_for(user: Any, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient_id=user.pk)
        .select_related("ticket", "ticket__requester", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class Group:
    """The notifications of one ticket (or the ticketless ones), newest first."""

    ticket: Any
    items: list[tuple[Notification, str]] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(1 for n, _text in self.items if n.read_at is None)

    @property
    def latest(self) -> Notification:
        return self.items[0][0]

    @property
    def urgent(self) -> bool:
        return any(n.verb in ("sla_breached", "mail_failed", "mail_held") for n, _t in self.items)


def grouped_for(user: Any, limit: int = 100) -> list[Group]:
    """The latest notifications grouped by ticket, groups ordered by their newest item (one
    query)."""
    groups: dict[Any, Group] = {}
    for notification in recent_for(user, limit):
        key = notification.ticket_id or ("n", notification.pk)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(ticket=notification.ticket)
        group.items.append((notification, describe(notification)))
    return list(groups.values())


def mark_read(
    user: Any, notification_id: int | None = None, *, ticket_id: int | None = None
) -> int:
    qs = unread_for(user)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    if ticket_id is not None:
        qs = qs.filter(ticket_id=ticket_id)
    return qs.update(read_at=clock.now())
