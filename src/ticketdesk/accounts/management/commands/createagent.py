"""`ticketdesk createagent USERNAME EMAIL [--role agent] [--team NAME] [--password P]`."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ticketdesk.accounts.actions import create_user
from ticketdesk.accounts.models import Role, Team
from ticketdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an agent, light agent or administrator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument(
            "--role", default=Role.AGENT, choices=[Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT]
        )
        parser.add_argument("--team", action="append", default=[], help="Team name (repeatable).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--password", help="Asked for when omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        teams = []
        for name in options["team"]:
            team = Team.objects.filter(name__iexact=name).first()
            if team is None:
                raise CommandError(f"No team named {name!r}.")
            teams.append(team)
        password = options["password"]
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = create_user(
                username=options["username"],
                email=options["email"],
                password=password,
                role=options["role"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                teams=teams,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username}."))
