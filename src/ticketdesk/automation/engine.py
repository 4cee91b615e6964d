"""The rule engine: evaluate enabled rules of a trigger in order, run the steps of those that
match, and leave a trace of every evaluation.

Loop protection. Changes made by rules publish outbox rows like any other change; the engine
stamps those rows with `payload["automation"] = {"depth": n, "chain": [rule ids]}`. A rule
does not act when the change it reacts to was (transitively) caused by itself, when the
chain is MAX_DEPTH long, or when it already fired MAX_FIRINGS times for the ticket within
FIRING_WINDOW (the last guard also covers paths that lose the stamp, such as SLA events
computed from a rule's change). Each refusal is recorded in the trace.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from ticketdesk.core import clock, outbox
from ticketdesk.tickets.actions.base import record
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, EventKind, Ticket

from . import conditions, fields, steps
from .conditions import Context
from .models import Rule, RuleExecution, RuleRun, TimeAnchor, Trigger

logger = logging.getLogger(__name__)

MAX_DEPTH = 3
MAX_FIRINGS = 5
FIRING_WINDOW = dt.timedelta(minutes=10)
TIME_RULE_BATCH = 500
TIME_RULE_MAX_PER_RUN = 5000
# stay under the 5-minute schedule so that runs do not pile up
TIME_RULE_BUDGET_SECONDS = 240.0

# Joined up front: what nearly every evaluation reads. Other relations load on first use
# (one primary-key query each); joining all of them costs more in PostgreSQL planning time
# (~20 ms for nine tables under load) than it saves.
TICKET_RELATED = ("status", "requester")


def load_ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.select_related(*TICKET_RELATED).filter(pk=ticket_id).first()


def rules_for(trigger: str) -> list[Rule]:
    """The enabled rules of a trigger, in order (loaded once per consumer batch)."""
    return outbox.batch_cached(  # type: ignore[no-any-return]
        ("automation.rules", trigger),
        lambda: list(
            Rule.objects.filter(trigger=trigger, enabled=True)
            .select_related("created_by")
            .order_by("order", "id")
        ),
    )


def context_from_payload(trigger: str, payload: dict[str, Any]) -> Context:
    marker = payload.get("automation") or {}
    return Context(
        trigger=trigger,
        changes=list(payload.get("changes") or []),
        version=payload.get("version"),
        payload=payload,
        depth=int(marker.get("depth") or 0),
        chain=[int(r) for r in marker.get("chain") or []],
    )


# ---------------------------------------------------------------- running rules


def handle(
    trigger: str, ticket_id: int, context: Context, *, source_message_id: int | None = None
) -> list[RuleExecution]:
    """Evaluate every enabled rule of `trigger` against the ticket, in order."""
    rules = rules_for(trigger)
    if not rules:
        return []
    ticket = load_ticket(ticket_id)
    if ticket is None or ticket.merged_into_id is not None:
        return []
    executions: list[RuleExecution] = []
    for rule in rules:
        if (
            source_message_id is not None
            and RuleExecution.objects.filter(
                rule=rule, source_message_id=source_message_id
            ).exists()
        ):
            continue  # this outbox row was handled before (redelivery)
        execution = run_rule(rule, ticket, context, source_message_id=source_message_id)
        if execution is None:
            continue
        executions.append(execution)
        if execution.matched and not execution.skipped_reason:
            ticket = load_ticket(ticket_id) or ticket
            if rule.stop_processing:
                break
    return executions


def loop_guard(rule: Rule, ticket: Ticket, context: Context) -> str:
    """Why the rule must not act now ("" when it may)."""
    if rule.pk in context.chain:
        return _("Loop protection: this change was caused by this rule.")
    if context.depth >= MAX_DEPTH:
        return _("Loop protection: %(n)s rules already acted in a chain.") % {"n": context.depth}
    recent = RuleExecution.objects.filter(
        rule=rule,
        ticket=ticket,
        matched=True,
        skipped_reason="",
        created_at__gte=clock.now() - FIRING_WINDOW,
    ).count()
    if recent >= MAX_FIRINGS:
        return _("Loop protection: fired %(n)s times for this ticket in %(m)s minutes.") % {
            "n": recent,
            "m": int(FIRING_WINDOW.total_seconds() // 60),
        }
    return ""


def run_rule(
    rule: Rule,
    ticket: Ticket,
    context: Context,
    *,
    source_message_id: int | None = None,
    trace_misses: bool = True,
) -> RuleExecution | None:
    """Evaluate one rule; act if it matches; write the trace."""
    started = time.perf_counter()
    matched, report = conditions.evaluate(rule.conditions or {}, ticket, context)
    if not matched and not trace_misses:
        return None
    skipped = loop_guard(rule, ticket, context) if matched else ""
    taken: list[dict[str, Any]] = []
    errors: list[str] = []
    if matched and not skipped:
        taken, errors, ticket = perform(rule, ticket, context)
    execution = RuleExecution.objects.create(
        rule=rule,
        ticket=ticket,
        trigger=context.trigger,
        source_message_id=source_message_id,
        matched=matched,
        skipped_reason=skipped[:200],
        condition_results=[report],
        actions_taken=taken,
        errors=errors,
        depth=context.depth,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        created_at=clock.now(),
    )
    if matched and not skipped:
        Rule.objects.filter(pk=rule.pk).update(
            fire_count=F("fire_count") + 1, last_fired_at=clock.now()
        )
        _record_fired(rule, ticket, context, execution, taken)
    return execution


def perform(rule: Rule, ticket: Ticket, context: Context) -> tuple[list[dict], list[str], Ticket]:
    """Run the rule's steps as the system, each in its own savepoint: a failing step is
    reported and the others still run. Events the steps publish carry the loop marker."""
    marker = {"depth": context.depth + 1, "chain": [*context.chain, rule.pk], "rule_id": rule.pk}
    step_context = steps.StepContext(actor=None, rule_author=rule.created_by, source=rule.name)
    taken: list[dict[str, Any]] = []
    errors: list[str] = []
    current = ticket
    for index, step in enumerate(rule.actions or []):
        if index:
            current = load_ticket(ticket.pk) or current
        entry: dict[str, Any] = {"type": step.get("type"), "step": steps.describe(step)}
        try:
            with transaction.atomic(), outbox.stamped({"automation": marker}):
                entry["summary"] = steps.run_step(step, current, step_context)
            entry["ok"] = True
        except Exception as exc:
            message = str(getattr(exc, "message", "") or exc) or type(exc).__name__
            entry.update(ok=False, error=message)
            errors.append(f"{entry['step']}: {message}")
            logger.info("rule %s step %s failed on ticket %s: %s", rule.pk, step, ticket.pk, exc)
        taken.append(entry)
    return taken, errors, load_ticket(ticket.pk) or current


def _record_fired(
    rule: Rule, ticket: Ticket, context: Context, execution: RuleExecution, taken: list[dict]
) -> None:
    done = [str(t["summary"]) for t in taken if t.get("ok")]
    failed = [str(t["step"]) for t in taken if not t.get("ok")]
    summary = _("Rule “%(rule)s”: %(done)s") % {
        "rule": rule.name,
        "done": "; ".join(done) or _("no action succeeded"),
    }
    record(
        ticket,
        EventKind.RULE_FIRED,
        None,
        data={
            "rule_id": rule.pk,
            "rule": rule.name,
            "trigger": context.trigger,
            "execution_id": execution.pk,
            "actions": done,
            "failed": failed,
            "summary": summary,
        },
    )


# ---------------------------------------------------------------- dry runs


@dataclass
class DryRun:
    rule: Rule
    matched: bool
    report: dict[str, Any]
    would_do: list[str] = field(default_factory=list)
    skipped_reason: str = ""


def dry_run(rule: Rule, ticket: Ticket, context: Context | None = None) -> DryRun:
    """What the rule would do to the ticket now, without changing anything. For update
    triggers the ticket's most recent change stands for the change being handled."""
    context = context or conditions.latest_change_context(ticket, rule.trigger)
    matched, report = conditions.evaluate(rule.conditions or {}, ticket, context)
    if rule.trigger == Trigger.TIME and rule.time_anchor and rule.time_hours:
        matched, report = _with_time_condition(rule, ticket, matched, report)
    skipped = loop_guard(rule, ticket, context) if matched else ""
    return DryRun(
        rule=rule,
        matched=matched,
        report=report,
        would_do=[steps.describe(s) for s in rule.actions or []] if matched else [],
        skipped_reason=skipped,
    )


