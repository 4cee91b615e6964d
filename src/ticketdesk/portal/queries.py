"""Reads of the portal's own data for reports: deflection and satisfaction figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q

from ticketdesk.core import clock

from .models import DeflectionEvent, DeflectionOutcome, SatisfactionRating

# A suggestion opened this long ago without a ticket from the same session counts as deflected.
DEFLECTION_GRACE = dt.timedelta(hours=1)


def deflection_summary(since: dt.datetime, until: dt.datetime | None = None) -> dict[str, Any]:
    """Knowledge base suggestions opened from the ticket form in [since, until), and how many
    were followed by a ticket anyway."""
    until = until or clock.now()
    rows = DeflectionEvent.objects.filter(created_at__gte=since, created_at__lt=until)
    counts = rows.aggregate(
        opened=Count("id"),
        submitted=Count("id", filter=Q(outcome=DeflectionOutcome.SUBMITTED)),
        deflected=Count(
            "id",
            filter=Q(
                outcome=DeflectionOutcome.OPENED, created_at__lt=clock.now() - DEFLECTION_GRACE
            ),
        ),
    )
    opened = counts["opened"] or 0
    counts["rate"] = round(counts["deflected"] / opened, 3) if opened else None
    return counts


def csat_summary(since: dt.datetime, until: dt.datetime | None = None) -> dict[str, Any]:
    """Ratings given in [since, until): count, average score (1–5), share of good ratings
    (4 or 5; "good" on the good/bad scale is stored as 5)."""
    until = until or clock.now()
    rows = SatisfactionRating.objects.filter(created_at__gte=since, created_at__lt=until)
    data = rows.aggregate(
        count=Count("id"), average=Avg("score"), good=Count("id", filter=Q(score__gte=4))
    )
    count = data["count"] or 0
    return {
        "count": count,
        "average": round(float(data["average"]), 2) if data["average"] is not None else None,
        "satisfied_share": round(data["good"] / count, 3) if count else None,
    }
