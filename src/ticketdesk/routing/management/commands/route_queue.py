"""`ticketdesk route_queue [--team SLUG] [--limit N]`: queue the unassigned open tickets of
automatically routed teams for routing (e.g. after switching a team from manual); the worker
routes them one by one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ticketdesk.accounts.models import AssignmentStrategy, Team
from ticketdesk.routing import engine


class Command(BaseCommand):
    help = "Queue waiting tickets of routed teams for routing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--team", help="Team slug (default: every routed team).")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        teams = Team.objects.filter(active=True).exclude(
            assignment_strategy=AssignmentStrategy.MANUAL
        )
        if options["team"]:
            teams = teams.filter(slug=options["team"])
        team_ids = list(teams.values_list("pk", flat=True))
        queued = engine.queue_waiting(team_ids, limit=options["limit"]) if team_ids else 0
        self.stdout.write(f"Queued {queued} tickets of {len(team_ids)} teams for routing.")
