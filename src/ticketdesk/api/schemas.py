"""Request and response schemas of the API (the OpenAPI document is generated from these)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

# Ids and numbers fit the database's 64-bit integers (and JSON's safe range).
MAX_ID = 2**53
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _strip_nul(value: Any) -> Any:
    """NUL characters cannot be stored (PostgreSQL refuses them): drop them at the door."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    return value


class In(Schema):
    """Base of every request schema."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        return _strip_nul(data) if isinstance(data, dict) else data


# --- shared ------------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ConflictOut(ErrorOut):
    current_version: int | None = None
    changes: list[dict[str, Any]] | None = None
    ticket: TicketOut | None = None


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class ContactRef(Schema):
    id: int
    name: str
    email: str


class StatusRef(Schema):
    key: str
    name: str
    category: str


# --- tickets -----------------------------------------------------------------------------------

Level = Literal[1, 2, 3, 4]


class TicketSummary(Schema):
    id: int
    number: int
    display_number: str
    subject: str
    status: StatusRef
    status_category: str
    priority: int
    urgency: int
    impact: int
    channel: str
    requester: ContactRef
    organization_id: int | None
    team: Ref | None
    assignee: UserRef | None
    ticket_type_id: int | None
    category_id: int | None
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_message_at: dt.datetime | None
    due_at: dt.datetime | None
    sla_state: str
    version: int
    escalation_level: int = Field(
        0, description="0: first level; 1: tier 2; 2: specialists / lead."
    )


class TicketOut(TicketSummary):
    description: str
    organization: Ref | None
    ticket_type: str | None
    category: Ref | None
    business_area: Ref | None
    priority_overridden: bool
    custom_fields: dict[str, Any]
    watchers: list[UserRef] | None = None
    cc: list[ContactRef]
    merged_into: int | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopen_count: int
    escalated_at: dt.datetime | None = None
    resolution_summary: str = Field("", description="What was done, given when resolving.")
    verification: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The type's checklist as answered: [{key, label, kind, value}].",
    )


class TicketPage(Schema):
    items: list[TicketSummary]
    next_cursor: str | None


# channels an agent may record when opening a ticket through the API ("portal" and the
# email channel's own ingestion are not for API clients)
CreateChannel = Literal["api", "phone", "agent", "email", "chat"]


class TicketCreate(In):
    """Unknown fields are refused (422), so that a misspelt or unsupported field is never
    silently dropped."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(..., min_length=1, max_length=250)
    body: str = Field("", max_length=200_000)
    body_html: str | None = Field(None, max_length=400_000)
    markdown: bool = True
    requester_id: Id | None = Field(None, description="Agents: an existing contact.")
    requester_email: str | None = Field(
        None, max_length=254, description="Agents: a contact found or created by email."
    )
    requester_name: str = Field("", max_length=200)
    team_id: Id | None = None
    assignee_id: Id | None = None
    ticket_type: str | None = Field(None, description="Ticket type key, e.g. incident.")
    category_id: Id | None = None
    business_area_id: Id | None = None
    urgency: Level = 2
    impact: Level = 2
    priority: Level | None = Field(None, description="Override the urgency × impact matrix.")
    tags: list[str] = Field(default_factory=list, max_length=50)
    cc: list[str] = Field(default_factory=list, max_length=50, description="CC email addresses.")
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    channel: CreateChannel = Field(
        "api",
        description="How the request reached you. Agents may record phone, agent (walk-in), "
        "email or chat for a customer's request; customers open tickets via api only.",
    )


class TicketPatch(In):
    """Only the fields present are changed. `version` (or If-Match) guards against
    overwriting someone else's change."""

    model_config = ConfigDict(extra="forbid")

    version: Id | None = None
    subject: str | None = Field(None, min_length=1, max_length=250)
    team_id: Id | None = None
    assignee_id: Id | None = None
    ticket_type: str | None = None
    category_id: Id | None = None
    business_area_id: Id | None = None
    organization_id: Id | None = None
    requester_id: Id | None = None
    urgency: Level | None = None
    impact: Level | None = None
    priority: Level | None = Field(None, description="null: back to the matrix value.")
    status: str | None = Field(None, description="Status key.")
    custom_fields: dict[str, Any] | None = None
    tags_add: list[str] | None = Field(None, max_length=50)
    tags_remove: list[str] | None = Field(None, max_length=50)


class StatusChange(In):
    status: str = Field(..., description="Status key.")
    version: Id | None = None
    resolution_summary: str | None = Field(
        None,
        max_length=5000,
        description="What was done: required when an agent resolves or closes an active ticket.",
    )
    verification: dict[str, Any] | None = Field(
        None,
        description="The ticket type's checklist by item key, e.g. "
        '`{"fix_tested_by": "Ana", "customer_confirmed": true}`.',
    )


