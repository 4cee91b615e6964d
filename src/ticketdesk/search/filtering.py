"""The small ticket query language shared by the workspace search box and `/api/v1/tickets?q=`.

    status:open priority:high assignee:me assignee:none tag:vpn team:"IT Support"
    type:incident category:Hardware requester:ana@example.org channel:email org:Acme
    escalated:yes escalated:>=2 is:escalated is:triage
    created:>2026-01-01 updated:2026-01-01..2026-02-01 -tag:spam "exact phrase" plain words

- `key:value`; quote values with spaces (`team:"IT Support"`); several values separated by
  commas mean OR (`status:open,pending`); a leading `-` negates (`-tag:spam`).
- Dates accept `>`, `>=`, `<`, `<=`, a day (`2026-01-02`) or a range (`a..b`).
- Levels (priority, urgency, impact) accept names or 1..4 and the same comparisons.
- `field.<key>:value` filters a custom field.
- Whatever is not `key:value` (words, "quoted phrases") is full text, handed to
  `ticketdesk.search.backend.search_tickets`.

`parse_query` only parses (no database); `apply_filters` turns the result into a QuerySet
filter. Unknown keys and malformed values raise ValidationFailed naming the culprit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import ids
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import display
from ticketdesk.tickets.models import (
    ACTIVE_CATEGORIES,
    Channel,
    Level,
    SLAState,
    StatusCategory,
    Ticket,
)

from .backend import search_tickets

KEYS = (
    "status",
    "priority",
    "urgency",
    "impact",
    "assignee",
    "tag",
    "team",
    "type",
    "category",
    "requester",
    "channel",
    "org",
    "created",
    "updated",
    "due",
    "resolved",
    "sla",
    "escalated",
    "is",
)
ALIASES = {
    "organization": "org",
    "tags": "tag",
    "state": "status",
    "ticket_type": "type",
    "from": "requester",
    "assigned": "assignee",
}
CUSTOM_PREFIX = "field."
DATE_KEYS = {
    "created": "created_at",
    "updated": "updated_at",
    "due": "due_at",
    "resolved": "resolved_at",
}
LEVEL_KEYS = ("priority", "urgency", "impact")
LEVEL_NAMES = {"low": 1, "medium": 2, "normal": 2, "high": 3, "critical": 4, "urgent": 4}

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?P<key>[A-Za-z_][\w.]*):(?:"(?P<qval>[^"]*)"?|(?P<val>\S*))"""
    r"""|"(?P<phrase>[^"]*)"?"""
    r"""|(?P<word>\S+)"""
)
_COMPARISON = re.compile(r"^(>=|<=|>|<)?(.*)$")


@dataclass(frozen=True)
class Term:
    key: str
    values: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        joined = ",".join(self.values)
        if any(ch.isspace() for ch in joined):
            joined = f'"{joined}"'
        return f"{'-' if self.negated else ''}{self.key}:{joined}"


