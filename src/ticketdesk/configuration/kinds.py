"""What the configuration file holds: one `Kind` per section of the YAML document, in the
order the sections are applied (a kind only refers to kinds above it, or to itself).

Rows are named by natural keys (slugs, keys, names, category paths, user names), never by
database ids, so a file exported from one installation imports into another. Which columns
are exported is derived from the model (every concrete, editable column) minus bookkeeping
and secrets, so a new configuration column travels without touching this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from ticketdesk.accounts.models import STAFF_ROLES, Organization, Team, TeamMembership, User
from ticketdesk.audit.models import ComplianceSettings
from ticketdesk.automation.models import Macro, Rule
from ticketdesk.channels.chat.models import ChatWidgetSettings
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.core import clock
from ticketdesk.core.encryption import EncryptedTextField
from ticketdesk.kb.models import KbCategory, Section
from ticketdesk.notifications.models import WebhookEndpoint
from ticketdesk.portal.models import PortalSettings
from ticketdesk.routing.models import AgentAvailability, AgentSkill
from ticketdesk.sla.models import (
    BusinessCalendar,
    Holiday,
    SLAPolicy,
    SLATarget,
    TeamCalendar,
    WorkingHours,
)
from ticketdesk.tickets.models import (
    BusinessArea,
    CannedResponse,
    Category,
    ChannelDefault,
    CustomFieldDefinition,
    FieldSection,
    PriorityRule,
    Status,
    TicketType,
    Transition,
    VerificationStep,
    WorkflowSettings,
)

FORMAT_VERSION = 1
SECRET_WORDS = ("password", "secret", "token", "hash", "credential", "private_key")
# columns that record what happened, not what was configured
BOOKKEEPING = {
    "created_at",
    "updated_at",
    "created_by",
    "fire_count",
    "last_fired_at",
    "failure_count",
    "disabled_reason",
    "last_polled_at",
    "last_error",
    "oauth2_access_token_expires_at",
}


def is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _stamp(instance: Any) -> None:
    """A new row's creation and update times (the file does not carry them)."""
    now = clock.now()
    for name in ("created_at", "updated_at"):
        if hasattr(instance, name) and getattr(instance, name) is None:
            setattr(instance, name, now)


def _category_from_path(
    category: Any, key: tuple[Any, ...], find: Callable[[str, Any], Any]
) -> None:
    """ "Hardware / Laptop": name "Laptop" under "Hardware" (saved before it: files and
    exports list categories by path, so a parent comes before its children)."""
    parent_path, _sep, name = str(key[0]).rpartition(" / ")
    category.name = name
    category.parent_id = find("categories", parent_path) if parent_path else None


def _new_agent(user: Any) -> None:
    user.set_unusable_password()  # the new installation's admin sets or resets it


@dataclass(frozen=True)
class Kind:
    """One section of the file. `key` names the columns that identify a row (a ForeignKey
    in it is written as the other row's key); `refs` maps every ForeignKey and
    ManyToManyField written to the kind it points at."""

    name: str
    model: type[models.Model]
    key: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)
    only: tuple[str, ...] = ()  # export just these columns (else: every editable one)
    exclude: tuple[str, ...] = ()
    prune: bool = True  # rows missing from the file are deleted
    singleton: bool = False  # one row (pk=1), written as a mapping
    exported: bool = True  # False: only looked up by key (rows that are data)
    rows: Callable[[], models.QuerySet[Any]] | None = None
    on_create: Callable[[Any], None] | None = None
    # sets columns that follow from the key (a category's name and parent from its path)
    derive: Callable[[Any, tuple[Any, ...], Callable[[str, Any], Any]], None] | None = None

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def queryset(self) -> models.QuerySet[Any]:
        if self.rows is not None:
            return self.rows()
        return self.model._default_manager.all()

    def columns(self) -> list[models.Field[Any, Any]]:
        """The model fields written for a row besides its key, in model order."""
        wanted = []
        for model_field in [*self.model._meta.concrete_fields, *self.model._meta.many_to_many]:
            name = model_field.name
            if name in self.key or self._skipped(model_field):
                continue
            wanted.append(model_field)
        return wanted

    def key_fields(self) -> list[models.Field[Any, Any]]:
        return [self.model._meta.get_field(name) for name in self.key]  # type: ignore[misc]

    def _skipped(self, model_field: Any) -> bool:
        name = model_field.name
        if self.only:
            return name not in self.only
        if model_field.primary_key or not model_field.editable or name in self.exclude:
            return True
        if name in BOOKKEEPING or is_secret(name) or isinstance(model_field, EncryptedTextField):
            return True
        return bool(model_field.is_relation and name not in self.refs)


