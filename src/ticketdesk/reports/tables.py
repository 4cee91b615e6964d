"""Reports as tables (headers + rows): shown on the dashboard, exported to CSV/XLSX and
attached to scheduled emails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts.models import Team, User
from ticketdesk.tickets import display
from ticketdesk.tickets.models import Channel

from . import metrics
from .filters import ReportFilters

REPORTS = (
    "summary",
    "volume",
    "agents",
    "teams",
    "categories",
    "types",
    "channels",
    "trends",
    "repeats",
)
SLA_LABELS = {
    "first_response": gettext_lazy("SLA first response compliance (%)"),
    "next_response": gettext_lazy("SLA next response compliance (%)"),
    "resolution": gettext_lazy("SLA resolution compliance (%)"),
}


def _round(value: Any) -> Any:
    return round(value, 1) if isinstance(value, float) else value


def _performance_headers(first: str) -> list[str]:
    return [
        first,
        _("Created"),
        _("Resolved"),
        _("Replies"),
        _("Average first response (s)"),
        _("Average resolution (s)"),
        _("Reopen rate (%)"),
        _("One-touch (%)"),
        _("CSAT score"),
        _("CSAT responses"),
    ]


def _names(group: str, ids: Iterable[int]) -> dict[int, str]:
    ids = [i for i in ids if i]
    if group == "agent_id":
        users = User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
        return {u.pk: u.display_name for u in users}
    return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))


def performance_rows(
    f: ReportFilters, group: str, rows: list[tuple[int, dict[str, Any]]] | None = None
) -> list[list[Any]]:
    """`rows`: `metrics.performance(f, group)` if already computed."""
    rows = metrics.performance(f, group) if rows is None else rows
    names = _names(group, [key for key, _ in rows])
    unassigned = _("Unassigned") if group == "agent_id" else _("No team")
    return [
        [
            names.get(key, unassigned) if key else unassigned,
            d["created"],
            d["resolved"],
            d["replies"],
            _round(d["first_response_avg"]),
            _round(d["resolution_avg"]),
            _round(d["reopen_rate"]),
            _round(d["one_touch_rate"]),
            _round(d["csat_score"]),
            d["csat_count"],
        ]
        for key, d in rows
    ]


BREAKDOWNS = {
    "category": gettext_lazy("Category"),
    "type": gettext_lazy("Type"),
    "channel": gettext_lazy("Channel"),
}


def breakdown_tables(f: ReportFilters, top: int = 15) -> list[tuple[str, list[list[Any]]]]:
    """(label, rows) for each of category, type and channel that is not filtered already."""
    wanted = [d for d in BREAKDOWNS if not getattr(f, metrics.BREAKDOWN_FIELDS[d])]
    computed = metrics.breakdowns(f, wanted)
    return [(str(BREAKDOWNS[d]), breakdown_rows(f, d, top, computed[d])) for d in wanted]


def breakdown_rows(
    f: ReportFilters,
    dimension: str,
    top: int = 15,
    computed: list[tuple[str, dict[str, Any]]] | None = None,
) -> list[list[Any]]:
    """The busiest `top` categories, types or channels with the numbers of the agent table,
    each leading to the dashboard filtered by it (11th cell)."""
    rows = (metrics.breakdown(f, dimension) if computed is None else computed)[:top]
    field = metrics.BREAKDOWN_FIELDS[dimension]
    ids = [int(key) for key, _d in rows if key.isdigit() and key != "0"]
    if dimension == "category":
        names = {str(k): v for k, v in display.names_of("category").items() if k in ids}
    elif dimension == "type":
        names = {str(k): v for k, v in display.names_of("ticket_type").items() if k in ids}
    else:
        names = {str(value): str(label) for value, label in Channel.choices}
    base = {k: v for k, v in f.as_query().items() if k not in (field, "interval")}
    out = []
    for key, d in rows:
        none = key in ("", "0")
        link = "" if none else "?" + urlencode({**base, field: key})
        out.append(
            [
                _("None") if none else names.get(key, key),
                d["created"],
                d["resolved"],
                d["replies"],
                _round(d["first_response_avg"]),
                _round(d["resolution_avg"]),
                _round(d["reopen_rate"]),
                _round(d["one_touch_rate"]),
                _round(d["csat_score"]),
                d["csat_count"],
                link,
            ]
        )
    return out


def summary_rows(f: ReportFilters) -> list[list[Any]]:
    totals = metrics.counters(f)[None]
    s = metrics.derived(totals)
    p = metrics.time_percentiles(f, None if f.needs_facts else totals)
    backlog = metrics.backlog(f)
    rows: list[list[Any]] = [
        [_("Created"), s["created"]],
        [_("Resolved"), s["resolved"]],
        [_("Open backlog now"), backlog["total"]],
        [_("Median first response (s)"), _round(p["first_response"][0])],
        [_("p90 first response (s)"), _round(p["first_response"][1])],
        [_("Median resolution (s)"), _round(p["resolution"][0])],
        [_("p90 resolution (s)"), _round(p["resolution"][1])],
        [_("Median first response, business hours (s)"), _round(p["first_response_business"][0])],
        [_("p90 first response, business hours (s)"), _round(p["first_response_business"][1])],
        [_("Median resolution, business hours (s)"), _round(p["resolution_business"][0])],
        [_("p90 resolution, business hours (s)"), _round(p["resolution_business"][1])],
        [_("Reopen rate (%)"), _round(s["reopen_rate"])],
        [_("One-touch resolution (%)"), _round(s["one_touch_rate"])],
        [_("CSAT score (0-100)"), _round(s["csat_score"])],
        [_("CSAT response rate (%)"), _round(s["csat_response_rate"])],
    ]
    for metric, values in s["sla"].items():
        rows.append([str(SLA_LABELS.get(metric, metric)), _round(values["compliance"])])
    return rows


def trend_rows(f: ReportFilters, compare: str = "previous") -> list[list[Any]]:
    from . import trends

    out: list[list[Any]] = []
    for kind, items in (
        (_("Category"), trends.category_trends(f, compare)),
        (_("Tag"), trends.tag_trends(f, compare)),
        (_("Term"), trends.term_trends(f, compare)),
    ):
        out += [
            [kind, t.label, t.current, t.previous, _round(t.delta), _round(t.change)] for t in items
        ]
    return out


def repeat_rows(f: ReportFilters, days: int = 7) -> list[list[Any]]:
    from . import trends

    out: list[list[Any]] = []
    for kind, by in ((_("Contact"), "requester_id"), (_("Organization"), "organization_id")):
        out += [
            [kind, r["name"], r["category"], r["repeats"]]
            for r in trends.repeat_reporters(f, days, by)
        ]
    return out


def report_table(
    name: str, f: ReportFilters, *, compare: str = "previous", days: int = 7
) -> tuple[list[str], Iterator[list[Any]]]:
    """`compare` and `days` apply to the trends and repeat reporters."""
    if name == "volume":
        headers = [_("Period"), _("Created"), _("Resolved")]
        return headers, iter([[d, c, r] for d, c, r in metrics.volume_series(f)])
    if name == "agents":
        return _performance_headers(_("Agent")), iter(performance_rows(f, "agent_id"))
    if name == "teams":
        return _performance_headers(_("Team")), iter(performance_rows(f, "team_id"))
    for dimension, report in (
        ("category", "categories"),
        ("type", "types"),
        ("channel", "channels"),
    ):
        if name == report:
            rows = breakdown_rows(f, dimension, top=1000)
            headers = _performance_headers(str(BREAKDOWNS[dimension]))
            return headers, iter([row[:10] for row in rows])
    if name == "trends":
        headers = [
            _("Kind"),
            _("Name"),
            _("This period"),
            _("Previous period"),
            _("Change"),
            _("Change (%)"),
        ]
        return headers, iter(trend_rows(f, compare))
    if name == "repeats":
        headers = [_("Kind"), _("Name"), _("Category"), _("Repeats")]
        return headers, iter(repeat_rows(f, days))
    return [_("Metric"), _("Value")], iter(summary_rows(f))
