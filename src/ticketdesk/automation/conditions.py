"""Rule conditions: a tree of all/any groups whose leaves compare one ticket field.

    {"match": "all", "conditions": [
        {"field": "team", "operator": "is", "value": "Network"},
        {"match": "any", "conditions": [
            {"field": "subject", "operator": "contains", "value": "vpn"},
            {"field": "tags", "operator": "contains", "value": "vpn"}]}]}

Evaluation never short-circuits: every leaf is evaluated and reported, so a trace (or a dry
run) shows exactly which condition held and which did not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets.models import Level, Ticket, TicketEvent

from .fields import (
    BOOL,
    CHOICE,
    EMPTY,
    LEVEL,
    LIST,
    NUMBER,
    TEXT,
    FieldSpec,
    level_aliases,
    model_aliases,
    parse_level,
    spec_for,
)

OPERATORS: dict[str, Any] = {
    "is": gettext_lazy("is"),
    "is_not": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "gt": gettext_lazy("greater than"),
    "lt": gettext_lazy("less than"),
    "changed": gettext_lazy("changed"),
    "changed_to": gettext_lazy("changed to"),
    "changed_from": gettext_lazy("changed from"),
}
CHANGE_OPERATORS = {"changed", "changed_to", "changed_from"}
ORDER_OPERATORS = {"gt", "lt"}
MAX_DEPTH = 4
MAX_LEAVES = 50


@dataclass
class Context:
    """What the rule is evaluated for: the trigger and, for updates, which change."""

    trigger: str
    changes: list[str] = field(default_factory=list)
    version: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    depth: int = 0
    chain: list[int] = field(default_factory=list)
    _events: list[TicketEvent] | None = None

    def events(self, ticket: Ticket) -> list[TicketEvent]:
        """The events of the change being handled (those recorded at `version`)."""
        if self._events is None:
            if self.version is None:
                self._events = []
            else:
                self._events = list(
                    TicketEvent.objects.filter(ticket=ticket, data__version=self.version).order_by(
                        "id"
                    )
                )
        return self._events


def latest_change_context(ticket: Ticket, trigger: str) -> Context:
    """A context for a dry run: the ticket's most recent change stands for 'the update'."""
    context = Context(trigger=trigger, version=ticket.version)
    fields = {e.field for e in context.events(ticket) if e.field}
    if "status" in fields:
        fields.add("status_category")
    context.changes = sorted(fields)
    return context


# ---------------------------------------------------------------- validation


