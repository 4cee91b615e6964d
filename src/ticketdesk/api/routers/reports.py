"""/reports: the dashboard's numbers as JSON (team leads and admins, scoped like the page),
and the trends of a period. Same filters and the same code as `/reports/`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ..schemas import Id, In
from .tickets import ERRORS, user_of

router = Router(tags=["reports"])


class ReportParams(In):
    start: dt.date | None = Field(
        None, description="First day (site time zone); default: 29 days before end."
    )
    end: dt.date | None = Field(None, description="Last day, inclusive; default: today.")
    team_id: Id | None = None
    agent_id: Id | None = None
    channel: str | None = Field(None, max_length=10)
    type_id: Id | None = None
    category_id: Id | None = None
    organization_id: Id | None = None
    interval: Literal["day", "week"] = "day"


class TrendParams(ReportParams):
    compare: Literal["previous", "weeks"] = Field(
        "previous",
        description="previous: the period just before; weeks: the average of the same days "
        "in the four weeks before.",
    )


class SlaOut(Schema):
    met: int
    breached: int
    compliance: float | None


class NumbersOut(Schema):
    created: int
    resolved: int
    replies: int
    first_response_avg: float | None = Field(description="Seconds.")
    resolution_avg: float | None = Field(description="Seconds, minus time pending.")
    reopen_rate: float | None = Field(description="Percent of resolved.")
    one_touch_rate: float | None
    csat_score: float | None = Field(description="0–100.")
    csat_positive_rate: float | None
    csat_response_rate: float | None
    csat_count: int
    sla: dict[str, SlaOut]


class GroupOut(NumbersOut):
    key: str = Field(description="Agent or team id (0: none), category/type id, or channel.")


class PercentilesOut(Schema):
    first_response: list[float | None] = Field(description="[median, p90] in seconds.")
    resolution: list[float | None]
    first_response_business: list[float | None]
    resolution_business: list[float | None]
    approximate: bool = Field(description="Read from histograms: within 9 % of exact.")


class PointOut(Schema):
    period: dt.date
    created: int
    resolved: int


class BacklogBucketOut(Schema):
    min_days: int
    max_days: int | None
    count: int


class BacklogOut(Schema):
    total: int
    buckets: list[BacklogBucketOut]


class DashboardOut(Schema):
    start: dt.date
    end: dt.date
    summary: NumbersOut
    previous: NumbersOut
    percentiles: PercentilesOut
    series: list[PointOut]
    backlog: BacklogOut
    agents: list[GroupOut]
    teams: list[GroupOut]
    categories: list[GroupOut]
    heatmap: list[list[int]] = Field(description="7 × 24 created counts, Monday first, local.")


class TrendOut(Schema):
    key: str
    label: str
    current: int
    baseline: float
    tickets_query: str = Field(description="The ticket list query (`q=`) of these tickets.")


class TrendsOut(Schema):
    start: dt.date
    end: dt.date
    compare: str
    categories: list[TrendOut]
    tags: list[TrendOut]
    terms: list[TrendOut]


def _filters(request: HttpRequest, params: ReportParams) -> Any:
    from ticketdesk.reports import filters

    data = {
        name: str(value)
        for name, value in params.model_dump().items()
        if value not in (None, "") and name != "compare"
    }
    return filters.parse(user_of(request), data)


def _groups(rows: list[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"key": str(key), **numbers} for key, numbers in rows]


@router.get("/dashboard", response={200: DashboardOut, **ERRORS}, summary="Dashboard numbers")
def dashboard(request: HttpRequest, params: Query[ReportParams]) -> Any:
    from ticketdesk.reports import metrics

    f = _filters(request, params)
    data = metrics.dashboard(f)
    return {
        "start": f.start,
        "end": f.end,
        "summary": data["summary"],
        "previous": data["previous"],
        "percentiles": data["percentiles"],
        "series": [{"period": d, "created": c, "resolved": r} for d, c, r in data["series"]],
        "backlog": {
            "total": data["backlog"]["total"],
            "buckets": [
                {"min_days": low, "max_days": high, "count": n}
                for low, high, n in data["backlog"]["buckets"]
            ],
        },
        "agents": _groups(data["agents"]),
        "teams": _groups(data["teams"]),
        "categories": _groups(metrics.breakdown(f, "category")),
        "heatmap": data["heatmap"],
    }


@router.get("/trends", response={200: TrendsOut, **ERRORS}, summary="What rose in a period")
def trends(request: HttpRequest, params: Query[TrendParams]) -> Any:
    from ticketdesk.reports import trends as trend_queries

    f = _filters(request, params)

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "key": str(t.key),
                "label": t.label,
                "current": t.current,
                "baseline": t.previous,
                "tickets_query": t.query,
            }
            for t in items
        ]

    return {
        "start": f.start,
        "end": f.end,
        "compare": params.compare,
        "categories": rows(trend_queries.category_trends(f, params.compare)),
        "tags": rows(trend_queries.tag_trends(f, params.compare)),
        "terms": rows(trend_queries.term_trends(f, params.compare)),
    }
