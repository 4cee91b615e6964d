"""Writes for people and groups: contacts, users, organizations, teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .models import Contact, Organization, Role, Team, TeamMembership, User


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            _("“%(e)s” is not a valid email address.") % {"e": email[:100]},
            fields={"email": [_("Enter a valid email address.")]},
        ) from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def find_contact(email: str) -> Contact | None:
    return Contact.objects.filter(email__iexact=normalise_email(email)).first()


def get_or_create_contact(email: str, name: str = "", *, language: str = "") -> Contact:
    """The contact for `email` (matched case-insensitively), created on first sight and
    joined to the organization whose domains include the address."""
    email = normalise_email(email)
    contact = Contact.objects.filter(email__iexact=email).first()
    if contact is not None:
        if name and not contact.name:
            contact.name = name[:200]
            contact.save(update_fields=["name"])
        return contact
    try:
        with transaction.atomic():
            contact = Contact.objects.create(email=email, name=name[:200], language=language)
    except IntegrityError:
        return Contact.objects.get(email__iexact=email)
    domain = email.rsplit("@", 1)[1]
    for organization in Organization.objects.exclude(domains=""):
        domains = {d.strip().lower() for d in organization.domains.split(",") if d.strip()}
        if domain in domains:
            contact.organizations.add(organization)
    return contact


def create_user(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    teams: Iterable[Team] = (),
) -> User:
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    email = normalise_email(email)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("The username “%(u)s” is taken.") % {"u": username},
            fields={"username": [_("Already taken.")]},
        )
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            language=language,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        for team in teams:
            TeamMembership.objects.get_or_create(team=team, user=user)
        if role == Role.CUSTOMER:
            contact = get_or_create_contact(email, f"{first_name} {last_name}".strip())
            if contact.user_id is None:
                contact.user = user
                contact.save(update_fields=["user"])
    return user


def create_team(name: str, *, email: str = "", members: Iterable[User] = ()) -> Team:
    team = Team.objects.create(name=name, slug=slugify(name)[:100] or "team", email=email)
    for member in members:
        TeamMembership.objects.get_or_create(team=team, user=member)
    return team
