"""Model → JSON-ready dicts for the response schemas (no queries beyond what the caller
loaded: list rows only touch the columns of `tickets.queries.LIST_FIELDS`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from ticketdesk.accounts import policy
from ticketdesk.tickets.models import Attachment, Message, Ticket, TicketEvent


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def contact_ref(contact: Any) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"id": contact.pk, "name": contact.name, "email": contact.email}


def ref(obj: Any, attr: str = "name") -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(getattr(obj, attr))}


def status_ref(status: Any) -> dict[str, Any]:
    return {"key": status.key, "name": str(status), "category": status.category}


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "status": status_ref(ticket.status),
        "status_category": ticket.status_category,
        "priority": ticket.priority,
        "urgency": ticket.urgency,
        "impact": ticket.impact,
        "channel": ticket.channel,
        "requester": contact_ref(ticket.requester),
        "organization_id": ticket.organization_id,
        "team": ref(ticket.team),
        "assignee": user_ref(ticket.assignee),
        "ticket_type_id": ticket.ticket_type_id,
        "category_id": ticket.category_id,
        "tags": sorted((t.name for t in ticket.tags.all()), key=str.lower),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "last_message_at": ticket.last_message_at,
        "due_at": ticket.due_at,
        "sla_state": ticket.sla_state,
        "version": ticket.version,
        "escalation_level": ticket.escalation_level,
    }


def ticket_detail(ticket: Ticket, viewer: Any) -> dict[str, Any]:
    staff = policy.is_staff_member(viewer)
    custom = dict(ticket.custom_fields or {})
    if not staff and custom:
        from ticketdesk.tickets.models import CustomFieldDefinition

        shown = set(
            CustomFieldDefinition.objects.filter(
                key__in=list(custom), visible_to_customers=True
            ).values_list("key", flat=True)
        )
        custom = {k: v for k, v in custom.items() if k in shown}
    body = ticket_summary(ticket)
    body.update(
        {
            "description": ticket.description,
            "organization": ref(ticket.organization),
            "ticket_type": ticket.ticket_type.key if ticket.ticket_type else None,
            "category": ref(ticket.category, "path"),
            "business_area": ref(ticket.business_area),
            "priority_overridden": ticket.priority_overridden,
            "custom_fields": custom,
            "watchers": [user_ref(u) for u in ticket.watchers.all()] if staff else None,
            "cc": [contact_ref(c) for c in ticket.cc.all()],
            "merged_into": ticket.merged_into.number if ticket.merged_into else None,
            "first_response_at": ticket.first_response_at,
            "resolved_at": ticket.resolved_at,
            "closed_at": ticket.closed_at,
            "reopen_count": ticket.reopen_count,
            "escalated_at": ticket.escalated_at,
            "resolution_summary": ticket.resolution_summary,
            "verification": list(ticket.verification or []),
        }
    )
    return body


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("api:attachment_download", kwargs={"attachment_id": attachment.pk}),
    }


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": message.author_name,
        "author_user_id": message.author_user_id,
        "author_contact_id": message.author_contact_id,
        "from_customer": message.is_customer_message,
        "body_html": message.body_html,
        "body_text": message.body_text,
        "channel": message.channel,
        "created_at": message.created_at,
        "attachments": [attachment_out(a) for a in message.attachments.all()],
    }


def event_out(event: TicketEvent, ticket_number: int | None = None) -> dict[str, Any]:
    return {
        "id": event.pk,
        "ticket_id": event.ticket_id,
        "ticket_number": ticket_number,
        "kind": event.kind,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "actor_user_id": event.actor_user_id,
        "actor_contact_id": event.actor_contact_id,
        "message_id": event.message_id,
        "data": event.data or {},
        "created_at": event.created_at,
    }
