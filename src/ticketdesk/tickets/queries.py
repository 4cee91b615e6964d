"""Reads: QuerySets already filtered by the policy and shaped for their page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, User
from ticketdesk.core.errors import NotFound
from ticketdesk.core.json_rows import fill_prefetched, json_rows, parse_rows

from . import custom_fields
from .models import Attachment, EventKind, Message, Tag, Ticket, TicketEvent, TicketLink
from .numbering import parse_number

LIST_FIELDS = (
    "id",
    "number",
    "subject",
    "requester__id",
    "requester__name",
    "requester__email",
    "team__id",
    "team__name",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "status__id",
    "status__name",
    "status__translations",
    "status__key",
    "status__category",
    "status__colour",
    "status_category",
    "priority",
    "urgency",
    "impact",
    "channel",
    "created_at",
    "updated_at",
    "due_at",
    "sla_state",
    "version",
    "organization_id",
    "ticket_type_id",
    "category_id",
    "last_message_at",
    "escalation_level",
)


def tickets_for_list(user: Any) -> QuerySet[Ticket]:
    """The visible tickets with what a list row shows (one query per page)."""
    return (
        policy.visible_tickets(user)
        .select_related("requester", "team", "assignee", "status")
        .only(*LIST_FIELDS)
    )


def _with_side_lists(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tags, watchers and CC of each ticket folded into its row (read by `_fill_side_lists`)."""
    return qs.annotate(
        tag_rows=json_rows(
            Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk")),
            "ticket_id",
            id="tag_id",
            name="tag__name",
        ),
        watcher_rows=json_rows(
            Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk")),
            "ticket_id",
            order="id",
            id="user_id",
            username="user__username",
            first_name="user__first_name",
            last_name="user__last_name",
        ),
        cc_rows=json_rows(
            Ticket.cc.through.objects.filter(ticket_id=OuterRef("pk")),
            "ticket_id",
            id="contact_id",
            name="contact__name",
            email="contact__email",
        ),
    )


def _fill_side_lists(ticket: Ticket) -> None:
    """`ticket.tags.all()`, `.watchers.all()` and `.cc.all()` answer from the folded rows
    (the instances carry the columns the ticket page shows, no more)."""
    row: Any = ticket  # annotated by _with_side_lists
    tags = [Tag(id=r["id"], name=r["name"]) for r in parse_rows(row.tag_rows)]
    fill_prefetched(ticket, "tags", sorted(tags, key=lambda t: t.name))
    watchers = sorted(parse_rows(row.watcher_rows), key=lambda r: r["order"])
    fill_prefetched(
        ticket,
        "watchers",
        [
            User(
                id=r["id"],
                username=r["username"],
                first_name=r["first_name"],
                last_name=r["last_name"],
            )
            for r in watchers
        ],
    )
    cc = [Contact(id=r["id"], name=r["name"], email=r["email"]) for r in parse_rows(row.cc_rows)]
    fill_prefetched(ticket, "cc", sorted(cc, key=lambda c: (c.name, c.email)))


def ticket_detail(
    user: Any,
    number_or_pk: int | str,
    *,
    by: str = "number",
    side_lists: bool = False,
    columns: dict[str, Any] | None = None,
) -> Ticket:
    """One visible ticket with its related rows, or NotFound (also when hidden from `user`,
    so that guessing numbers reveals nothing). `side_lists`: its tags, watchers and CC come
    in the same query (for a page that only reads them: changing them on this instance
    would leave the folded lists behind). `columns`: more annotations (subqueries of
    feature apps, say the time card's totals) read in the same query."""
    qs = policy.visible_tickets(user).select_related(
        "requester",
        "organization",
        "team",
        "assignee",
        "status",
        "ticket_type",
        "category",
        "business_area",
        "merged_into",
    )
    if side_lists:
        qs = _with_side_lists(qs)
    if columns:
        qs = qs.annotate(**columns)
    try:
        if by == "number":
            number = (
                parse_number(str(number_or_pk)) if isinstance(number_or_pk, str) else number_or_pk
            )
            if number is None:
                raise Ticket.DoesNotExist
            ticket = qs.get(number=number)
        else:
            ticket = qs.get(pk=number_or_pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("This ticket does not exist or you cannot see it.")) from None
    policy.note_visible(user, ticket)
    if side_lists:
        _fill_side_lists(ticket)
    return ticket


