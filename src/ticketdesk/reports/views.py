"""Report pages and exports. Thin: parse filters → one query module → render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ticketdesk.accounts import policy
from ticketdesk.audit import log as audit_log
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError, NotFound
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import display

from . import charts, escalations, filters, metrics, queries, tables
from .export import respond


def _weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _drill_down(f: filters.ReportFilters, day: dt.date) -> str:
    """The trends of one day (or week) of the volume chart, against the same days of the
    weeks before: what rose then, and its tickets."""
    end = min(f.end, day + dt.timedelta(days=6 if f.interval == "week" else 0))
    query = {k: v for k, v in f.as_query().items() if k not in ("start", "end", "interval")}
    query.update(start=day.isoformat(), end=end.isoformat(), compare="weeks")
    return f"{reverse('reports:trends')}?{urlencode(query)}"


def _unusual(counts: list[int], threshold: float = 3.0, minimum: int = 5) -> list[int]:
    """Positions whose count lies `threshold` standard deviations above the mean of the
    other periods (a spike worth selecting), at least `minimum`."""
    out = []
    for i, count in enumerate(counts):
        others = counts[:i] + counts[i + 1 :]
        if count < minimum or len(others) < 4:
            continue
        mean = sum(others) / len(others)
        deviation = (sum((c - mean) ** 2 for c in others) / len(others)) ** 0.5
        if count > mean and (count - mean) / max(deviation, 1.0) >= threshold:
            out.append(i)
    return out


def _charts(f: filters.ReportFilters, data: dict[str, Any]) -> list[charts.Chart]:
    labels = [d.isoformat() for d, _c, _r in data["series"]]
    volume = charts.line_chart(
        _("Created and resolved"),
        labels,
        [
            (_("Created"), [c for _d, c, _r in data["series"]]),
            (_("Resolved"), [r for _d, _c, r in data["series"]]),
        ],
        links=[_drill_down(f, d) for d, _c, _r in data["series"]],
        link_label=_("Select a day to see what rose on it."),
        highlights=_unusual([c for _d, c, _r in data["series"]]),
        highlight_label=_("Unusually many tickets created"),
    )
    backlog = charts.bar_chart(
        _("Open backlog by age"),
        [
            _("%(low)s–%(high)s d") % {"low": low, "high": high}
            if high
            else _("> %(low)s d") % {"low": low}
            for low, high, _n in data["backlog"]["buckets"]
        ],
        [n for _l, _h, n in data["backlog"]["buckets"]],
    )
    heat = charts.heatmap_chart(
        _("Tickets created by weekday and hour"),
        _weekday_labels(),
        [f"{h:02d}" for h in range(24)],
        data["heatmap"],
    )
    return [volume, backlog, heat]


def _presets(f: filters.ReportFilters) -> list[tuple[str, str, bool]]:
    """(label, query string, current?) for the common periods, other filters kept."""
    others = {k: v for k, v in f.as_query().items() if k not in ("start", "end")}
    return [
        (
            str(label),
            urlencode({**others, "start": start.isoformat(), "end": end.isoformat()}),
            (start, end) == (f.start, f.end),
        )
        for label, start, end in filters.presets(filters.local_today())
    ]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        f = filters.parse(request.user, request.GET)
    except DomainError as error:
        return render_domain_error(request, error)
    data = metrics.dashboard(f)
    context = {
        "page_nav": "reports",
        "f": f,
        "query": f.as_query(),
        "data": data,
        "charts": _charts(f, data),
        "agents": tables.performance_rows(f, "agent_id", data["agents"]),
        "teams": tables.performance_rows(f, "team_id", data["teams"]),
        "breakdowns": tables.breakdown_tables(f),
        "escalations": escalations.escalation_rows(f),
        "presets": _presets(f),
        "options": queries.filter_options(f),
        "channels": queries.channel_choices(),
        "export_reports": [
            ("summary", _("Summary")),
            ("volume", _("Volume")),
            ("agents", _("Agents")),
            ("teams", _("Teams")),
            ("categories", _("Categories")),
            ("types", _("Types")),
            ("channels", _("Channels")),
        ],
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
def export_report(request: HttpRequest, report: str, fmt: str) -> HttpResponseBase:
    try:
        if report not in tables.REPORTS:
            raise NotFound(_("No such report."))
        f = filters.parse(request.user, request.GET)
    except DomainError as error:
        return render_domain_error(request, error)
    compare = "weeks" if request.GET.get("compare") == "weeks" else "previous"
    try:
        days = max(1, min(90, int(request.GET.get("repeat_days") or 7)))
    except ValueError:
        days = 7
    headers, rows = tables.report_table(report, f, compare=compare, days=days)
    audit_log.record(
        request.user,
        "report.exported",
        audit_log.Target("report", report, f"{report} {f.start}–{f.end}"),
        format=fmt,
        query=request.GET.dict(),
    )
    return respond(fmt, f"{report}-{f.start}-{f.end}", headers, rows)


@require_GET
def export_tickets(request: HttpRequest, fmt: str) -> HttpResponseBase:
    try:
        policy.require(request.user, policy.EXPORT_TICKETS)
        headers, rows = queries.ticket_export(request.user, request.GET.get("q", ""))
    except DomainError as error:
        return render_domain_error(request, error)
    stamp = clock.now().date().isoformat()
    audit_log.record(
        request.user,
        "tickets.exported",
        audit_log.Target("tickets", "", request.GET.get("q", "")[:200]),
        format=fmt,
    )
    return respond(fmt, f"tickets-{stamp}", headers, rows)


def scheduled_reports(request: HttpRequest) -> HttpResponse:
    """List the viewer's scheduled reports (admins: all); POST schedules a new one."""
    from django.shortcuts import redirect

    from . import scheduled as scheduling
    from .models import Frequency, ScheduledReport

    try:
        policy.require(request.user, policy.VIEW_REPORTS)
        if request.method == "POST":
            filter_keys = ("team_id", "agent_id", "channel", "type_id", "category_id")
            scheduling.create(
                actor=request.user,
                name=request.POST.get("name", ""),
                report=request.POST.get("report", "summary"),
                recipients=request.POST.get("recipients", ""),
                frequency=request.POST.get("frequency", Frequency.WEEKLY),
                filters={
                    k: request.POST[k]
                    for k in (*filter_keys, "organization_id")
                    if request.POST.get(k)
                },
            )
            return redirect("reports:scheduled")
    except DomainError as error:
        return render_domain_error(request, error)
    items = ScheduledReport.objects.order_by("name", "id")
    if not policy.is_admin(request.user):
        items = items.filter(created_by_id=request.user.pk)
    return render(
        request,
        "reports/scheduled.html",
        {
            "page_nav": "reports",
            "items": items[:200],
            "reports": tables.REPORTS,
            "frequencies": Frequency.choices,
        },
    )