class AssignIn(In):
    assignee_id: Id | None = Field(None, description="null: back to the queue.")
    team_id: Id | None = Field(None, description="Move to this team too (if given).")
    version: Id | None = None


class EscalateIn(In):
    reason: str = Field(..., max_length=2000, description="Why the ticket needs escalation.")
    kind: Literal["functional", "hierarchical"] | None = Field(
        None,
        description="functional: to another team; hierarchical: to a lead or manager. "
        "Default: functional when `team_id` is given or the team has an escalation team.",
    )
    team_id: Id | None = Field(
        None, description="Functional: the team (default: the escalation team)."
    )
    user_id: Id | None = Field(
        None, description="Hierarchical: the lead or manager (default: the team's lead)."
    )
    level: int | None = Field(None, ge=1, le=2, description="Default: one level up.")
    version: Id | None = None


class MergeIn(In):
    into: Id = Field(..., description="Number of the ticket this one is merged into.")


class LinkIn(In):
    target: Id = Field(..., description="Number of the other ticket.")
    kind: Literal["related", "duplicate", "parent", "follow_up"] = "related"


class LinkOut(Schema):
    id: int
    kind: str
    direction: Literal["outgoing", "incoming"]
    ticket: int
    subject: str


class SlaOut(Schema):
    sla_state: str
    first_response_due_at: dt.datetime | None
    next_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    due_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None


# --- messages and attachments --------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    kind: str
    author: str
    author_user_id: int | None
    author_contact_id: int | None
    from_customer: bool
    body_html: str
    body_text: str
    channel: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class MessageIn(In):
    body: str = Field("", max_length=200_000)
    body_html: str | None = Field(None, max_length=400_000)
    markdown: bool = True
    status: str | None = Field(None, description="Replies by agents: set this status too.")
    version: Id | None = None


# --- events --------------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    ticket_id: int
    ticket_number: int | None = None
    kind: str
    field: str
    old_value: Any = None
    new_value: Any = None
    actor_user_id: int | None
    actor_contact_id: int | None
    message_id: int | None
    data: dict[str, Any]
    created_at: dt.datetime


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


# --- people and catalogues -----------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    language: str
    organization_ids: list[int]
    has_login: bool
    created_at: dt.datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactIn(In):
    email: str = Field(..., min_length=3, max_length=254)
    name: str = Field("", max_length=200)


class OrganizationOut(Schema):
    id: int
    name: str
    domains: str
    shared_tickets: bool
    tier: str


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    email: str
    active: bool
    assignment_strategy: str


class AgentOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    team_ids: list[int]


class StatusOut(Schema):
    id: int
    key: str
    name: str = Field(..., description="In the language of the request.")
    category: str
    order: int
    is_default: bool
    active: bool
    colour: str = Field(..., description="The badge colour, one of a fixed palette.")
    translations: dict[str, dict[str, Any]] = Field(
        ..., description="The texts in every language of the site, keyed by language code."
    )


class TypeOut(Schema):
    id: int
    key: str
    name: str = Field(..., description="In the language of the request.")
    active: bool
    translations: dict[str, dict[str, Any]] = Field(
        ..., description="The texts in every language of the site, keyed by language code."
    )


class CategoryOut(Schema):
    id: int
    name: str = Field(..., description="In the language of the request.")
    path: str = Field(..., description="Every level in the language of the request.")
    parent_id: int | None
    active: bool
    translations: dict[str, dict[str, Any]] = Field(
        ..., description="The texts in every language of the site, keyed by language code."
    )


class BusinessAreaOut(Schema):
    id: int
    name: str = Field(..., description="In the language of the request.")
    active: bool
    translations: dict[str, dict[str, Any]] = Field(
        ..., description="The texts in every language of the site, keyed by language code."
    )


class TagOut(Schema):
    id: int
    name: str


class ChoiceOut(Schema):
    value: str
    label: str = Field(..., description="In the language of the request.")


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str = Field(..., description="In the language of the request.")
    field_type: str
    choices: list[ChoiceOut]
    required: bool
    help_text: str = Field(..., description="In the language of the request.")
    ticket_types: list[str]
    visible_to_customers: bool
    section: str | None = Field(
        None, description="The section of the form the field is in, in the language of the request."
    )
    allowed_file_types: list[str] = Field(
        default_factory=list,
        description='A field of type "file": the extensions (".pdf") and content types '
        '("image/*") it takes; empty: any.',
    )
    max_file_bytes: int | None = Field(
        None, description='A field of type "file": the largest file it takes, in bytes.'
    )
    translations: dict[str, dict[str, Any]] = Field(
        ...,
        description="Label, help text and choice labels ({value: label}) in every language "
        "of the site, keyed by language code.",
    )


class CannedResponseOut(Schema):
    id: int
    title: str
    body: str


# --- tokens --------------------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(..., description="Shown once; store it now.")


class TokenIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"


ConflictOut.model_rebuild()
