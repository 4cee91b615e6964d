"""Changing a ticket's fields, status, assignment, tags, watchers and CC."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization, Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed

from .. import custom_fields, priority, workflow
from .. import resolution as resolutions
from ..models import (
    DONE_CATEGORIES,
    BusinessArea,
    Category,
    EventKind,
    Status,
    StatusCategory,
    Tag,
    Ticket,
    TicketType,
)
from . import field_files
from .attachments import files_stored_first
from .base import check, lock_ticket, publish, record, touch

_UNSET: Any = object()

# Fields set_fields may change, and the model each refers to (None: a plain value).
SIMPLE_FIELDS: dict[str, type | None] = {
    "subject": None,
    "team": Team,
    "ticket_type": TicketType,
    "category": Category,
    "business_area": BusinessArea,
    "organization": Organization,
    "requester": Contact,
    "urgency": None,
    "impact": None,
}


def set_fields(
    ticket: Ticket,
    *,
    actor: User | None,
    expected_version: int | None = None,
    verb: str = policy.EDIT,
    resolution: resolutions.Resolution | None = None,
    status_data: dict[str, Any] | None = None,
    actor_contact: Contact | None = None,
    escalation: dict[str, Any] | None = None,
    **changes: Any,
) -> Ticket:
    """Change any of: subject, team, ticket_type, category, business_area, organization,
    requester, urgency, impact, priority (None clears an override), assignee, status,
    custom_fields (a partial dict), tags_add, tags_remove. One transaction, one version bump,
    one event per changed field.

    Moving an active ticket to a resolved or closed status: an agent must give `resolution`
    (see tickets/resolution.py). Assigning a new ticket moves it to the working status ("In
    progress") when the workflow has one. `status_data` is added to the status event;
    `actor_contact`: the customer the system acts for (a signed link, no login);
    `escalation`: see tickets/actions/escalation.py (which alone passes it)."""
    from .open import check_level, clean_subject

    allowed = {*SIMPLE_FIELDS, "priority", "assignee", "status", "custom_fields"}
    allowed |= {"tags_add", "tags_remove"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))},
            fields={f: [_("Unknown field.")] for f in unknown},
        )
    if changes.get("custom_fields"):
        given = field_files.given_files(changes["custom_fields"], ticket=ticket)
        pending = field_files.uploads(given)
        if pending:
            # a field's new file goes to storage before the transaction (no network I/O
            # while the ticket is locked); removed again if the change fails
            with files_stored_first([upload for _key, upload in pending]) as stored:
                keys = [key for key, _upload in pending]
                changes["custom_fields"] = field_files.with_stored(given, keys, stored)
                return set_fields(
                    ticket,
                    actor=actor,
                    expected_version=expected_version,
                    verb=verb,
                    resolution=resolution,
                    status_data=status_data,
                    actor_contact=actor_contact,
                    escalation=escalation,
                    **changes,
                )
        changes["custom_fields"] = given
    with transaction.atomic():
        ticket = lock_ticket(ticket, expected_version)
        check(actor, verb, ticket)
        changed: list[str] = []
        events: list[tuple[str, Any, Any]] = []
        for name in SIMPLE_FIELDS:
            if name not in changes:
                continue
            value = changes[name]
            if name == "subject":
                value = clean_subject(value)
            elif name in ("urgency", "impact"):
                value = check_level(name, value)
            elif name == "requester" and value is None:
                raise ValidationFailed(
                    _("A ticket needs a requester."),
                    fields={"requester": [_("This field is required.")]},
                )
            old = getattr(ticket, name)
            if old == value:
                continue
            setattr(ticket, name, value)
            changed.append(name)
            events.append((name, old, value))
        if "team" in changed and ticket.assignee_id is not None and "assignee" not in changes:
            if not policy.assignable_users(ticket.team_id).filter(pk=ticket.assignee_id).exists():
                events.append(("assignee", ticket.assignee, None))
                ticket.assignee = None
                changed.append("assignee")
        if "assignee" in changes:
            _apply_assignee(ticket, changes["assignee"], changed, events)
        _apply_priority(ticket, changes, changed, events)
        if "custom_fields" in changes:
            new_values = custom_fields.validate(
                ticket.ticket_type,
                changes["custom_fields"] or {},
                existing=ticket.custom_fields,
                category_id=ticket.category_id,
            )
            new_values = field_files.attach(ticket, new_values)
            if new_values != ticket.custom_fields:
                events.append(("custom_fields", ticket.custom_fields, new_values))
                ticket.custom_fields = new_values
                changed.append("custom_fields")
        elif "ticket_type" in changed or "category" in changed:
            # the new type may require fields the old one did not
            custom_fields.validate(
                ticket.ticket_type,
                {},
                existing=ticket.custom_fields,
                category_id=ticket.category_id,
            )
        status_event = None
        if "status" in changes and changes["status"] is not None:
            status_event = _apply_status(
                ticket,
                changes["status"],
                changed,
                actor=actor,
                resolution=resolution,
                extra=status_data,
            )
        elif "assignee" in changed and ticket.assignee_id is not None:
            status_event = _start_work(ticket, changed, actor)
        tag_change = None
        if changes.get("tags_add") or changes.get("tags_remove"):
            before = _tag_names(ticket)
            after = apply_tags(
                ticket, add=changes.get("tags_add") or [], remove=changes.get("tags_remove") or []
            )
            if before != after:
                tag_change = (before, after)
                changed.append("tags")
        if escalation is not None:
            ticket.escalation_level = escalation["level"]
            ticket.escalated_at = clock.now()
            changed += ["escalation_level", "escalated_at", "escalation"]
        if not changed:
            return ticket
        touch(ticket, [c for c in changed if c not in ("tags", "escalation")])
        for field, old, new in events:
            kind = EventKind.ASSIGNED if field == "assignee" else EventKind.FIELD_CHANGED
            extra = {"override": True} if field == "priority" and ticket.priority_overridden else {}
            record(ticket, kind, actor, field=field, old=old, new=new, data=extra)
        if status_event is not None:
            record(
                ticket,
                EventKind.STATUS_CHANGED,
                actor,
                actor_contact=actor_contact,
                field="status",
                **status_event,
            )
        if tag_change is not None:
            record(
                ticket,
                EventKind.TAGS_CHANGED,
                actor,
                field="tags",
                old=tag_change[0],
                new=tag_change[1],
            )
        extra_payload: dict[str, Any] = {}
        if escalation is not None:
            record(
                ticket,
                EventKind.ESCALATED,
                actor,
                field="escalation",
                old=escalation["from_level"],
                new=escalation["level"],
                data=escalation,
            )
            # the notifications contract: the target user, or the target team's agents
            extra_payload["escalation"] = {
                "level": escalation["level"],
                "team_id": escalation["team_id"],
                "user_id": escalation["user_id"],
                "reason": escalation["reason"],
                "kind": escalation["kind"],
            }
        if status_event is not None and (status_data or {}).get("not_solved"):
            extra_payload["not_solved"] = True  # the notifications tell the assignee
        changed_names = set(changed) - {"escalation_level", "escalated_at"}
        publish("ticket.updated", ticket, actor, changes=sorted(changed_names), **extra_payload)
    return ticket


def _apply_assignee(ticket: Ticket, assignee: User | None, changed: list, events: list) -> None:
    if assignee is not None and assignee.pk == ticket.assignee_id:
        return
    if assignee is None and ticket.assignee_id is None:
        return
    if (
        assignee is not None
        and not policy.assignable_users(ticket.team_id).filter(pk=assignee.pk).exists()
    ):
        raise ValidationFailed(
            _("%(name)s cannot be assigned tickets of this team.")
            % {"name": assignee.display_name},
            fields={"assignee": [_("Not an agent of the ticket's team.")]},
        )
    events.append(("assignee", ticket.assignee, assignee))
    ticket.assignee = assignee
    changed.append("assignee")


def _apply_priority(ticket: Ticket, changes: dict, changed: list, events: list) -> None:
    from .open import check_level

    old = ticket.priority
    if "priority" in changes:
        if changes["priority"] is None:
            ticket.priority_overridden = False
            ticket.priority = priority.compute_priority(ticket.urgency, ticket.impact)
        else:
            ticket.priority = check_level("priority", changes["priority"])
            ticket.priority_overridden = True
        changed.append("priority_overridden")
    elif ("urgency" in changed or "impact" in changed) and not ticket.priority_overridden:
        ticket.priority = priority.compute_priority(ticket.urgency, ticket.impact)
    if ticket.priority != old:
        events.append(("priority", old, ticket.priority))
        changed.append("priority")


def _start_work(ticket: Ticket, changed: list, actor: User | None) -> dict[str, Any] | None:
    """Assigning a new ticket moves it to the working status, if the workflow allows."""
    if ticket.status_category != StatusCategory.NEW:
        return None
    working = workflow.working_status()
    if working is None or not workflow.is_allowed(
        ticket.status, working, ticket_type_id=ticket.ticket_type_id
    ):
        return None
    return _apply_status(ticket, working, changed, actor=actor, extra={"on_assign": True})


def _apply_status(
    ticket: Ticket,
    status: Status,
    changed: list,
    *,
    actor: User | None = None,
    resolution: resolutions.Resolution | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    old = ticket.status
    if old.pk == status.pk:
        return None
    workflow.check_transition(old, status, ticket_type_id=ticket.ticket_type_id)
    now = clock.now()
    data: dict[str, Any] = {}
    staff = actor is not None and policy.is_staff_member(actor)
    if status.category in DONE_CATEGORIES and old.category not in DONE_CATEGORIES:
        stored = resolutions.check(ticket.ticket_type_id, resolution, required=staff)
        if staff:
            resolutions.run_resolve_checks(ticket, actor)
        ticket.resolution_summary = stored["summary"]
        ticket.verification = stored["verification"]
        changed += ["resolution_summary", "verification"]
        if stored["summary"] or any(item["value"] for item in stored["verification"]):
            data["resolution"] = stored
    if staff:
        # the fields this move requires (the workflow editor); the system and customers, who
        # cannot fill them in, are not asked
        workflow.check_required_fields(
            ticket, old, status, resolution_summary=resolution.summary if resolution else ""
        )
    ticket.status = status
    ticket.status_category = status.category
    changed += ["status", "status_category"]
    reopened = old.category in DONE_CATEGORIES and status.category not in DONE_CATEGORIES
    if status.category == StatusCategory.RESOLVED and old.category != StatusCategory.RESOLVED:
        ticket.resolved_at = now
        changed.append("resolved_at")
    if status.category == StatusCategory.CLOSED:
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            changed.append("resolved_at")
        changed.append("closed_at")
    if reopened:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.resolution_summary = ""
        ticket.verification = []
        changed += ["reopen_count", "resolved_at", "closed_at", "resolution_summary"]
        changed.append("verification")
    return {
        "old": old,
        "new": status,
        "data": {
            "from_category": old.category,
            "to_category": status.category,
            "reopened": reopened,
            **data,
            **(extra or {}),
        },
    }


def change_status(
    ticket: Ticket,
    status: Status,
    *,
    actor: User | None,
    expected_version: int | None = None,
    resolution: resolutions.Resolution | None = None,
    status_data: dict[str, Any] | None = None,
    actor_contact: Contact | None = None,
) -> Ticket:
    """Move the ticket along the workflow. A customer may only close or reopen their own
    ticket. An agent resolving gives `resolution` (summary and checklist)."""
    if actor is not None and not policy.is_staff_member(actor):
        policy.require(actor, policy.CLOSE_OWN, ticket)
        if status.category not in (StatusCategory.CLOSED, StatusCategory.RESOLVED) and (
            ticket.status_category not in DONE_CATEGORIES
        ):
            raise PermissionDenied(_("You can only close or reopen your ticket."))
        return set_fields(
            ticket,
            actor=actor,
            expected_version=expected_version,
            verb=policy.CLOSE_OWN,
            status=status,
            status_data=status_data,
        )
    return set_fields(
        ticket,
        actor=actor,
        expected_version=expected_version,
        status=status,
        resolution=resolution,
        status_data=status_data,
        actor_contact=actor_contact,
    )


def assign(
    ticket: Ticket,
    *,
    assignee: User | None,
    actor: User | None,
    team: Team | Any | None = _UNSET,
    expected_version: int | None = None,
) -> Ticket:
    """Assign to an agent (None: back to the queue), optionally moving to another team. A
    ticket without a team (the triage queue) joins the assignee's team (their first active
    team by name) unless a team is given."""
    if actor is not None:
        with transaction.atomic():
            check(actor, policy.ASSIGN, lock_ticket(ticket))
    changes: dict[str, Any] = {"assignee": assignee}
    if team is not _UNSET:
        changes["team"] = team
    elif assignee is not None and ticket.team_id is None:
        own = Team.objects.filter(active=True, memberships__user=assignee).order_by("name").first()
        if own is not None:
            changes["team"] = own
    return set_fields(ticket, actor=actor, expected_version=expected_version, **changes)


def _tag_names(ticket: Ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True), key=str.lower)


def normalise_tag(name: str) -> str:
    return " ".join(str(name).split()).strip().lower()[:60]


def apply_tags(ticket: Ticket, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """Add and remove tags (created on first use, case-insensitive); return the new list."""
    to_add = {normalise_tag(n) for n in add if normalise_tag(n)}
    to_remove = {normalise_tag(n) for n in remove if normalise_tag(n)}
    if to_add:
        existing = {t.name.lower(): t for t in Tag.objects.filter(name__in=to_add)}
        for name in to_add - set(existing):
            tag, _created = Tag.objects.get_or_create(name=name)
            existing[name] = tag
        ticket.tags.add(*existing.values())
    if to_remove:
        ticket.tags.remove(*Tag.objects.filter(name__in=to_remove))
    return _tag_names(ticket)


def set_tags(
    ticket: Ticket,
    *,
    actor: User | None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    expected_version: int | None = None,
) -> Ticket:
    return set_fields(
        ticket,
        actor=actor,
        expected_version=expected_version,
        tags_add=list(add),
        tags_remove=list(remove),
    )


def add_watcher(ticket: Ticket, user: User, *, actor: User | None) -> Ticket:
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        if actor is not None and actor.pk != user.pk:
            check(actor, policy.EDIT, ticket)
        elif actor is not None:
            check(actor, policy.VIEW, ticket)
        if not policy.is_staff_member(user):
            raise ValidationFailed(
                _("Only agents can watch a ticket; add customers as CC."),
                fields={"watcher": [_("Not an agent.")]},
            )
        if ticket.watchers.filter(pk=user.pk).exists():
            return ticket
        ticket.watchers.add(user)
        touch(ticket, [])
        record(ticket, EventKind.WATCHER_ADDED, actor, field="watchers", new=user)
        # the notifications contract: the added colleague hears about it
        publish("ticket.updated", ticket, actor, changes=["watchers"], added_watcher_ids=[user.pk])
    return ticket


def remove_watcher(ticket: Ticket, user: User, *, actor: User | None) -> Ticket:
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        if actor is not None and actor.pk != user.pk:
            check(actor, policy.EDIT, ticket)
        if not ticket.watchers.filter(pk=user.pk).exists():
            return ticket
        ticket.watchers.remove(user)
        touch(ticket, [])
        record(ticket, EventKind.WATCHER_REMOVED, actor, field="watchers", old=user)
        publish("ticket.updated", ticket, actor, changes=["watchers"])
    return ticket


def add_cc(ticket: Ticket, contact: Contact, *, actor: User | None) -> Ticket:
    with transaction.atomic():
        ticket = lock_ticket(ticket)
        check(actor, policy.EDIT, ticket)
        if contact.pk == ticket.requester_id or ticket.cc.filter(pk=contact.pk).exists():
            return ticket
        ticket.cc.add(contact)
        touch(ticket, [])
        record(ticket, EventKind.FIELD_CHANGED, actor, field="cc", new=contact)
        publish("ticket.updated", ticket, actor, changes=["cc"])
    return ticket
