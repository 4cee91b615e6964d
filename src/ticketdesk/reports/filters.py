"""Report filters parsed from the query string, scoped to the teams the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock, ids
from ticketdesk.core.errors import PermissionDenied, ValidationFailed

MAX_DAYS = 3 * 366
DIMENSIONS = ("team_id", "agent_id", "channel", "type_id", "category_id", "organization_id")
# filter -> the roll-up dimension that answers it (team and agent are in every roll-up key)
ROLLUP_DIMENSION = {
    "channel": "channel",
    "type_id": "type",
    "category_id": "category",
    "organization_id": "organization",
}


@dataclass(frozen=True)
class ReportFilters:
    start: dt.date
    end: dt.date  # inclusive
    team_id: int | None = None
    agent_id: int | None = None
    channel: str = ""
    type_id: int | None = None
    category_id: int | None = None
    organization_id: int | None = None
    interval: str = "day"
    # None: every team (admins); otherwise the teams the viewer may report on
    allowed_team_ids: tuple[int, ...] | None = field(default=None)
    force_facts: bool = False  # read the per-ticket facts even where the roll-up would do

    @property
    def rollup_dimensions(self) -> list[str]:
        """The filters set among channel, type, category and organization."""
        return [name for name in ROLLUP_DIMENSION if getattr(self, name) not in (None, "")]

    @property
    def needs_facts(self) -> bool:
        """The roll-up answers any one of channel, type, category and organization (with
        team and agent); two or more of them at once are read from the per-ticket facts."""
        return self.force_facts or len(self.rollup_dimensions) > 1

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportFilters:
        """The period of the same length just before this one."""
        return replace(
            self, start=self.start - dt.timedelta(days=self.days), end=self.start - dt.timedelta(1)
        )

    def as_query(self) -> dict[str, str]:
        data = asdict(self)
        data.pop("allowed_team_ids")
        data.pop("force_facts")
        return {k: str(v) for k, v in data.items() if v not in (None, "")}

    def as_json(self) -> dict[str, Any]:
        return self.as_query()


def _int(data: Any, name: str) -> int | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    value = ids.parse_id(raw)
    if value is None:
        raise ValidationFailed(_("Invalid value."), fields={name: [_("Enter a valid id.")]})
    return value


def _date(data: Any, name: str, default: dt.date) -> dt.date:
    raw = (data.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Invalid date."), fields={name: [_("Use the form YYYY-MM-DD.")]}
        ) from None


def allowed_teams(user: Any) -> tuple[int, ...] | None:
    policy.require(user, policy.VIEW_REPORTS)
    if policy.is_admin(user):
        return None
    return tuple(user.team_memberships.values_list("team_id", flat=True))


def parse(user: Any, data: Any) -> ReportFilters:
    """ReportFilters from a QueryDict (or dict); raises PermissionDenied/ValidationFailed."""
    allowed = allowed_teams(user)
    today = local_today()
    end = _date(data, "end", today)
    start = _date(data, "start", end - dt.timedelta(days=29))
    if start > end:
        raise ValidationFailed(_("The start is after the end."), fields={"start": [_("Too late.")]})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(
            _("Choose at most three years."), fields={"start": [_("Too early.")]}
        )
    team_id = _int(data, "team_id")
    if team_id is not None and allowed is not None and team_id not in allowed:
        raise PermissionDenied(_("You can only see the reports of your teams."))
    interval = data.get("interval") or "day"
    return ReportFilters(
        start=start,
        end=end,
        team_id=team_id,
        agent_id=_int(data, "agent_id"),
        channel=(data.get("channel") or "").strip()[:10],
        type_id=_int(data, "type_id"),
        category_id=_int(data, "category_id"),
        organization_id=_int(data, "organization_id"),
        interval=interval if interval in ("day", "week") else "day",
        allowed_team_ids=allowed,
    )


def dimension_filter(f: ReportFilters, *, facts: bool) -> dict[str, Any]:
    """Keyword filters for the per-ticket facts (`facts=True`) or for the roll-up rows of
    the one dimension that answers `f` ("" when none of them is filtered)."""
    names = DIMENSIONS if facts else ("team_id", "agent_id")
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(f, name)
        if value not in (None, ""):
            out[name] = value
    if not facts:
        chosen = f.rollup_dimensions
        if len(chosen) > 1:
            raise ValueError("two roll-up dimensions at once: read the facts")
        out["dimension"] = ROLLUP_DIMENSION[chosen[0]] if chosen else ""
        out["value"] = str(getattr(f, chosen[0])) if chosen else ""
    if f.team_id is None and f.allowed_team_ids is not None:
        out["team_id__in"] = list(f.allowed_team_ids)
    return out


def presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Common periods ending today or just before it: (label, start, end)."""
    month_start = today.replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        (_("Last 7 days"), today - dt.timedelta(days=6), today),
        (_("Last 30 days"), today - dt.timedelta(days=29), today),
        (_("This month"), month_start, today),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
        (_("This quarter"), quarter_start, today),
        (_("Last 365 days"), today - dt.timedelta(days=364), today),
    ]


def local_today() -> dt.date:
    return timezone.localtime(clock.now(), timezone.get_default_timezone()).date()