def _with_time_condition(
    rule: Rule, ticket: Ticket, matched: bool, report: dict
) -> tuple[bool, dict]:
    anchor = getattr(ticket, rule.time_anchor, None)
    due = anchor is not None and anchor <= clock.now() - dt.timedelta(hours=rule.time_hours or 0)
    fired = (
        anchor is not None
        and RuleRun.objects.filter(rule=rule, ticket=ticket, anchor_at=anchor).exists()
    )
    leaf = {
        "field": rule.time_anchor,
        "operator": "hours_ago",
        "value": str(rule.time_hours),
        "actual": anchor.isoformat() if anchor else "—",
        "result": bool(due and not fired and ticket.is_open),
    }
    if fired:
        leaf["error"] = _("Already fired for this ticket in this window.")
    combined = {"match": "all", "result": matched and leaf["result"], "conditions": [leaf, report]}
    return bool(combined["result"]), combined


def dry_run_all(ticket: Ticket, trigger: str | None = None) -> list[DryRun]:
    qs = Rule.objects.filter(enabled=True).order_by("order", "id")
    if trigger:
        qs = qs.filter(trigger=trigger)
    return [dry_run(rule, ticket) for rule in qs]


# ---------------------------------------------------------------- time-based rules


def run_time_rules(
    limit_per_rule: int = TIME_RULE_MAX_PER_RUN, budget_seconds: float = TIME_RULE_BUDGET_SECONDS
) -> int:
    """Fire time-based rules for open tickets whose anchor is old enough, once per ticket
    per anchor value. Candidates come from an indexed range query in id batches; only
    matches are traced (misses would be re-checked every few minutes)."""
    fired = 0
    now = clock.now()
    deadline = time.monotonic() + budget_seconds
    for rule in Rule.objects.filter(trigger=Trigger.TIME, enabled=True).exclude(time_anchor=""):
        if not rule.time_hours or rule.time_anchor not in TimeAnchor.values:
            continue
        cutoff = now - dt.timedelta(hours=rule.time_hours)
        fired += _run_time_rule(rule, cutoff, limit_per_rule, deadline)
    return fired


