"""Links between tickets, merge, split and moving a message to another ticket."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock
from ticketdesk.core.errors import ValidationFailed

from .. import workflow
from ..models import (
    Attachment,
    EventKind,
    LinkKind,
    Message,
    StatusCategory,
    Ticket,
    TicketLink,
)
from .base import check, lock_ticket, publish, record, touch
from .fields import apply_tags


def link(source: Ticket, target: Ticket, kind: str, *, actor: User | None) -> TicketLink:
    if kind not in LinkKind.values:
        raise ValidationFailed(_("Unknown link type."), fields={"kind": [_("Unknown link type.")]})
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A ticket cannot be linked to itself."), fields={"target": [_("Same ticket.")]}
        )
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {t.pk: t for t in (lock_ticket(first), lock_ticket(second))}
        source, target = locked[source.pk], locked[target.pk]
        check(actor, policy.EDIT, source)
        check(actor, policy.VIEW, target)
        existing = TicketLink.objects.filter(source=source, target=target, kind=kind).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                created = TicketLink.objects.create(
                    source=source,
                    target=target,
                    kind=kind,
                    created_at=clock.now(),
                    created_by=actor,
                )
        except IntegrityError:
            return TicketLink.objects.get(source=source, target=target, kind=kind)
        for ticket, other, direction in ((source, target, "out"), (target, source, "in")):
            touch(ticket, [])
            record(
                ticket,
                EventKind.LINKED,
                actor,
                field="links",
                new=other,
                data={"kind": kind, "direction": direction, "number": other.number},
            )
            publish("ticket.updated", ticket, actor, changes=["links"])
    return created


def unlink(ticket_link: TicketLink, *, actor: User | None) -> None:
    with transaction.atomic():
        source = lock_ticket(ticket_link.source_id)
        target = lock_ticket(ticket_link.target_id)
        check(actor, policy.EDIT, source)
        kind = ticket_link.kind
        ticket_link.delete()
        for ticket, other in ((source, target), (target, source)):
            touch(ticket, [])
            record(
                ticket,
                EventKind.UNLINKED,
                actor,
                field="links",
                old=other,
                data={"kind": kind, "number": other.number},
            )
            publish("ticket.updated", ticket, actor, changes=["links"])


def merge(source: Ticket, target: Ticket, *, actor: User | None) -> Ticket:
    """Merge `source` into `target`: its messages, attachments, CC, watchers and tags move to
    the target; the source is closed as a duplicate pointing to the target."""
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A ticket cannot be merged into itself."), fields={"target": [_("Same ticket.")]}
        )
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {t.pk: t for t in (lock_ticket(first), lock_ticket(second))}
        source, target = locked[source.pk], locked[target.pk]
        check(actor, policy.MERGE, source)
        check(actor, policy.MERGE, target)
        if source.merged_into_id is not None:
            raise ValidationFailed(_("This ticket was already merged into another."))
        if target.merged_into_id is not None:
            raise ValidationFailed(
                _("The target ticket was itself merged; merge into %(n)s instead.")
                % {"n": target.merged_into.display_number if target.merged_into else "?"},
                fields={"target": [_("Merged ticket.")]},
            )
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        cc = list(source.cc.exclude(pk=target.requester_id))
        if source.requester_id != target.requester_id:
            cc.append(source.requester)
        target.cc.add(*cc)
        target.watchers.add(*source.watchers.all())
        apply_tags(target, add=list(source.tags.values_list("name", flat=True)))
        now = clock.now()
        TicketLink.objects.get_or_create(
            source=source,
            target=target,
            kind=LinkKind.DUPLICATE,
            defaults={"created_at": now, "created_by": actor},
        )
        old_status = source.status
        closed = workflow.status_for_category(StatusCategory.CLOSED)
        source.status = closed
        source.status_category = closed.category
        source.merged_into = target
        source.closed_at = now
        source.resolved_at = source.resolved_at or now
        touch(source, ["status", "status_category", "merged_into", "closed_at", "resolved_at"])
        last = Message.objects.filter(ticket=target).order_by("-created_at", "-id").first()
        target.last_message_at = last.created_at if last else target.last_message_at
        touch(target, ["last_message_at"])
        record(
            source,
            EventKind.MERGED_INTO,
            actor,
            field="merged_into",
            new=target,
            data={"number": target.number, "messages_moved": moved},
        )
        if old_status.pk != closed.pk:
            record(
                source,
                EventKind.STATUS_CHANGED,
                actor,
                field="status",
                old=old_status,
                new=closed,
                data={
                    "from_category": old_status.category,
                    "to_category": closed.category,
                    "merge": True,
                },
            )
        record(
            target,
            EventKind.MERGED,
            actor,
            field="merged",
            new=source,
            data={"number": source.number, "messages_moved": moved},
        )
        publish("ticket.merged", source, actor, target_id=target.pk)
        publish("ticket.updated", target, actor, changes=["merged"])
    return target


def split(message: Message, *, actor: User | None, subject: str | None = None) -> Ticket:
    """Move `message` (a public customer message) into a new ticket linked to the old one."""
    from .open import clean_subject

    with transaction.atomic():
        original = lock_ticket(message.ticket_id)
        check(actor, policy.EDIT, original)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if Message.objects.filter(ticket=original).count() < 2:
            raise ValidationFailed(_("The only message of a ticket cannot be split off."))
        from .open import open_ticket

        requester = message.author_contact or original.requester
        new_ticket = open_ticket(
            requester=requester,
            subject=clean_subject(subject or original.subject),
            channel=message.channel,
            actor=None,
            body=_("Split from %(n)s.") % {"n": original.display_number},
            markdown=False,
            team=original.team,
            ticket_type=original.ticket_type,
            category=original.category,
            organization=original.organization,
            urgency=original.urgency,
            impact=original.impact,
        )
        # the placeholder first message is replaced by the moved message
        Message.objects.filter(ticket=new_ticket).delete()
        message.ticket = new_ticket
        message.save(update_fields=["ticket"])
        Attachment.objects.filter(message=message).update(ticket=new_ticket)
        new_ticket.description = message.body_text
        new_ticket.created_at = clock.now()
        touch(new_ticket, ["description"])
        TicketLink.objects.create(
            source=new_ticket,
            target=original,
            kind=LinkKind.RELATED,
            created_at=clock.now(),
            created_by=actor,
        )
        touch(original, [])
        record(
            original,
            EventKind.SPLIT,
            actor,
            field="split",
            new=new_ticket,
            data={"number": new_ticket.number, "message_id": message.pk},
        )
        record(
            new_ticket,
            EventKind.SPLIT,
            actor,
            field="split_from",
            new=original,
            message=message,
            data={"number": original.number},
        )
        publish("ticket.updated", original, actor, changes=["split"])
    return new_ticket


def move_message(message: Message, target: Ticket, *, actor: User | None) -> Message:
    """Move a mis-threaded message to another ticket (both tickets record it)."""
    if message.ticket_id == target.pk:
        return message
    with transaction.atomic():
        first, second = sorted([message.ticket_id, target.pk])
        locked = {t.pk: t for t in (lock_ticket(first), lock_ticket(second))}
        source, target = locked[message.ticket_id], locked[target.pk]
        check(actor, policy.EDIT, source)
        check(actor, policy.EDIT, target)
        if Message.objects.filter(ticket=source).count() < 2:
            raise ValidationFailed(_("The only message of a ticket cannot be moved; merge it."))
        message.ticket = target
        message.save(update_fields=["ticket"])
        Attachment.objects.filter(message=message).update(ticket=target)
        touch(source, [])
        touch(target, [])
        for ticket, other, direction in ((source, target, "out"), (target, source, "in")):
            record(
                ticket,
                EventKind.MESSAGE_MOVED,
                actor,
                field="message",
                new=other,
                message=message,
                data={"direction": direction, "number": other.number},
            )
            publish("ticket.updated", ticket, actor, changes=["messages"])
    return message
