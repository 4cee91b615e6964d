"""`ticketdesk sla_defaults`: a starting configuration (idempotent): an office-hours calendar
(Monday-Friday 09:00-18:00 in the server's time zone, the default) and three policies by
priority; then the open tickets are recomputed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from ticketdesk.sla.models import BusinessCalendar, SLAPolicy, SLATarget, WorkingHours

# name, order, priorities, (first response, next response, resolution) in minutes, business hours
POLICIES = [
    ("Critical", 10, [4], (30, 60, 240), False),
    ("High", 20, [3], (60, 240, 960), True),
    ("Standard", 30, [], (240, 480, 2400), True),
]


class Command(BaseCommand):
    help = "Create a default business calendar and SLA policies (skips existing ones)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--time-zone", default=settings.TIME_ZONE)
        parser.add_argument("--no-recompute", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            calendar, created = BusinessCalendar.objects.get_or_create(
                name="Office hours",
                defaults={
                    "time_zone": options["time_zone"],
                    "is_default": not BusinessCalendar.objects.filter(is_default=True).exists(),
                },
            )
            if created:
                WorkingHours.objects.bulk_create(
                    WorkingHours(calendar=calendar, weekday=d, start=dt.time(9), end=dt.time(18))
                    for d in range(5)
                )
            made = 0
            for name, order, priorities, minutes, business in POLICIES:
                if SLAPolicy.objects.filter(name=name).exists():
                    continue
                policy = SLAPolicy.objects.create(name=name, order=order, priorities=priorities)
                for metric, value in zip(
                    ("first_response", "next_response", "resolution"), minutes, strict=True
                ):
                    SLATarget.objects.create(
                        policy=policy, metric=metric, minutes=value, business_hours=business
                    )
                made += 1
        self.stdout.write(f"Calendar {'created' if created else 'kept'}; {made} policies created.")
        if not options["no_recompute"]:
            call_command("sla_recompute", stdout=self.stdout)
