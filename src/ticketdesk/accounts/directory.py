"""The company directory (LDAP / Active Directory): signing in with a directory password
(django-auth-ldap) and `ticketdesk ldap_sync`, which imports employees as contacts with their
department and manager. Settings: docs/configuration.md, "Sign-in: 2FA, OIDC, LDAP"."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import ldap
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend as BaseLDAPBackend
from django_auth_ldap.backend import LDAPSettings
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch
from ldap.controls import SimplePagedResultsControl

from ticketdesk.core.errors import ValidationFailed

from . import actions, external_identity
from .models import Contact, Role, User

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # Active Directory answers at most 1,000 entries per page
TIMEOUT_SECONDS = 10


def connection_options() -> dict[int, Any]:
    return {ldap.OPT_NETWORK_TIMEOUT: TIMEOUT_SECONDS, ldap.OPT_REFERRALS: 0}


class LDAPBackend(BaseLDAPBackend):
    """django-auth-ldap, configured from TICKETDESK_LDAP_* (search objects built here), that
    gives each person the role their directory groups say."""

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:  # type: ignore[has-type]
            ours = LDAPSettings(self.settings_prefix, self.default_settings)
            ours.USER_SEARCH = LDAPSearch(
                settings.LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_USER_FILTER
            )
            if settings.LDAP_GROUP_BASE:
                ours.GROUP_SEARCH = LDAPSearch(
                    settings.LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"
                )
                ours.GROUP_TYPE = GroupOfNamesType(name_attr="cn")
            ours.CONNECTION_OPTIONS = {**connection_options(), **ours.CONNECTION_OPTIONS}
            self._settings = ours
        return self._settings

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        self._settings = value

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        if built:
            user.role = settings.LDAP_DEFAULT_ROLE
            user.set_unusable_password()
        return user, built

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> User | None:
        user: User | None = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        role = role_from_groups(ldap_user.group_dns if settings.LDAP_GROUP_BASE else set())
        if role is not None:
            external_identity.apply_role(user, role)
        if user.role == Role.CUSTOMER and user.email:
            contact = actions.get_or_create_contact(user.email, user.get_full_name())
            if contact.user_id is None:
                contact.user = user
                contact.save(update_fields=["user"])
        return user


def role_from_groups(group_dns: set[str] | list[str]) -> str | None:
    """The role the person's groups give; None when no group is mapped to a role."""
    mapping = {
        settings.LDAP_ADMIN_GROUP.lower(): Role.ADMIN,
        settings.LDAP_AGENT_GROUP.lower(): Role.AGENT,
    }
    mapping.pop("", None)
    if not mapping:
        return None
    roles = [mapping[dn.lower()] for dn in group_dns if dn.lower() in mapping]
    return external_identity.strongest_role(roles, settings.LDAP_DEFAULT_ROLE)


# --- directory sync -------------------------------------------------------------------------


@dataclass
class Employee:
    dn: str
    email: str
    name: str
    department: str
    manager_dn: str
    phone: str


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    managers: int = 0
    skipped: list[str] = field(default_factory=list)  # DNs without a (valid) email address


def _text(attrs: dict[str, list[bytes]], name: str) -> str:
    values = attrs.get(name) or []
    return values[0].decode("utf-8", "replace").strip() if values else ""


def read_directory() -> list[Employee]:
    """Every person the sync filter finds, read page by page (no database work here)."""
    if not settings.AUTH_LDAP_SERVER_URI or not settings.LDAP_USER_BASE:
        raise ValidationFailed(
            _("Set TICKETDESK_LDAP_SERVER_URI and TICKETDESK_LDAP_USER_BASE to sync the directory.")
        )
    department_attr = settings.LDAP_DEPARTMENT_ATTRIBUTE
    wanted = ["mail", "displayName", "cn", department_attr, "manager", "telephoneNumber"]
    conn = ldap.initialize(settings.AUTH_LDAP_SERVER_URI)
    for option, value in connection_options().items():
        conn.set_option(option, value)
    try:
        if settings.AUTH_LDAP_START_TLS:
            conn.start_tls_s()
        conn.simple_bind_s(settings.AUTH_LDAP_BIND_DN, settings.AUTH_LDAP_BIND_PASSWORD)
        paging = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie="")
        people: list[Employee] = []
        while True:
            msgid = conn.search_ext(
                settings.LDAP_USER_BASE,
                ldap.SCOPE_SUBTREE,
                settings.LDAP_SYNC_FILTER,
                wanted,
                serverctrls=[paging],
            )
            _type, entries, _id, controls = conn.result3(msgid, timeout=TIMEOUT_SECONDS * 6)
            for dn, attrs in entries:
                if dn is None:  # a referral
                    continue
                people.append(
                    Employee(
                        dn=dn,
                        email=_text(attrs, "mail"),
                        name=_text(attrs, "displayName") or _text(attrs, "cn"),
                        department=_text(attrs, department_attr),
                        manager_dn=_text(attrs, "manager"),
                        phone=_text(attrs, "telephoneNumber"),
                    )
                )
            cookie = next(
                (
                    c.cookie
                    for c in controls
                    if c.controlType == SimplePagedResultsControl.controlType
                ),
                b"",
            )
            if not cookie:
                return people
            paging.cookie = cookie
    finally:
        conn.unbind_s()


def sync_directory() -> SyncReport:
    """Import the directory's people as contacts (created or updated), with department and
    manager; a contact whose email has a user account is linked to it."""
    people = read_directory()  # network first, then one transaction
    report = SyncReport()
    with transaction.atomic():
        by_dn: dict[str, Contact] = {}
        for person in people:
            if not person.email:
                report.skipped.append(person.dn)
                continue
            try:
                actions.normalise_email(person.email)
            except ValidationFailed:
                report.skipped.append(person.dn)
                continue
            by_dn[person.dn.lower()] = _upsert(person, report)
        for person in people:
            employee = by_dn.get(person.dn.lower())
            if employee is None:
                continue
            manager = by_dn.get(person.manager_dn.lower()) if person.manager_dn else None
            if employee.manager_id != (manager.pk if manager else None):
                employee.manager = manager
                employee.save(update_fields=["manager"])
            if manager is not None:
                report.managers += 1
    return report


def _upsert(person: Employee, report: SyncReport) -> Contact:
    contact = (
        Contact.objects.filter(directory_dn__iexact=person.dn).first()
        or Contact.objects.filter(email__iexact=person.email).first()
    )
    is_new = contact is None
    if contact is None:
        contact = actions.get_or_create_contact(person.email, person.name)
    assert contact is not None
    changed_fields: list[str] = []
    values = {
        "email": actions.normalise_email(person.email),
        "name": person.name[:200] or contact.name,
        "department": person.department[:200],
        "phone": person.phone[:50] or contact.phone,
        "directory_dn": person.dn[:500],
    }
    for name, value in values.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed_fields.append(name)
    if contact.user_id is None:
        user = User.objects.filter(email__iexact=person.email).first()
        if user is not None and not hasattr(user, "contact"):
            contact.user = user
            changed_fields.append("user")
    if changed_fields:
        contact.save(update_fields=changed_fields)
    if is_new:
        report.created += 1
    elif changed_fields:
        report.updated += 1
    else:
        report.unchanged += 1
    return contact
