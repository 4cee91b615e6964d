"""The ticket timeline: messages, internal notes and events in one list, events in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.tickets import display
from ticketdesk.tickets.models import Channel, EventKind, Level, LinkKind, Message, TicketEvent

FIELD_LABELS = {
    "subject": gettext_lazy("subject"),
    "status": gettext_lazy("status"),
    "priority": gettext_lazy("priority"),
    "urgency": gettext_lazy("urgency"),
    "impact": gettext_lazy("impact"),
    "team": gettext_lazy("team"),
    "assignee": gettext_lazy("assignee"),
    "ticket_type": gettext_lazy("type"),
    "category": gettext_lazy("category"),
    "business_area": gettext_lazy("business area"),
    "organization": gettext_lazy("organization"),
    "requester": gettext_lazy("requester"),
    "custom_fields": gettext_lazy("custom fields"),
    "tags": gettext_lazy("tags"),
    "cc": gettext_lazy("CC"),
    "watchers": gettext_lazy("watchers"),
}
LEVEL_FIELDS = {"priority", "urgency", "impact"}
# Events shown as the message they carry, not as a line of their own.
MESSAGE_EVENTS = {EventKind.MESSAGE_ADDED, EventKind.NOTE_ADDED}


@dataclass
class Entry:
    kind: str  # "message", "note" or "event"
    at: Any
    message: Message | None = None
    event: TicketEvent | None = None
    text: str = ""
    recorded_by: str = ""  # the agent who wrote down a caller's message
    summary: str = ""  # a resolution's summary, an escalation's reason
    consult_team: str = ""  # a note that consults another team
    checklist: list[tuple[str, str]] | None = None  # (label, answer) of a verification
    details: list[str] | None = None  # what an escalation changed along with it

    @property
    def anchor(self) -> str:
        if self.message is not None:
            return f"m{self.message.pk}"
        return f"e{self.event.pk}" if self.event is not None else ""


def value_text(field: str, value: Any) -> str:
    """An event's old or new value in the reader's language: configuration rows by their id
    (the name of today, translated), custom fields by their translated labels."""
    if value is None or value == "" or value == []:
        return _("nothing")
    configuration = display.stored_value(field, value)
    if configuration is not None:
        return configuration
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if field in LEVEL_FIELDS and isinstance(value, int) and value in Level.values:
        return str(Level(value).label)
    if field == "custom_fields" and isinstance(value, dict):
        return ", ".join(
            f"{display.custom_field_label(k)}: {display.custom_field_value(k, v)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _actor(event: TicketEvent) -> str:
    if event.actor_user is not None:
        return event.actor_user.display_name
    if event.actor_contact is not None:
        return event.actor_contact.display_name
    return _("Ticketdesk")


def _sla_sentence(data: dict) -> str:
    """“SLA · First response: target met”, “SLA: policy High applied”."""
    from ticketdesk.sla.models import Metric
    from ticketdesk.sla.queries import change_label

    change = str(data.get("change") or "")
    if change == "policy":
        return _("SLA: policy “%(name)s” applies") % {"name": data.get("policy", "")}
    what = change_label(change) if change else _("updated")
    metric = data.get("metric")
    if metric:
        label = dict(Metric.choices).get(metric, metric)
        return _("SLA · %(metric)s: %(what)s") % {"metric": label, "what": what}
    return _("SLA: %(what)s") % {"what": what}


def describe(event: TicketEvent, who: str | None = None) -> str:
    """One sentence: “Ana changed priority from Medium to High”."""
    who = who or _actor(event)
    field = str(FIELD_LABELS.get(event.field, event.field))
    old = value_text(event.field, event.old_value)
    new = value_text(event.field, event.new_value)
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        channel = data.get("channel", "")
        label = Channel(channel).label if channel in Channel.values else channel
        return _("%(who)s opened the ticket via %(channel)s") % {"who": who, "channel": label}
    if kind == EventKind.STATUS_CHANGED:
        if data.get("auto_closed"):
            return _(
                "Ticketdesk closed the ticket: no answer from the customer %(days)s days after "
                "it was resolved"
            ) % {"days": data.get("after_days", "?")}
        if data.get("customer_confirmed"):
            return _("%(who)s confirmed the problem is solved; the ticket is %(new)s") % {
                "who": who,
                "new": new,
            }
        if data.get("not_solved"):
            return _("%(who)s said the problem is not solved; the ticket is %(new)s again") % {
                "who": who,
                "new": new,
            }
        if data.get("resolution"):
            return _("%(who)s resolved the ticket (%(old)s → %(new)s)") % {
                "who": who,
                "old": old,
                "new": new,
            }
        return _("%(who)s changed status from %(old)s to %(new)s") % {
            "who": who,
            "old": old,
            "new": new,
        }
    if kind == EventKind.ASSIGNED:
        if event.new_value is None:
            return _("%(who)s unassigned %(old)s") % {"who": who, "old": old}
        return _("%(who)s assigned the ticket to %(new)s") % {"who": who, "new": new}
    if kind == EventKind.TAGS_CHANGED:
        return _("%(who)s changed tags from %(old)s to %(new)s") % {
            "who": who,
            "old": old,
            "new": new,
        }
    if kind == EventKind.WATCHER_ADDED:
        if data.get("mentioned"):
            return _("%(who)s mentioned %(new)s, who now watches the ticket") % {
                "who": who,
                "new": new,
            }
        return _("%(who)s added %(new)s as a watcher") % {"who": who, "new": new}
    if kind == EventKind.WATCHER_REMOVED:
        return _("%(who)s removed %(old)s from the watchers") % {"who": who, "old": old}
    hidden = bool(data.get("hidden"))  # names a ticket the viewer may not see
    if kind in (EventKind.LINKED, EventKind.UNLINKED):
        link_kind = data.get("kind", "")
        label = str(LinkKind(link_kind).label) if link_kind in LinkKind.values else link_kind
        target = _("a ticket you cannot see") if hidden else f"#{data.get('number', '?')}"
        if kind == EventKind.LINKED:
            return _("%(who)s linked this ticket (%(kind)s %(target)s)") % {
                "who": who,
                "kind": label.lower(),
                "target": target,
            }
        return _("%(who)s removed the link to %(target)s") % {"who": who, "target": target}
    if kind == EventKind.MERGED and hidden:
        return _("%(who)s merged a ticket you cannot see into this ticket") % {"who": who}
    if kind == EventKind.MERGED_INTO and hidden:
        return _("%(who)s merged this ticket into a ticket you cannot see") % {"who": who}
    if kind == EventKind.MERGED:
        return _("%(who)s merged #%(number)s into this ticket") % {
            "who": who,
            "number": data.get("number", "?"),
        }
    if kind == EventKind.MERGED_INTO:
        return _("%(who)s merged this ticket into #%(number)s") % {
            "who": who,
            "number": data.get("number", "?"),
        }
    if kind == EventKind.SPLIT:
        return _("%(who)s split a message into a new ticket") % {"who": who}
    if kind == EventKind.MESSAGE_MOVED:
        return _("%(who)s moved a message") % {"who": who}
    if kind == EventKind.RULE_FIRED:
        return _("Automation rule “%(rule)s” ran") % {"rule": data.get("rule", "?")}
    if kind == EventKind.SLA:
        return _sla_sentence(data)
    if kind == EventKind.ESCALATED:
        from ticketdesk.tickets.escalation import level_label

        level = level_label(int(data.get("level") or 0))
        team, person = data.get("team"), data.get("user")
        if isinstance(team, dict) and isinstance(person, dict):
            return _("%(who)s escalated the ticket to %(level)s: %(team)s, %(person)s") % {
                "who": who,
                "level": level,
                "team": team.get("label", "?"),
                "person": person.get("label", "?"),
            }
        if isinstance(team, dict):
            return _("%(who)s escalated the ticket to %(level)s: team %(team)s") % {
                "who": who,
                "level": level,
                "team": team.get("label", "?"),
            }
        if isinstance(person, dict):
            return _("%(who)s escalated the ticket to %(level)s: %(person)s") % {
                "who": who,
                "level": level,
                "person": person.get("label", "?"),
            }
        return _("%(who)s escalated the ticket to %(level)s") % {"who": who, "level": level}
    if kind == EventKind.CSAT:
        rating = display.rating_text(data.get("score", event.new_value), data.get("scale", "five"))
        return _("%(who)s rated the support: %(new)s") % {"who": who, "new": rating}
    if event.field:
        return _("%(who)s changed %(field)s from %(old)s to %(new)s") % {
            "who": who,
            "field": field,
            "old": old,
            "new": new,
        }
    return _("%(who)s: %(what)s") % {"who": who, "what": event.get_kind_display()}


def checklist_lines(items: Any) -> list[tuple[str, str]]:
    """(label, answer) of a stored verification checklist, in the viewer's language."""
    lines = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        value = item.get("value")
        if item.get("kind") == "check":
            answer = _("yes") if value else _("no")
        else:
            answer = str(value) if value else _("not given")
        lines.append((_(str(item.get("label", ""))), answer))
    return lines


