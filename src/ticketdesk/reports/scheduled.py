"""Scheduled reports: a chosen report with its filters, emailed as CSV weekly or monthly.

`send_due()` runs from the periodic task (core.scheduler) and `ticketdesk reports
send-scheduled`; it is idempotent: a report is claimed under a row lock and its next_run_at
moves forward before the mail leaves.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock, ids
from ticketdesk.core.errors import ValidationFailed

from .export import csv_lines
from .filters import ReportFilters
from .models import Frequency, ScheduledReport
from .tables import REPORTS, report_table

logger = logging.getLogger(__name__)


def advance(when: dt.datetime, frequency: str) -> dt.datetime:
    if frequency == Frequency.MONTHLY:
        year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
        day = min(when.day, 28)
        return when.replace(year=year, month=month, day=day)
    return when + dt.timedelta(days=7)


def period_for(scheduled: ScheduledReport, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The finished period the mail reports on: the last 7 days or the previous month."""
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    if scheduled.frequency == Frequency.MONTHLY:
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    return today - dt.timedelta(days=7), today - dt.timedelta(days=1)


def filters_for(scheduled: ScheduledReport, now: dt.datetime) -> ReportFilters:
    start, end = period_for(scheduled, now)
    data: dict[str, Any] = scheduled.filters or {}
    allowed = None
    owner = scheduled.created_by
    if owner is not None and not policy.is_admin(owner):
        allowed = tuple(owner.team_memberships.values_list("team_id", flat=True))

    def number(name: str) -> int | None:
        value = str(data.get(name) or "")
        return ids.parse_id(value)

    team_id = number("team_id")
    if allowed is not None and team_id not in allowed:
        team_id = None
    return ReportFilters(
        start=start,
        end=end,
        team_id=team_id,
        agent_id=number("agent_id"),
        channel=str(data.get("channel") or "")[:10],
        type_id=number("type_id"),
        category_id=number("category_id"),
        organization_id=number("organization_id"),
        interval="week" if scheduled.frequency == Frequency.MONTHLY else "day",
        allowed_team_ids=allowed,
    )


def create(
    *, actor: Any, name: str, report: str, recipients: str, frequency: str, filters: dict
) -> ScheduledReport:
    policy.require(actor, policy.VIEW_REPORTS)
    errors: dict[str, list[str]] = {}
    if report not in REPORTS:
        errors["report"] = [_("Unknown report.")]
    if frequency not in Frequency.values:
        errors["frequency"] = [_("Choose weekly or monthly.")]
    addresses = [
        line.strip() for line in recipients.replace(",", "\n").splitlines() if line.strip()
    ]
    if not addresses or any("@" not in a for a in addresses):
        errors["recipients"] = [_("Enter one email address per line.")]
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return ScheduledReport.objects.create(
        name=name.strip()[:120],
        report=report,
        filters={k: v for k, v in filters.items() if k not in ("start", "end")},
        recipients="\n".join(addresses),
        frequency=frequency,
        next_run_at=advance(clock.now(), frequency),
        created_by=actor,
    )


def render_csv(scheduled: ScheduledReport, now: dt.datetime) -> tuple[str, str]:
    f = filters_for(scheduled, now)
    headers, rows = report_table(scheduled.report, f)
    return f"{scheduled.report}-{f.start}-{f.end}.csv", "".join(csv_lines(headers, rows))


def send_one(scheduled: ScheduledReport, now: dt.datetime) -> None:
    language = getattr(scheduled.created_by, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        filename, content = render_csv(scheduled, now)
        subject = _("Report: %(name)s") % {"name": scheduled.name}
        body = _("The %(report)s report is attached (%(file)s).") % {
            "report": scheduled.report,
            "file": filename,
        }
    message = EmailMessage(subject=subject, body=body, to=scheduled.recipient_list)
    message.attach(filename, content.encode("utf-8"), "text/csv")
    message.send()


def send_due() -> int:
    now = clock.now()
    sent = 0
    due = list(
        ScheduledReport.objects.filter(active=True, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("pk", flat=True)[:100]
    )
    for pk in due:
        with transaction.atomic():
            scheduled = (
                ScheduledReport.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("created_by")
                .filter(pk=pk, active=True, next_run_at__lte=now)
                .first()
            )
            if scheduled is None:
                continue
            next_run = scheduled.next_run_at
            while next_run <= now:
                next_run = advance(next_run, scheduled.frequency)
            scheduled.next_run_at = next_run
            scheduled.last_run_at = now
            scheduled.save(update_fields=["next_run_at", "last_run_at"])
        try:
            send_one(scheduled, now)
            sent += 1
        except Exception:  # one broken report must not stop the others
            logger.exception("scheduled report %s failed", scheduled.pk)
    return sent
