"""Problem management: a ticket of type `problem` groups its incidents (TicketLink PARENT,
problem → incident), carries a ProblemRecord (root cause, trigger event, workaround, fix,
post-incident review) and can resolve every incident with one message.

Writes go through tickets.actions (link, reply, change_status, open_ticket); the record itself
is this app's data, edited by whoever may EDIT the problem ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import Contact, Organization, User
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError, NotFound, ValidationFailed
from ticketdesk.tickets import actions, workflow
from ticketdesk.tickets.models import (
    DONE_CATEGORIES,
    Channel,
    LinkKind,
    StatusCategory,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketType,
)
from ticketdesk.tickets.resolution import Resolution

from .models import ProblemRecord
from .text import jaccard, tokens

logger = logging.getLogger(__name__)
PROBLEM_TYPE = "problem"
RECORD_FIELDS = ("root_cause", "trigger_event", "workaround", "fix", "impact", "actions")
MAX_INCIDENTS = 500
MAX_TIMELINE = 400
SUGGEST_WINDOW = 500
SUGGEST_DAYS = 14
SUGGEST_THRESHOLD = 0.5


def problem_ticket(user: Any, number: int) -> Ticket:
    """The problem ticket `number` if `user` may see it."""
    policy.require(user, policy.VIEW_PROBLEMS)
    ticket = (
        policy.visible_tickets(user)
        .select_related("ticket_type", "status", "team", "assignee", "requester")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise NotFound(_("This ticket does not exist."))
    if ticket.ticket_type is None or ticket.ticket_type.key != PROBLEM_TYPE:
        raise ValidationFailed(_("This ticket is not a problem."))
    return ticket


def record_for(ticket: Ticket) -> ProblemRecord:
    return ProblemRecord.objects.filter(ticket=ticket).first() or ProblemRecord(
        ticket=ticket, updated_at=ticket.created_at
    )


def save_record(ticket: Ticket, *, actor: User, **values: str) -> ProblemRecord:
    policy.require(actor, policy.EDIT, ticket)
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        record = ProblemRecord.objects.select_for_update().filter(ticket=ticket).first()
        record = record or ProblemRecord(ticket=ticket)
        for name, value in values.items():
            setattr(record, name, (value or "").strip()[:20000])
        record.updated_at = clock.now()
        record.save()
    return record


def incidents(problem: Ticket) -> QuerySet[Ticket]:
    ids = TicketLink.objects.filter(source=problem, kind=LinkKind.PARENT).values("target_id")
    return (
        Ticket.objects.filter(pk__in=ids)
        .select_related("status", "requester", "organization", "assignee")
        .order_by("created_at", "id")
    )


def link_incident(problem: Ticket, incident: Ticket, *, actor: User) -> None:
    if incident.pk == problem.pk:
        raise ValidationFailed(_("A problem cannot be its own incident."))
    actions.link(problem, incident, LinkKind.PARENT, actor=actor)


def affected(problem: Ticket) -> tuple[list[Contact], list[Organization]]:
    ids = TicketLink.objects.filter(source=problem, kind=LinkKind.PARENT).values("target_id")
    tickets = Ticket.objects.filter(pk__in=ids)
    contacts = list(
        Contact.objects.filter(pk__in=tickets.values("requester_id")).order_by("email")[:200]
    )
    orgs = list(
        Organization.objects.filter(pk__in=tickets.values("organization_id")).order_by("name")[:200]
    )
    return contacts, orgs


TIMELINE_LEFT_OUT = (
    "watcher_added",
    "watcher_removed",
    "note_added",
    "sla",
    "csat",
    "rule_fired",
    "tags_changed",
)


def timeline(problem: Ticket) -> list[TicketEvent]:
    """Events of the problem and its incidents, oldest first (the review's timeline)."""
    ids = TicketLink.objects.filter(source=problem, kind=LinkKind.PARENT).values("target_id")
    # what happened to the customers and what we did: SLA bookkeeping, ratings, watchers,
    # notes and automation are left out, and a link is told once (on the problem)
    events = (
        TicketEvent.objects.filter(ticket_id__in=ids).exclude(kind__in=("linked", "unlinked"))
        | TicketEvent.objects.filter(ticket_id=problem.pk)
    ).exclude(kind__in=TIMELINE_LEFT_OUT)
    return list(
        events.select_related("ticket", "actor_user", "actor_contact").order_by("created_at", "id")[
            :MAX_TIMELINE
        ]
    )


@dataclass
class ResolveResult:
    resolved: list[int]
    failed: list[tuple[int, str]]
    skipped: list[int]


def resolve_all(problem: Ticket, *, actor: User, body: str) -> ResolveResult:
    """Send `body` as a public reply to every open incident and resolve it (one transaction
    per incident; failures are reported, not fatal), then resolve the problem."""
    policy.require(actor, policy.EDIT, problem)
    if not body.strip():
        raise ValidationFailed(
            _("Write the message the customers will receive."),
            fields={"body": [_("This field is required.")]},
        )
    resolved_status = workflow.status_for_category(StatusCategory.RESOLVED)
    result = ResolveResult([], [], [])
    for incident in incidents(problem)[:MAX_INCIDENTS]:
        if incident.status_category in DONE_CATEGORIES:
            result.skipped.append(incident.number)
            continue
        try:
            actions.reply(
                incident,
                actor=actor,
                body=body,
                status=resolved_status,
                resolution=Resolution(
                    summary=_("Solved with problem %(n)s: %(body)s")
                    % {"n": problem.display_number, "body": body}
                ),
            )
        except DomainError as error:
            result.failed.append((incident.number, str(error)))
        except Exception as error:  # report and go on with the next incident
            logger.exception("resolving incident %s failed", incident.pk)
            result.failed.append((incident.number, type(error).__name__))
        else:
            result.resolved.append(incident.number)
    problem.refresh_from_db()
    if problem.status_category not in DONE_CATEGORIES and not result.failed:
        try:
            actions.change_status(
                problem,
                resolved_status,
                actor=actor,
                resolution=Resolution(summary=record_for(problem).fix or body),
            )
        except DomainError as error:
            result.failed.append((problem.number, str(error)))
    return result


def review_markdown(problem: Ticket) -> str:
    """The post-incident review as a markdown document."""
    record = record_for(problem)
    contacts, orgs = affected(problem)
    lines = [
        f"# {_('Post-incident review')}: {problem.display_number} {problem.subject}",
        "",
        f"- {_('Status')}: {problem.status}",
        f"- {_('Incidents')}: {incidents(problem).count()}",
        f"- {_('Affected customers')}: {len(contacts)}",
        f"- {_('Affected organizations')}: {', '.join(o.name for o in orgs) or '—'}",
        "",
    ]
    for name in ("trigger_event", "root_cause", "impact", "workaround", "fix", "actions"):
        label = str(getattr(ProblemRecord._meta.get_field(name), "verbose_name", name))
        label = label.capitalize()
        lines += [f"## {label}", "", getattr(record, name) or "—", ""]
    lines += [f"## {_('Timeline')}", ""]
    for event in timeline(problem):
        when = event.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        detail = ""
        if event.kind == "status_changed" and isinstance(event.new_value, dict):
            detail = f": {event.new_value.get('label', '')}"
        lines.append(f"- {when} — {event.ticket.display_number} {event.get_kind_display()}{detail}")
    return "\n".join(lines) + "\n"


@dataclass
class Suggestion:
    category: str
    tickets: list[Ticket]
    words: list[str]


def suggest(user: Any, *, days: int = SUGGEST_DAYS) -> list[Suggestion]:
    """Groups of recent look-alike tickets (same category, subjects with token Jaccard ≥ 0.5)
    not yet under a problem, from the newest SUGGEST_WINDOW tickets the user may see."""
    since = clock.now() - dt.timedelta(days=days)
    under_problem = TicketLink.objects.filter(kind=LinkKind.PARENT).values("target_id")
    recent = list(
        policy.visible_tickets(user)
        .filter(created_at__gte=since, merged_into__isnull=True, category__isnull=False)
        .exclude(ticket_type__key=PROBLEM_TYPE)
        .exclude(pk__in=under_problem)
        .select_related("category")
        .only("number", "subject", "category__path", "category__name", "created_at")
        .order_by("-created_at", "-id")[:SUGGEST_WINDOW]
    )
    by_category: dict[int, list[tuple[Ticket, set[str]]]] = {}
    for ticket in recent:
        assert ticket.category_id is not None
        by_category.setdefault(ticket.category_id, []).append((ticket, set(tokens(ticket.subject))))
    out = []
    for members in by_category.values():
        parent = list(range(len(members)))

        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                if jaccard(members[i][1], members[j][1]) >= SUGGEST_THRESHOLD:
                    parent[_find(parent, i)] = _find(parent, j)
        groups: dict[int, list[int]] = {}
        for i in range(len(members)):
            groups.setdefault(_find(parent, i), []).append(i)
        for indexes in groups.values():
            if len(indexes) < 2:
                continue
            tickets = [members[i][0] for i in indexes]
            common = set.intersection(*(members[i][1] for i in indexes))
            out.append(
                Suggestion(
                    category=str(tickets[0].category),
                    tickets=sorted(tickets, key=lambda t: t.created_at),
                    words=sorted(common),
                )
            )
    return sorted(out, key=lambda s: -len(s.tickets))


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def create_problem(*, actor: User, subject: str, incident_numbers: list[int]) -> Ticket:
    """Open a problem ticket (the acting agent is its requester) and link the incidents."""
    policy.require(actor, policy.CREATE_FOR_OTHERS)
    problem_type = TicketType.objects.filter(key=PROBLEM_TYPE).first()
    if problem_type is None:
        raise ValidationFailed(_("The ticket type 'problem' does not exist."))
    found = list(
        policy.visible_tickets(actor).filter(number__in=incident_numbers).order_by("created_at")
    )
    if not found:
        raise ValidationFailed(_("Choose at least one incident."))
    first = found[0]
    requester = get_or_create_contact(actor.email, actor.display_name) if actor.email else None
    problem = actions.open_ticket(
        requester=requester or first.requester,
        subject=subject or first.subject,
        body=_("Problem record grouping %(n)s incidents.") % {"n": len(found)},
        channel=Channel.AGENT,
        actor=actor,
        team=first.team,
        ticket_type=problem_type,
        category=first.category,
    )
    for incident in found:
        link_incident(problem, incident, actor=actor)
    return problem