def _details(event: TicketEvent) -> dict[str, Any]:
    data = event.data or {}
    if event.kind == EventKind.ESCALATED:
        return {"summary": str(data.get("reason") or "")}
    resolution = data.get("resolution")
    if event.kind == EventKind.STATUS_CHANGED and isinstance(resolution, dict):
        return {
            "summary": str(resolution.get("summary") or ""),
            "checklist": checklist_lines(resolution.get("verification")),
        }
    return {}


ESCALATION_PARTS = (EventKind.ASSIGNED, EventKind.STATUS_CHANGED, EventKind.WATCHER_ADDED)


def _escalation_parts(events: list[TicketEvent]) -> dict[int, int]:
    """event id → id of the escalation it was part of: the team, assignee and status
    changes of the same version, the watchers the escalation added. The timeline shows
    one entry per escalation with these as its details."""
    escalations = {
        (e.data or {}).get("version"): e for e in events if e.kind == EventKind.ESCALATED
    }
    if not escalations:
        return {}
    parts: dict[int, int] = {}
    for event in events:
        data = event.data or {}
        version = data.get("version")
        if event.kind == EventKind.WATCHER_ADDED and data.get("on_escalation"):
            # recorded just before the escalation's version bump
            escalation = escalations.get((version or 0) + 1)
        elif event.kind in ESCALATION_PARTS or (
            event.kind == EventKind.FIELD_CHANGED and event.field == "team"
        ):
            escalation = escalations.get(version)
        else:
            continue
        if escalation is not None and escalation.pk != event.pk:
            parts[event.pk] = escalation.pk
    return parts


