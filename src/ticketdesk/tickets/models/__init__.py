"""Ticket domain data. Models hold data and invariants; every change goes through
`tickets.actions`. Split by what they hold: configuration, the ticket, the conversation."""

from .canned import CannedResponse
from .configuration import (
    ACTIVE_CATEGORIES,
    DONE_CATEGORIES,
    BusinessArea,
    Category,
    Channel,
    ChannelDefault,
    CustomFieldDefinition,
    FieldType,
    Level,
    PriorityRule,
    Status,
    StatusCategory,
    Tag,
    TicketType,
    Transition,
)
from .conversation import (
    Attachment,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    TicketEvent,
    TicketLink,
    attachment_path,
)
from .ticket import SLAState, Ticket, TicketCounter

__all__ = [
    "ACTIVE_CATEGORIES",
    "DONE_CATEGORIES",
    "Attachment",
    "BusinessArea",
    "CannedResponse",
    "Category",
    "Channel",
    "ChannelDefault",
    "CustomFieldDefinition",
    "EventKind",
    "FieldType",
    "Level",
    "LinkKind",
    "Message",
    "MessageKind",
    "PriorityRule",
    "SLAState",
    "Status",
    "StatusCategory",
    "Tag",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketLink",
    "TicketType",
    "Transition",
    "attachment_path",
]
