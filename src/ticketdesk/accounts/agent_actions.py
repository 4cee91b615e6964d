"""The people who work tickets, managed in the workspace's Settings → Agents: invite one by
email (a user with no usable password, and a mail with a link to choose one), change a role,
switch an account off or on again.

Asks the policy (`manage_settings`), validates, writes in one transaction with ordinary
`save()` calls, so that the audit log records the role and `is_active` changes
(`ticketdesk.privacy.tracking`). The invitation is an intent row of core.mail queued in that
transaction and sent after commit by the mail sender, never inside it.

The invitation link is Django's password-reset token (`default_token_generator`): it proves
itself, needs no table, and stops working once a password is set or the user signs in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ticketdesk.core import mail
from ticketdesk.core.errors import ValidationFailed

from . import policy
from .actions import normalise_email
from .models import STAFF_ROLES, Role, Team, TeamMembership, User

INVITATION_PURPOSE = "invitation"


def _fail(fields: dict[str, list[str]]) -> None:
    raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def _unique_username(email: str) -> str:
    base = slugify(email.split("@", 1)[0])[:140] or "agent"
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def invitation_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("agent_invitation", args=[uid, token])


def is_invited(user: User) -> bool:
    """Invited and not yet in: no password chosen and never signed in."""
    return not user.has_usable_password() and user.last_login is None


def _queue_invitation(user: User, actor: Any) -> None:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "inviter": getattr(actor, "display_name", ""),
            "url": invitation_url(user),
            "brand": settings.TICKETDESK.get("BRAND_NAME") or "Ticketdesk",
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context)
        body = render_to_string("accounts/email/invitation.txt", context)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    mail.queue_mail(
        dedupe_key=f"agent-invitation:{user.pk}:{stamp}",
        to=[user.email],
        subject=subject,
        body=body,
        headers={"Auto-Submitted": "auto-generated"},
        purpose=INVITATION_PURPOSE,
    )


def invite_agent(
    *,
    actor: Any,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = Role.AGENT,
    teams: Iterable[Team] = (),
    language: str = "",
) -> User:
    """Create a staff account with no usable password and mail its owner a link to choose
    one; they land in the workspace."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    try:
        email = normalise_email(email)
    except ValidationFailed as error:
        errors.update(error.fields)
    else:
        if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            errors["email"] = [_("Someone already signs in with this address.")]
    if role not in STAFF_ROLES:
        errors["role"] = [_("Choose one of the offered values.")]
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Choose one of the offered values.")]
    if errors:
        _fail(errors)
    with transaction.atomic():
        user = User(
            username=_unique_username(email),
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
            role=role,
            language=language,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_unusable_password()
        user.save()
        for team in teams:
            TeamMembership.objects.create(team=team, user=user)
        _queue_invitation(user, actor)
    return user


def resend_invitation(*, actor: Any, user: User) -> None:
    """Mail a new link to someone invited who has not come in yet."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    if not is_invited(user) or not user.is_active:
        raise ValidationFailed(_("%(u)s has already chosen a password.") % {"u": user.display_name})
    with transaction.atomic():
        _queue_invitation(user, actor)


def _active_admins() -> Any:
    return User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))


def _keeps_an_admin(user: User, *, role: str, active: bool) -> bool:
    """Would an active admin remain if `user` had `role` and `active`? (Locks the admins.)"""
    is_admin_now = user.is_active and (user.role == Role.ADMIN or user.is_superuser)
    if not is_admin_now or (active and role == Role.ADMIN):
        return True
    others = list(
        _active_admins().exclude(pk=user.pk).select_for_update().values_list("pk", flat=True)
    )
    return bool(others)


def update_agent(*, actor: Any, user: User, role: str, active: bool) -> User:
    """Change the role of a staff member, or switch their account off (they cannot sign in,
    are not assignable, routing skips them; their tickets stay as they are) or on again.
    The last active administrator can be neither demoted nor switched off."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    if user.role not in STAFF_ROLES and not user.is_superuser:
        raise ValidationFailed(_("Customers are managed in the portal, not here."))
    if role not in STAFF_ROLES:
        _fail({"role": [_("Choose one of the offered values.")]})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not _keeps_an_admin(user, role=role, active=active):
            message = (
                _("You are the last active administrator: make someone else one first.")
                if getattr(actor, "pk", None) == user.pk
                else _("%(u)s is the last active administrator: make someone else one first.")
                % {"u": user.display_name}
            )
            raise ValidationFailed(message, fields={"role": [message]})
        user.role = role
        user.is_active = active
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["role", "is_active", "is_staff", "is_superuser"])
    return user