def prefilter(tree: dict[str, Any]) -> Q:
    """SQL implied by the top-level "all" leaves the database can check directly (status
    category, levels, channel, unassigned), so that time rules scan only likely candidates.
    The full tree is still evaluated for each candidate."""
    condition = Q()
    if tree.get("match", "all") != "all":
        return condition
    for leaf in tree.get("conditions", []):
        if "conditions" in leaf or leaf.get("operator") not in ("is", "in"):
            continue
        key = leaf.get("field")
        values = conditions.split_values(str(leaf.get("value", "")))
        if key in ("status_category", "channel"):
            condition &= Q(**{f"{key}__in": values})
        elif key in ("priority", "urgency", "impact"):
            levels = [fields.parse_level(v) for v in values]
            if None not in levels:
                condition &= Q(**{f"{key}__in": levels})
        elif key == "assignee" and leaf.get("operator") == "is" and values in (["none"], []):
            condition &= Q(assignee__isnull=True)
    return condition


def _run_time_rule(rule: Rule, cutoff: dt.datetime, limit: int, deadline: float) -> int:
    """Scan candidates in id order from the rule's cursor; at most `limit` per run, so a
    run stays bounded and the next run continues where this one stopped."""
    anchor = rule.time_anchor
    already = RuleRun.objects.filter(rule=rule, ticket=OuterRef("pk"), anchor_at=OuterRef(anchor))
    candidates = (
        Ticket.objects.filter(status_category__in=ACTIVE_CATEGORIES, **{f"{anchor}__lte": cutoff})
        .filter(prefilter(rule.conditions or {}))
        .filter(merged_into__isnull=True)
        .exclude(Exists(already))
        .order_by("id")
    )
    fired, seen, last_id = 0, 0, rule.time_cursor
    while seen < limit and time.monotonic() < deadline:
        batch = list(
            candidates.filter(pk__gt=last_id).values_list("pk", anchor)[
                : min(TIME_RULE_BATCH, limit - seen)
            ]
        )
        if not batch:
            last_id = 0  # reached the end: the next run starts from the beginning
            break
        for ticket_id, anchor_at in batch:
            if time.monotonic() >= deadline:
                break
            seen += 1
            last_id = ticket_id
            if _fire_time_rule(rule, ticket_id, anchor_at):
                fired += 1
    Rule.objects.filter(pk=rule.pk).update(time_cursor=last_id)
    return fired


def _fire_time_rule(rule: Rule, ticket_id: int, anchor_at: dt.datetime) -> bool:
    ticket = load_ticket(ticket_id)
    if ticket is None:
        return False
    context = Context(trigger=Trigger.TIME, version=ticket.version)
    try:
        with transaction.atomic():
            matched, _report = conditions.evaluate(rule.conditions or {}, ticket, context)
            if not matched:
                return False
            RuleRun.objects.create(
                rule=rule, ticket=ticket, anchor_at=anchor_at, fired_at=clock.now()
            )
            run_rule(rule, ticket, context, trace_misses=False)
    except IntegrityError:  # another worker fired it for this window
        return False
    return True


# ---------------------------------------------------------------- housekeeping

TRACE_DAYS = 30
PURGE_BATCH = 5000


def purge_traces(days: int = TRACE_DAYS) -> int:
    """Delete traces of evaluations that did not act, older than `days`, in batches (the
    rule_fired TicketEvents keep the history of what rules did)."""
    cutoff = clock.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            RuleExecution.objects.filter(created_at__lt=cutoff, matched=False).values_list(
                "pk", flat=True
            )[:PURGE_BATCH]
        )
        if not ids:
            return deleted
        deleted += RuleExecution.objects.filter(pk__in=ids).delete()[0]