def build(messages: list[Message], events: list[TicketEvent]) -> list[Entry]:
    recorders = {
        event.message_id: event.actor_user.display_name
        for event in events
        if event.kind == EventKind.CREATED
        and event.actor_user is not None
        and event.message_id is not None
    }
    consults = {
        e.message_id: str((e.data or {}).get("consult_team") or "")
        for e in events
        if e.kind == EventKind.NOTE_ADDED and (e.data or {}).get("consult_team")
    }
    entries = [
        Entry(
            "note" if m.is_internal else "message",
            m.created_at,
            message=m,
            recorded_by=recorders.get(m.pk, "") if m.is_customer_message else "",
            consult_team=consults.get(m.pk, ""),
        )
        for m in messages
    ]
    folded = _escalation_parts(events)
    for event in events:
        if event.kind in MESSAGE_EVENTS or event.pk in folded:
            continue
        entry = Entry(
            "event", event.created_at, event=event, text=describe(event), **_details(event)
        )
        if event.kind == EventKind.ESCALATED:
            entry.details = [
                describe(part) for part in events if folded.get(part.pk) == event.pk
            ] or None
        entries.append(entry)
    entries.sort(key=lambda e: (e.at, 0 if e.message is not None else 1))
    return entries


def conflict_lines(changes: list[dict[str, Any]]) -> list[str]:
    """Sentences for the `changes` of a Conflict error (see tickets.actions.base)."""
    lines = []
    for change in changes:
        event = TicketEvent(
            kind=change.get("kind", ""),
            field=change.get("field", ""),
            old_value=change.get("old"),
            new_value=change.get("new"),
            data={},
        )
        lines.append(describe(event, who=change.get("actor") or _("Someone")))
    return lines
