"""`ticketdesk apitoken create USERNAME --name N --scope read|write` (prints the secret once),
`ticketdesk apitoken list USERNAME`, `ticketdesk apitoken revoke TOKEN_ID`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ticketdesk.accounts.models import User
from ticketdesk.api import tokens
from ticketdesk.api.models import ApiToken, TokenScope
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print its secret once.")
        create.add_argument("username")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        listing = sub.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            updated = ApiToken.objects.filter(
                pk=options["token_id"], revoked_at__isnull=True
            ).update(revoked_at=clock.now())
            if not updated:
                raise CommandError("No active token with that id.")
            self.stdout.write(f"Revoked token {options['token_id']}.")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if action == "list":
            for token in tokens.tokens_of(user):
                state = "revoked" if token.revoked_at else "active"
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.prefix}…\t{token.scope}\t{state}\t{used}\t{token.name}"
                )
            return
        try:
            token, secret = tokens.create_token(user, name=options["name"], scope=options["scope"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stderr.write(f"Token {token.pk} ({token.scope}) for {user.username}. Shown once:")
        self.stdout.write(secret)
