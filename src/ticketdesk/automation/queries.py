"""Reads of the automation app, shaped for their pages and filtered by the policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import config_cache
from ticketdesk.core.errors import NotFound, PermissionDenied
from ticketdesk.tickets import canned as canned_responses
from ticketdesk.tickets import queries as ticket_queries
from ticketdesk.tickets.models import CannedResponse, Ticket

from .models import Macro, Rule, RuleExecution

LOG_LIMIT = 50


def rules() -> QuerySet[Rule]:
    return Rule.objects.select_related("created_by").order_by("order", "id")


def rule(pk: int) -> Rule:
    found = Rule.objects.select_related("created_by").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This rule does not exist."))
    return found


def rule_executions(rule: Rule, limit: int = LOG_LIMIT) -> list[RuleExecution]:
    return list(
        RuleExecution.objects.filter(rule=rule)
        .select_related("ticket")
        .only("id", "rule_id", "ticket__id", "ticket__number", "ticket__subject", *_TRACE)
        .order_by("-created_at", "-id")[:limit]
    )


_TRACE = (
    "trigger",
    "matched",
    "skipped_reason",
    "condition_results",
    "actions_taken",
    "errors",
    "depth",
    "duration_ms",
    "created_at",
)


def ticket_for_automation(user: Any, number: int | str) -> Ticket:
    """A ticket whose automation log `user` may read (VIEW_INTERNAL)."""
    ticket = ticket_queries.ticket_detail(user, number)
    if not policy.can(user, policy.VIEW_INTERNAL, ticket):
        raise PermissionDenied(_("You are not allowed to do this."))
    return ticket


def executions_for_ticket(ticket: Ticket, limit: int = LOG_LIMIT) -> list[RuleExecution]:
    return list(
        RuleExecution.objects.filter(ticket=ticket)
        .select_related("rule")
        .only("id", "ticket_id", "rule__id", "rule__name", *_TRACE)
        .order_by("-created_at", "-id")[:limit]
    )


def macros_available_to(user: Any) -> QuerySet[Macro]:
    """Active macros `user` may apply (the policy's scope): shared ones, their teams' and
    their own."""
    scope = policy.macro_scope(user)
    if scope is None:
        return Macro.objects.none()
    return Macro.objects.filter(active=True).filter(scope).order_by("name", "id")


def macros_manageable_by(user: Any) -> QuerySet[Macro]:
    qs = Macro.objects.select_related("team", "owner").order_by("name", "id")
    scope = policy.manageable_macro_scope(user)
    return qs.none() if scope is None else qs.filter(scope)


def macros_for_ticket(user: Any, ticket: Ticket, limit: int = 100) -> list[Macro]:
    """The macros `user` can apply to `ticket` (light agents: only note-adding ones)."""
    if not policy.can(user, policy.VIEW, ticket):
        return []
    if policy.is_light_agent(user) and not policy.can(user, policy.ADD_NOTE, ticket):
        return []
    usable = [m for m in active_macros() if policy.can(user, policy.APPLY_MACRO, m)]
    return usable[:limit]


def active_macros() -> list[Macro]:
    """Every active macro by name, from the per-process configuration cache (a save or
    delete of a macro clears it); `policy.can(user, APPLY_MACRO, macro)` picks a user's."""
    return config_cache.cached(
        "automation:active-macros",
        lambda: list(Macro.objects.filter(active=True).order_by("name", "id")),
    )


def macro_replies(user: Any, ticket: Ticket, limit: int = 50) -> list[tuple[str, str]]:
    """(macro name, reply text) of the macros `user` may apply to `ticket` that post a
    public reply (a canned step): the text is what the macro would post, its placeholders
    filled for this ticket and this agent, for a composer to insert (the chat console). The
    macros' other steps are not run by inserting. Two queries, however many macros."""
    macros = macros_for_ticket(user, ticket, limit)
    wanted = {
        m.pk: [
            str(step.get("value", "")).strip()
            for step in m.actions or []
            if isinstance(step, dict) and step.get("type") == "canned"
        ]
        for m in macros
    }
    values = {v for found in wanted.values() for v in found if v}
    if not values:
        return []
    ids = [int(v) for v in values if v.isdigit() and len(v) < 10]
    rows = list(
        CannedResponse.objects.annotate(lower_title=Lower("title"))
        .filter(Q(pk__in=ids) | Q(lower_title__in=[v.lower() for v in values]))
        .order_by("id")
    )
    by_id = {str(row.pk): row for row in rows}
    by_title: dict[str, CannedResponse] = {}
    for row in rows:
        by_title.setdefault(row.title.lower(), row)
    replies = []
    for macro in macros:
        found = [by_title.get(v.lower()) or by_id.get(v) for v in wanted[macro.pk]]
        texts = [canned_responses.render_canned(c, ticket, user) for c in found if c is not None]
        if texts:
            replies.append((macro.name, "\n\n".join(texts)))
    return replies


SUGGESTION_LIMIT = 200


def value_suggestions() -> dict[str, list[tuple[str, str]]]:
    """(value, label) of known values per condition field, for the builder's autocomplete
    lists (bounded); statuses, types, categories and business areas are labelled in the
    viewer's language, their values stay the keys and names that conditions match."""
    from ticketdesk.accounts.models import Organization, Team, User
    from ticketdesk.tickets import display, workflow
    from ticketdesk.tickets.models import (
        BusinessArea,
        Category,
        Channel,
        Level,
        SLAState,
        StatusCategory,
        TicketType,
    )

    n = SUGGESTION_LIMIT

    def plain(values: Any) -> list[tuple[str, str]]:
        return [(str(v), "") for v in values]

    levels = [(str(level.name).lower(), str(level.label)) for level in Level]
    # the value a rule stores is the user name; the list shows the person ("Ana Souza (ana)")
    agents = [
        (person.username, f"{person.display_name} ({person.username})")
        if person.get_full_name()
        else (person.username, "")
        for person in User.objects.filter(is_active=True, role__in=("admin", "agent"))
        .order_by("first_name", "last_name", "username")
        .only("username", "first_name", "last_name")[:n]
    ]
    category_names = display.names_of("category")
    return {
        "status": [(s.key, str(s)) for s in workflow.all_statuses() if s.active][:n],
        "status_category": [(str(v), str(label)) for v, label in StatusCategory.choices],
        "priority": levels,
        "urgency": levels,
        "impact": levels,
        "team": plain(Team.objects.order_by("name").values_list("name", flat=True)[:n]),
        "assignee": [("none", ""), *agents],
        "ticket_type": [(t.key, str(t)) for t in TicketType.objects.order_by("order", "id")[:n]],
        "category": [
            (path, category_names.get(pk, path))
            for pk, path in Category.objects.values_list("pk", "path")[:n]
        ],
        "business_area": [(a.name, str(a)) for a in BusinessArea.objects.all()[:n]],
        "channel": [(str(v), str(label)) for v, label in Channel.choices],
        "organization": plain(
            Organization.objects.order_by("name").values_list("name", flat=True)[:n]
        ),
        "sla_state": [(str(v), str(label)) for v, label in SLAState.choices],
        "escalation_level": plain(["0", "1", "2"]),
        "sla_metric": plain(["first_response", "next_response", "resolution"]),
        "within_business_hours": plain(["yes", "no"]),
        "agents": agents,
    }