def messages_for(user: Any, ticket: Ticket) -> QuerySet[Message]:
    return (
        policy.visible_messages(user, ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def timeline_messages(user: Any, ticket: Ticket) -> list[Message]:
    """`messages_for` in one query: each message's attachments (what the timeline shows of
    them) folded into its row; `message.attachments.all()` answers from them."""
    rows = (
        policy.visible_messages(user, ticket)
        .select_related("author_user", "author_contact")
        .annotate(
            attachment_rows=json_rows(
                Attachment.objects.filter(message_id=OuterRef("pk")),
                "message_id",
                id="id",
                original_name="original_name",
                content_type="content_type",
                size="size",
                content_id="content_id",
                is_inline="is_inline",
            )
        )
        .order_by("created_at", "id")
    )
    found: list[Message] = list(rows)
    for message in found:
        annotated: Any = message
        files = sorted(parse_rows(annotated.attachment_rows), key=lambda r: r["id"])
        fill_prefetched(
            message,
            "attachments",
            [
                Attachment(
                    ticket_id=ticket.pk,
                    message_id=message.pk,
                    **{**r, "is_inline": bool(r["is_inline"])},
                )
                for r in files
            ],
        )
    return found


# what customers (and anyone without VIEW_INTERNAL) never see in a history
INTERNAL_EVENT_KINDS = (
    "note_added",
    "rule_fired",
    "sla",
    "watcher_added",
    "watcher_removed",
    "escalated",
)


# events whose values (and data["number"]) name another ticket
TICKET_NAMING_KINDS = frozenset(
    {
        EventKind.LINKED,
        EventKind.UNLINKED,
        EventKind.MERGED,
        EventKind.MERGED_INTO,
        EventKind.SPLIT,
        EventKind.MESSAGE_MOVED,
    }
)


def _named_ticket_id(event: TicketEvent) -> int | None:
    """The id of the other ticket an event names (its label, see actions.base.label)."""
    value = event.new_value if isinstance(event.new_value, dict) else event.old_value
    pk = value.get("id") if isinstance(value, dict) else None
    return pk if isinstance(pk, int) else None


def hide_unseen_tickets(
    user: Any, events: list[TicketEvent], known_visible: Iterable[int] = ()
) -> list[TicketEvent]:
    """Events that name a ticket `user` may not see keep their kind, but lose that ticket's
    number and subject (in memory; the log is unchanged): link and event labels follow the
    policy of the ticket they name. One query, none for admins, none when every named ticket
    is in `known_visible` (say, the other ends of the visible links just read)."""
    naming = [e for e in events if e.kind in TICKET_NAMING_KINDS]
    if not naming or policy.is_admin(user):
        return events
    named = {e.pk: _named_ticket_id(e) for e in naming}
    wanted = {pk for pk in named.values() if pk is not None}
    known = set(known_visible)
    visible = known if wanted <= known else policy.visible_ticket_ids(user, wanted)
    for event in naming:
        if named[event.pk] in visible:
            continue
        hidden = {"id": None, "label": _("a ticket you cannot see")}
        if isinstance(event.new_value, dict):
            event.new_value = hidden
        if isinstance(event.old_value, dict):
            event.old_value = hidden
        data = {k: v for k, v in (event.data or {}).items() if k not in ("number", "message_id")}
        event.data = {**data, "hidden": True}
    return events


def events_for(user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The events of `ticket` that `user` may see; pass what is shown through
    `hide_unseen_tickets` (or use `event_list`)."""
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor_user", "actor_contact")
    if not policy.can(user, policy.VIEW_INTERNAL, ticket):
        qs = qs.exclude(kind__in=INTERNAL_EVENT_KINDS)
    return qs.order_by("created_at", "id")


def event_feed(user: Any) -> QuerySet[TicketEvent]:
    """Every event `user` may follow in the change feed: of the tickets they see, without
    internal kinds for customers; nothing for whoever may not read the feed."""
    if not policy.can(user, policy.VIEW_EVENT_FEED):
        return TicketEvent.objects.none()
    qs = TicketEvent.objects.all()
    if not policy.is_admin(user):
        qs = qs.filter(ticket_id__in=policy.visible_tickets(user).values("pk"))
    if not policy.is_staff_member(user):
        qs = qs.exclude(kind__in=INTERNAL_EVENT_KINDS)
    return qs


def event_list(user: Any, ticket: Ticket, known_visible: Iterable[int] = ()) -> list[TicketEvent]:
    """The events of a ticket as `user` may see them, labels included."""
    return hide_unseen_tickets(user, list(events_for(user, ticket)), known_visible)


def links_for(user: Any, ticket: Ticket) -> list[TicketLink]:
    """Links in both directions (outgoing first), with the other ticket loaded; only links to
    tickets `user` may see (the others' numbers and subjects are not theirs to read). One
    query: the visibility of the other side is a subquery."""
    outgoing, incoming = Q(source=ticket), Q(target=ticket)
    if not policy.is_admin(user):
        # correlated EXISTS, checked per link by primary key: `IN (visible tickets)` would
        # have PostgreSQL hash every visible ticket first
        visible = policy.visible_tickets(user)
        outgoing &= Q(Exists(visible.filter(pk=OuterRef("target_id"))))
        incoming &= Q(Exists(visible.filter(pk=OuterRef("source_id"))))
    links = list(
        TicketLink.objects.filter(outgoing | incoming)
        .select_related("source", "source__status", "target", "target__status")
        .order_by("id")
    )
    return sorted(links, key=lambda lk: lk.source_id != ticket.pk)


def requester_history(user: Any, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The requester's other visible tickets: open ones first, then the most recent. One
    query over the requester's tickets (the requester index), open ones ranked first; not
    `pk IN (open …) OR pk IN (done …)`, which PostgreSQL answers with a scan of every ticket."""
    done = ["resolved", "closed"]
    is_done = Case(When(status_category__in=done, then=Value(1)), default=Value(0))
    return list(
        tickets_for_list(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .order_by(is_done, "-updated_at", "-id")[:limit]
    )


def field_files(user: Any, ticket: Ticket) -> dict[str, Attachment]:
    """The attachments the ticket's fields of type "file" hold, by field key, those `user`
    may open (one query; none when the ticket has no file value)."""
    file_keys = {d.key for d in custom_fields.active_definitions() if d.field_type == "file"}
    wanted = {
        key: value
        for key, value in (ticket.custom_fields or {}).items()
        if key in file_keys and isinstance(value, int) and not isinstance(value, bool)
    }
    if not wanted:
        return {}
    rows = Attachment.objects.filter(
        ticket=ticket, pk__in=wanted.values(), field_key__in=list(wanted)
    ).select_related("ticket")
    return {
        row.field_key: row
        for row in rows
        if wanted.get(row.field_key) == row.pk and policy.can_see_attachment(user, row)
    }