@require_GET
def customer_journey(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    from . import journey

    try:
        data = journey.journey(request.user, kind, pk)
    except DomainError as error:
        return render_domain_error(request, error)
    trend = charts.line_chart(
        _("Satisfaction over time"),
        [f"{day.isoformat()} #{number}" for day, number, _s in data["ratings"]],
        [(_("CSAT score"), [round(score, 1) for _d, _n, score in data["ratings"]])],
    )
    return render(
        request,
        "reports/journey.html",
        {"page_nav": "reports", **data, "trend": trend},
    )


@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    from . import trends as trend_queries
    from .models import SpikeAlert

    try:
        f = filters.parse(request.user, request.GET)
        days = max(1, min(90, int(request.GET.get("repeat_days") or 7)))
    except DomainError as error:
        return render_domain_error(request, error)
    except ValueError:
        days = 7
    compare = "weeks" if request.GET.get("compare") == "weeks" else "previous"
    return render(
        request,
        "reports/trends.html",
        {
            "page_nav": "reports",
            "f": f,
            "repeat_days": days,
            "compare": compare,
            "categories": trend_queries.category_trends(f, compare),
            "tags": trend_queries.tag_trends(f, compare),
            "terms": trend_queries.term_trends(f, compare),
            "repeat_contacts": trend_queries.repeat_reporters(f, days, "requester_id"),
            "repeat_organizations": trend_queries.repeat_reporters(f, days, "organization_id"),
            "spikes": _spikes_with_labels(
                list(
                    SpikeAlert.objects.filter(period_start__lte=f.end, period_end__gte=f.start)[:20]
                )
            ),
        },
    )


def _spikes_with_labels(spikes: list[Any]) -> list[tuple[Any, str]]:
    """Each spike with what rose, a category named in the reader's language."""
    labels = display.names_of("category")
    return [
        (s, labels.get(int(s.key), s.key) if s.kind == "category" and s.key.isdigit() else s.key)
        for s in spikes
    ]