@dataclass
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The free-text part, phrases quoted, as the search backend expects it."""
        parts = [f'"{p}"' for p in self.phrases] + self.words
        return " ".join(parts)

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.words or self.phrases)

    def values(self, key: str) -> list[str]:
        """Every value given for `key` (not negated)."""
        return [v for t in self.terms if t.key == key and not t.negated for v in t.values]

    def __str__(self) -> str:
        return " ".join([*(str(t) for t in self.terms), self.text]).strip()


def _invalid(message: str, key: str = "q") -> ValidationFailed:
    return ValidationFailed(message, fields={"q": [message]}, key=key)


def parse_query(text: str | None) -> ParsedQuery:
    """Split a query into field terms and free text. Raises ValidationFailed on unknown keys."""
    parsed = ParsedQuery()
    for match in _TOKEN.finditer((text or "").strip()[:1000]):
        if match.group("phrase") is not None:
            phrase = " ".join(match.group("phrase").split())
            if phrase:
                parsed.phrases.append(phrase)
            continue
        if match.group("word") is not None:
            parsed.words.append(match.group("word"))
            continue
        key = match.group("key").lower()
        key = ALIASES.get(key, key)
        raw = match.group("qval") if match.group("qval") is not None else match.group("val")
        if key not in KEYS and not (key.startswith(CUSTOM_PREFIX) and len(key) > 6):
            raise _invalid(
                _("Unknown search key “%(key)s”. Use one of: %(keys)s.")
                % {"key": key, "keys": ", ".join(KEYS)},
                key,
            )
        values = tuple(v.strip() for v in (raw or "").split(",") if v.strip())
        if not values:
            raise _invalid(_("The search key “%(key)s” needs a value.") % {"key": key}, key)
        parsed.terms.append(Term(key=key, values=values, negated=bool(match.group("neg"))))
    return parsed


# --- turning terms into Q objects -------------------------------------------------------


def _id(value: str) -> int:
    """An id typed in a search term; one no row can have is an error, not a crash."""
    number = ids.parse_id(value)
    if number is None:
        raise _invalid(_("“%(value)s” is not a valid id.") % {"value": value[:30]}, "id")
    return number


def _level(key: str, raw: str) -> Q:
    op, value = _split_comparison(raw)
    value = value.lower()
    number = LEVEL_NAMES.get(value) or ids.parse_id(value)
    if number not in Level.values:
        raise _invalid(
            _("“%(value)s” is not a valid %(key)s: use low, medium, high or critical.")
            % {"value": raw, "key": key},
            key,
        )
    lookup = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}.get(op, "exact")
    return Q(**{f"{key}__{lookup}": number})


def _split_comparison(raw: str) -> tuple[str, str]:
    match = _COMPARISON.match(raw)
    assert match is not None
    return match.group(1) or "", match.group(2).strip()


def _parse_day(key: str, value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid(
            _("“%(value)s” is not a date for %(key)s: use YYYY-MM-DD.")
            % {"value": value, "key": key},
            key,
        ) from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date(key: str, raw: str) -> Q:
    column = DATE_KEYS[key]
    if ".." in raw:
        start, end = raw.split("..", 1)
        q = Q()
        if start:
            q &= Q(**{f"{column}__gte": _parse_day(key, start)})
        if end:
            q &= Q(**{f"{column}__lt": _parse_day(key, end) + dt.timedelta(days=1)})
        return q
    op, value = _split_comparison(raw)
    day = _parse_day(key, value)
    next_day = day + dt.timedelta(days=1)
    if op == ">":
        return Q(**{f"{column}__gte": next_day})
    if op == ">=":
        return Q(**{f"{column}__gte": day})
    if op == "<":
        return Q(**{f"{column}__lt": day})
    if op == "<=":
        return Q(**{f"{column}__lt": next_day})
    return Q(**{f"{column}__gte": day, f"{column}__lt": next_day})


def _status(value: str) -> Q:
    value = value.lower()
    if value in ("active", "unsolved", "unresolved"):
        return Q(status_category__in=ACTIVE_CATEGORIES)
    if value in ("solved", "done"):
        return Q(status_category__in=[StatusCategory.RESOLVED, StatusCategory.CLOSED])
    if value in StatusCategory.values:
        return Q(status_category=value) | Q(status__key=value)
    # "pending", "Pending", "Pendente", "In attesa": keys and names in any language
    return Q(status__key=value) | Q(status_id__in=display.ids_named("status", value))


def _assignee(value: str, user: Any) -> Q:
    lowered = value.lower()
    if lowered == "me":
        return Q(assignee_id=getattr(user, "pk", None) or 0)
    if lowered in ("none", "nobody", "unassigned"):
        return Q(assignee__isnull=True)
    if "@" in value:
        return Q(assignee__email__iexact=value)
    return Q(assignee__username__iexact=value)


def _team(value: str, user: Any) -> Q:
    lowered = value.lower()
    if lowered == "none":
        return Q(team__isnull=True)
    if lowered in ("mine", "my"):
        from ticketdesk.accounts.models import TeamMembership

        mine = TeamMembership.objects.filter(user_id=getattr(user, "pk", None) or 0)
        return Q(team_id__in=mine.values("team_id"))
    if value.isdigit():
        return Q(team_id=_id(value))
    return Q(team__name__iexact=value) | Q(team__slug=lowered)


def _tag(value: str) -> Q:
    from ticketdesk.tickets.models import Tag

    if value.lower() == "none":
        return ~Q(pk__in=Ticket.tags.through.objects.values("ticket_id"))
    tags = Tag.objects.filter(name__iexact=value).values("pk")
    return Q(pk__in=Ticket.tags.through.objects.filter(tag_id__in=tags).values("ticket_id"))


def _category(value: str) -> Q:
    if value.lower() == "none":
        return Q(category__isnull=True)
    if value.isdigit():
        return Q(category_id=_id(value))
    return Q(category_id__in=display.ids_named("category", value))


def _requester(value: str) -> Q:
    if "@" in value:
        return Q(requester__email__iexact=value)
    return Q(requester__name__icontains=value) | Q(requester__email__istartswith=value)


def _channel(value: str) -> Q:
    value = value.lower()
    if value not in Channel.values:
        raise _invalid(
            _("Unknown channel “%(value)s”. Use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(Channel.values)},
            "channel",
        )
    return Q(channel=value)


def _org(value: str) -> Q:
    if value.lower() == "none":
        return Q(organization__isnull=True)
    if value.isdigit():
        return Q(organization_id=_id(value))
    return Q(organization__name__iexact=value)


def _type(value: str) -> Q:
    if value.lower() == "none":
        return Q(ticket_type__isnull=True)
    return Q(ticket_type__key=value.lower()) | Q(
        ticket_type_id__in=display.ids_named("ticket_type", value)
    )


def _sla(value: str) -> Q:
    value = value.lower().replace("-", "_")
    if value not in SLAState.values:
        raise _invalid(
            _("Unknown SLA state “%(value)s”. Use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(SLAState.values)},
            "sla",
        )
    return Q(sla_state=value)


def _is(value: str, user: Any) -> Q:
    value = value.lower()
    if value in ("open", "active", "unsolved"):
        return Q(status_category__in=ACTIVE_CATEGORIES)
    if value in ("solved", "closed", "done"):
        return Q(status_category__in=[StatusCategory.RESOLVED, StatusCategory.CLOSED])
    if value == "unassigned":
        return Q(assignee__isnull=True)
    if value in ("mine", "assigned"):
        return Q(assignee_id=getattr(user, "pk", None) or 0)
    if value == "watching":
        watched = Ticket.watchers.through.objects.filter(user_id=getattr(user, "pk", None) or 0)
        return Q(pk__in=watched.values("ticket_id"))
    if value == "overdue":
        return Q(sla_state=SLAState.BREACHED)
    if value == "escalated":
        return Q(escalation_level__gt=0)
    if value == "triage":
        return Q(team__isnull=True)
    raise _invalid(
        _(
            "Unknown “is:%(value)s”. Use open, solved, unassigned, mine, watching, overdue, "
            "escalated or triage."
        )
        % {"value": value},
        "is",
    )


def _escalated(value: str) -> Q:
    """escalated:yes / no, or a level (1: tier 2, 2: specialists / lead; >=1 ...)."""
    lowered = value.lower()
    if lowered in ("yes", "true", "any"):
        return Q(escalation_level__gt=0)
    if lowered in ("no", "false", "none", "0"):
        return Q(escalation_level=0)
    op, number = _split_comparison(lowered)
    if not number.isdigit() or len(number) > 2:
        raise _invalid(
            _("“%(value)s” is not an escalation level: use yes, no or a level like 1 or >=1.")
            % {"value": value},
            "escalated",
        )
    lookup = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}.get(op, "exact")
    return Q(**{f"escalation_level__{lookup}": int(number)})


def _custom(key: str, value: str) -> Q:
    name = key[len(CUSTOM_PREFIX) :]
    if not re.fullmatch(r"[\w-]+", name):
        raise _invalid(_("Unknown custom field “%(key)s”.") % {"key": name}, key)
    lowered = value.lower()
    candidates: list[Any] = [value]
    if lowered in ("true", "yes"):
        candidates.append(True)
    elif lowered in ("false", "no"):
        candidates.append(False)
    elif re.fullmatch(r"-?[0-9]{1,18}", value):
        candidates.append(int(value))
    elif re.fullmatch(r"-?\d*\.\d+", value):
        candidates.append(float(value))
    q = Q()
    for candidate in candidates:
        q |= Q(**{f"custom_fields__{name}": candidate})
    return q


def term_condition(term: Term, user: Any) -> Q:
    """The Q of one term (values OR-ed, negation applied)."""
    condition = Q()
    for value in term.values:
        condition |= _value_condition(term.key, value, user)
    return ~condition if term.negated else condition


def _value_condition(key: str, value: str, user: Any) -> Q:
    if key.startswith(CUSTOM_PREFIX):
        return _custom(key, value)
    if key in LEVEL_KEYS:
        return _level(key, value)
    if key in DATE_KEYS:
        return _date(key, value)
    simple = {
        "status": _status,
        "tag": _tag,
        "category": _category,
        "requester": _requester,
        "channel": _channel,
        "org": _org,
        "type": _type,
        "sla": _sla,
        "escalated": _escalated,
    }
    if key in simple:
        return simple[key](value)
    with_user = {"assignee": _assignee, "team": _team, "is": _is}
    return with_user[key](value, user)


def apply_filters(
    queryset: QuerySet[Ticket], parsed_or_text: ParsedQuery | str | None, user: Any
) -> QuerySet[Ticket]:
    """Filter `queryset` (already limited by the policy) by a query. Free text goes to the
    search backend, which keeps the queryset's filters."""
    parsed = (
        parsed_or_text if isinstance(parsed_or_text, ParsedQuery) else parse_query(parsed_or_text)
    )
    for term in parsed.terms:
        queryset = queryset.filter(term_condition(term, user))
    if parsed.text:
        # words that only appear in internal notes must not match for customers
        queryset = search_tickets(
            queryset, parsed.text, include_internal=policy.is_staff_member(user)
        )
    return queryset