def _staff() -> models.QuerySet[Any]:
    return User.objects.filter(role__in=STAFF_ROLES)


def _staff_memberships() -> models.QuerySet[Any]:
    return TeamMembership.objects.filter(user__role__in=STAFF_ROLES)


KINDS: tuple[Kind, ...] = (
    Kind("teams", Team, ("slug",), refs={"escalation_team": "teams"}, exclude=("members",)),
    Kind(
        "agents",
        User,
        ("username",),
        only=("first_name", "last_name", "email", "role", "is_active", "language", "time_zone"),
        prune=False,  # people are not removed by a file; deactivate them instead
        rows=_staff,
        on_create=_new_agent,
    ),
    Kind(
        "team_members",
        TeamMembership,
        ("team", "user"),
        refs={"team": "teams", "user": "agents"},
        rows=_staff_memberships,
    ),
    Kind("agent_skills", AgentSkill, ("user", "kind", "value"), refs={"user": "agents"}),
    Kind("organizations", Organization, ("name",), exported=False),
    Kind("statuses", Status, ("key",)),
    Kind("ticket_types", TicketType, ("key",), refs={"default_team": "teams"}),
    Kind(
        "transitions",
        Transition,
        ("from_status", "to_status"),
        refs={
            "from_status": "statuses",
            "to_status": "statuses",
            "ticket_types": "ticket_types",
        },
    ),
    Kind(
        "verification_steps",
        VerificationStep,
        ("ticket_type", "key"),
        refs={"ticket_type": "ticket_types"},
    ),
    Kind(
        "categories",
        Category,
        ("path",),
        refs={"default_team": "teams"},
        exclude=("name", "parent"),  # both follow from the path
        derive=_category_from_path,
    ),
    Kind("business_areas", BusinessArea, ("name",)),
    Kind("channel_default_teams", ChannelDefault, ("channel",), refs={"team": "teams"}),
    Kind("priority_matrix", PriorityRule, ("urgency", "impact")),
    Kind("field_sections", FieldSection, ("name",)),
    Kind(
        "custom_fields",
        CustomFieldDefinition,
        ("key",),
        refs={
            "ticket_types": "ticket_types",
            "show_when_category": "categories",
            "section": "field_sections",
        },
    ),
    Kind("workflow_settings", WorkflowSettings, singleton=True),
    Kind("business_calendars", BusinessCalendar, ("name",)),
    Kind(
        "working_hours",
        WorkingHours,
        ("calendar", "weekday", "start"),
        refs={"calendar": "business_calendars"},
    ),
    Kind("holidays", Holiday, ("calendar", "date"), refs={"calendar": "business_calendars"}),
    Kind(
        "team_calendars",
        TeamCalendar,
        ("team",),
        refs={"team": "teams", "calendar": "business_calendars"},
    ),
    Kind(
        "agent_capacity",
        AgentAvailability,
        ("user",),
        refs={"user": "agents", "calendar": "business_calendars"},
        only=("capacity", "calendar"),  # presence (online, away) is the agent's own state
        prune=False,
    ),
    Kind(
        "sla_policies",
        SLAPolicy,
        ("name",),
        refs={
            "ticket_types": "ticket_types",
            "categories": "categories",
            "teams": "teams",
            "organizations": "organizations",
            "calendar": "business_calendars",
        },
    ),
    Kind("sla_targets", SLATarget, ("policy", "metric"), refs={"policy": "sla_policies"}),
    Kind("automation_rules", Rule, ("name",), on_create=_stamp),
    Kind(
        "macros",
        Macro,
        ("name", "owner"),
        refs={"owner": "agents", "team": "teams"},
        on_create=_stamp,
    ),
    Kind(
        "canned_responses",
        CannedResponse,
        ("title", "team", "owner"),
        refs={"owner": "agents", "team": "teams"},
    ),
    Kind(
        "mailboxes",
        Mailbox,
        ("address",),
        refs={"team": "teams", "ticket_type": "ticket_types", "category": "categories"},
    ),
    Kind("webhooks", WebhookEndpoint, ("name",), refs={"team": "teams"}, on_create=_stamp),
    Kind("portal_settings", PortalSettings, singleton=True, refs={"default_team": "teams"}),
    Kind("chat_widget", ChatWidgetSettings, singleton=True),
    Kind("privacy_settings", ComplianceSettings, singleton=True),
    Kind("kb_categories", KbCategory, ("slug",)),
    Kind("kb_sections", Section, ("category", "slug"), refs={"category": "kb_categories"}),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