def validate_tree(tree: Any) -> dict[str, Any]:
    """Return a clean copy of a condition tree or raise ValidationFailed."""
    leaves = [0]

    def clean(node: Any, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise ValidationFailed(_("A condition must be an object."))
        if "conditions" in node or "match" in node:
            if depth > MAX_DEPTH:
                raise ValidationFailed(_("Conditions are nested too deeply."))
            match = node.get("match", "all")
            if match not in ("all", "any"):
                raise ValidationFailed(_("A group matches 'all' or 'any'."))
            children = node.get("conditions") or []
            if not isinstance(children, list):
                raise ValidationFailed(_("A group holds a list of conditions."))
            return {"match": match, "conditions": [clean(c, depth + 1) for c in children]}
        leaves[0] += 1
        if leaves[0] > MAX_LEAVES:
            raise ValidationFailed(_("A rule can have at most %(n)s conditions.") % {"n": 50})
        return clean_leaf(node)

    if tree in (None, {}, []):
        return {"match": "all", "conditions": []}
    return clean(tree, 0)


def clean_leaf(node: dict[str, Any]) -> dict[str, Any]:
    key = str(node.get("field", ""))
    operator = str(node.get("operator", ""))
    value = node.get("value", "")
    value = "" if value is None else str(value).strip()
    spec = spec_for(key)
    if spec is None:
        raise ValidationFailed(
            _("Unknown field “%(f)s”.") % {"f": key}, fields={"field": [_("Unknown field.")]}
        )
    if operator not in OPERATORS:
        raise ValidationFailed(
            _("Unknown operator “%(o)s”.") % {"o": operator},
            fields={"operator": [_("Unknown operator.")]},
        )
    if operator in CHANGE_OPERATORS and not spec.event_field:
        raise ValidationFailed(
            _("Changes of “%(f)s” are not tracked.") % {"f": spec.label},
            fields={"operator": [_("Not available for this field.")]},
        )
    if operator in ORDER_OPERATORS and spec.kind in (CHOICE, LIST, BOOL):
        raise ValidationFailed(
            _("“%(f)s” cannot be compared with greater or less than.") % {"f": spec.label},
            fields={"operator": [_("Not available for this field.")]},
        )
    if operator in ORDER_OPERATORS and spec.kind == NUMBER:
        try:
            float(value)
        except ValueError:
            raise ValidationFailed(
                _("Enter a number for “%(f)s”.") % {"f": spec.label},
                fields={"value": [_("Enter a number.")]},
            ) from None
    if spec.kind == LEVEL and operator not in ("changed",) and value:
        for part in split_values(value) if operator in ("in", "not_in") else [value]:
            if parse_level(part) is None:
                raise ValidationFailed(
                    _("Use low, medium, high or critical for “%(f)s”.") % {"f": spec.label},
                    fields={"value": [_("Unknown level.")]},
                )
    if operator != "changed" and value == "" and spec.kind in (NUMBER, LEVEL, BOOL):
        raise ValidationFailed(
            _("Enter a value for “%(f)s”.") % {"f": spec.label},
            fields={"value": [_("This field is required.")]},
        )
    return {"field": key, "operator": operator, "value": value}


# ---------------------------------------------------------------- evaluation


def evaluate(tree: dict[str, Any], ticket: Ticket, context: Context) -> tuple[bool, dict]:
    """Return (matched, report). The report mirrors the tree with a `result` on every node
    and the ticket's `actual` value on every leaf."""
    if "conditions" in tree or "match" in tree:
        children = [evaluate(child, ticket, context) for child in tree.get("conditions", [])]
        results = [matched for matched, _report in children]
        if tree.get("match", "all") == "any":
            matched = any(results) if results else True
        else:
            matched = all(results)
        report = {
            "match": tree.get("match", "all"),
            "result": matched,
            "conditions": [r for _m, r in children],
        }
        return matched, report
    return evaluate_leaf(tree, ticket, context)


def evaluate_leaf(leaf: dict[str, Any], ticket: Ticket, context: Context) -> tuple[bool, dict]:
    report: dict[str, Any] = {
        "field": leaf.get("field"),
        "operator": leaf.get("operator"),
        "value": leaf.get("value", ""),
    }
    spec = spec_for(str(leaf.get("field", "")))
    try:
        if spec is None:
            raise ValueError(_("Unknown field."))
        operator = str(leaf.get("operator"))
        value = str(leaf.get("value", "") or "")
        if operator in CHANGE_OPERATORS:
            matched, actual = _evaluate_change(spec, operator, value, ticket, context)
        else:
            raw = payload_value(spec.key, context) if spec.key in PAYLOAD_FIELDS else None
            if spec.key not in PAYLOAD_FIELDS:
                raw = spec.read(ticket)
            actual = display(raw) if spec.kind != LEVEL or raw is None else _level_name(raw)
            matched = compare(spec.kind, raw, operator, value)
    except Exception as exc:  # a broken condition is reported, never raised
        report.update(result=False, error=str(exc) or type(exc).__name__)
        return False, report
    report.update(result=matched, actual=actual)
    return matched, report


PAYLOAD_FIELDS = {"sla_metric", "sla_alert_hours"}


def payload_value(key: str, context: Context) -> Any:
    """Fields read from the event rather than the ticket (SLA triggers)."""
    if key == "sla_metric":
        return context.payload.get("metric")
    at = context.payload.get("at")
    if not at:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(at))
    except ValueError:
        return None
    return (clock.now() - moment).total_seconds() / 3600


def _level_name(raw: Any) -> str:
    try:
        return str(Level(int(raw)).label)
    except (TypeError, ValueError):
        return str(raw)


def display(raw: Any) -> str:
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, set):
        return ", ".join(sorted(raw)) or "—"
    if isinstance(raw, bool):
        return str(_("yes") if raw else _("no"))
    if isinstance(raw, float):
        return f"{raw:.1f}"
    return str(raw)


def split_values(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


def aliases(kind: str, raw: Any) -> set[str]:
    if raw is None or raw == "":
        return set(EMPTY)
    if isinstance(raw, Model):
        return model_aliases(raw)
    if kind == LEVEL:
        return level_aliases(raw)
    if isinstance(raw, set):
        return {str(v).lower() for v in raw}
    if isinstance(raw, dict) and "id" in raw:
        return {str(raw["id"]), str(raw.get("label", "")).lower()}
    return {str(raw).strip().lower()}


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "y", "on", str(_("yes")).lower())


def _number(raw: Any) -> float | None:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None


def compare(kind: str, raw: Any, operator: str, value: str) -> bool:
    negate = operator in ("is_not", "not_in", "not_contains")
    base = {"is_not": "is", "not_in": "in", "not_contains": "contains"}.get(operator, operator)
    result = _compare(kind, raw, base, value)
    return not result if negate else result


