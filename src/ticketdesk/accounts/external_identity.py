"""What OpenID Connect and LDAP sign-ins share: which role a person gets from their
identity provider's groups, and creating or updating their user."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from . import actions
from .models import Role, User

# a person in several mapped groups gets the strongest role
ROLE_STRENGTH = {Role.CUSTOMER: 0, Role.LIGHT_AGENT: 1, Role.AGENT: 2, Role.ADMIN: 3}


def strongest_role(roles: Iterable[str], default: str) -> str:
    known = [r for r in roles if r in Role.values]
    if not known:
        return default if default in Role.values else Role.CUSTOMER
    return max(known, key=lambda r: ROLE_STRENGTH[Role(r)])


def free_username(wanted: str) -> str:
    base = (wanted or "user").strip()[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def create_user(*, username: str, email: str, first_name: str, last_name: str, role: str) -> User:
    """A user who signs in only through the identity provider (no usable password)."""
    return actions.create_user(
        username=free_username(username),
        email=email,
        password=None,
        role=role,
        first_name=first_name[:150],
        last_name=last_name[:150],
    )


def apply_role(user: User, role: str) -> None:
    """Give `user` the role their identity provider's groups say (admins get the Django
    admin too, as `actions.create_user` does)."""
    if user.role == role:
        return
    with transaction.atomic():
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["role", "is_staff", "is_superuser"])
