"""`ticketdesk availability USERNAME [--status online|away|off] [--capacity N]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ticketdesk.accounts.models import User
from ticketdesk.core.errors import DomainError
from ticketdesk.routing.actions import set_availability
from ticketdesk.routing.models import Presence


class Command(BaseCommand):
    help = "Show or set an agent's routing availability and capacity."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--status", choices=Presence.values)
        parser.add_argument("--capacity", type=int, help="Most open tickets; 0 = no limit.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            row = set_availability(
                user, actor=None, status=options["status"], capacity=options["capacity"]
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{user.username}: {row.status}, capacity {row.capacity or 'no limit'}")