def _compare(kind: str, raw: Any, operator: str, value: str) -> bool:
    wanted = value.strip().lower()
    if kind == BOOL:
        if operator in ("is", "in"):
            return bool(raw) == _parse_bool(value)
        raise ValueError(_("Use “is” with yes or no."))
    if operator in ("gt", "lt"):
        if kind == LEVEL:
            level = parse_level(value)
            if level is None or raw is None:
                return False
            return raw > level if operator == "gt" else raw < level
        left, right = _number(raw), _number(value)
        if left is None or right is None:
            return False
        return left > right if operator == "gt" else left < right
    if kind == NUMBER:
        left, right = _number(raw), _number(value)
        if operator == "is":
            return left is not None and right is not None and left == right
        if operator == "in":
            return left is not None and any(_number(v) == left for v in split_values(value))
        raise ValueError(_("Use is, greater than or less than with numbers."))
    if kind == TEXT:
        text = "" if raw is None else str(raw).lower()
        if operator == "is":
            return text == wanted
        if operator == "in":
            return text in split_values(value)
        if operator == "contains":
            return wanted in text
    if kind == LIST:
        names = aliases(kind, raw) if raw else set()
        if operator in ("is", "contains"):
            return wanted in names
        if operator == "in":
            return any(v in names for v in split_values(value))
    if kind in (CHOICE, LEVEL):
        known = aliases(kind, raw)
        if operator == "is":
            return wanted in known or (wanted in EMPTY and bool(known & EMPTY))
        if operator == "in":
            return any(v in known for v in split_values(value))
        if operator == "contains":
            return any(wanted in name for name in known if name not in EMPTY)
    raise ValueError(_("This operator does not apply to this field."))


def _evaluate_change(
    spec: FieldSpec, operator: str, value: str, ticket: Ticket, context: Context
) -> tuple[bool, str]:
    """changed / changed to / changed from, read from the change's outbox payload and the
    events recorded at its version."""
    if spec.key == "status_category":
        return _status_category_change(operator, value, ticket, context)
    events = [e for e in context.events(ticket) if e.field == spec.event_field]
    custom_key = spec.key.partition(".")[2] if spec.event_field == "custom_fields" else ""
    pairs: list[tuple[Any, Any]] = []
    for event in events:
        old, new = event.old_value, event.new_value
        if custom_key:
            old = (old or {}).get(custom_key)
            new = (new or {}).get(custom_key)
            if old == new:
                continue
        pairs.append((old, new))
    if operator == "changed":
        changed = bool(pairs) or (
            not custom_key and not events and spec.event_field in context.changes
        )
        return changed, display_pairs(pairs) or (str(_("changed")) if changed else "—")
    if spec.kind == LIST:  # tags: "changed to vip" = vip was added
        wanted = value.strip().lower()
        for old, new in pairs:
            before = {str(n).lower() for n in old or []}
            after = {str(n).lower() for n in new or []}
            if operator == "changed_to" and wanted in after - before:
                return True, display_pairs(pairs)
            if operator == "changed_from" and wanted in before - after:
                return True, display_pairs(pairs)
        return False, display_pairs(pairs) or "—"
    index = 1 if operator == "changed_to" else 0
    for pair in pairs:
        if _value_matches(spec, pair[index], value):
            return True, display_pairs(pairs)
    return False, display_pairs(pairs) or "—"


def _value_matches(spec: FieldSpec, stored: Any, value: str) -> bool:
    wanted = value.strip().lower()
    if isinstance(stored, dict) and "id" in stored and spec.model is not None:
        obj = spec.model._default_manager.filter(pk=stored["id"]).first()
        known = model_aliases(obj) | aliases(spec.kind, stored)
    else:
        known = aliases(spec.kind, stored)
    return wanted in known or (wanted in EMPTY and bool(known & EMPTY))


def _status_category_change(
    operator: str, value: str, ticket: Ticket, context: Context
) -> tuple[bool, str]:
    moves = [
        (e.data.get("from_category"), e.data.get("to_category"))
        for e in context.events(ticket)
        if e.field == "status" and e.data.get("from_category") != e.data.get("to_category")
    ]
    shown = display_pairs(moves)
    if operator == "changed":
        return bool(moves), shown or "—"
    index = 1 if operator == "changed_to" else 0
    wanted = value.strip().lower()
    return any(str(m[index]).lower() == wanted for m in moves), shown or "—"


def display_pairs(pairs: list[tuple[Any, Any]]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, dict) and "label" in v:
            return str(v["label"])
        if isinstance(v, list):
            return ", ".join(str(x) for x in v) or "—"
        return "—" if v in (None, "") else str(v)

    return "; ".join(f"{show(old)} → {show(new)}" for old, new in pairs)


def with_labels(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of an evaluation report with readable field and operator names."""
    if "conditions" in report:
        return {**report, "conditions": [with_labels(c) for c in report["conditions"]]}
    spec = spec_for(str(report.get("field", "")))
    operator = str(report.get("operator", ""))
    operator_label = OPERATORS.get(operator) or (
        _("is at least this many hours ago") if operator == "hours_ago" else operator
    )
    return {
        **report,
        "field_label": str(spec.label) if spec else report.get("field", ""),
        "operator_label": str(operator_label),
    }
