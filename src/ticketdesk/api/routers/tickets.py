"""/tickets: list, create, read, update, status, assign, merge, links, SLA."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router
from ninja import Status as HttpStatus

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization, Team, User
from ticketdesk.audit import log as audit_log
from ticketdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ticketdesk.tickets import actions, queries
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Channel,
    Status,
    Tag,
    Ticket,
    TicketLink,
    TicketType,
)
from ticketdesk.tickets.resolution import Resolution

from .. import filters, idempotency, serializers
from ..lookups import etag, optional_pick, parse_if_match, pick
from ..paging import page_of
from ..schemas import (
    MAX_ID,
    AssignIn,
    ConflictOut,
    ErrorOut,
    EscalateIn,
    LinkIn,
    LinkOut,
    MergeIn,
    SlaOut,
    StatusChange,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketPatch,
)

router = Router(tags=["tickets"])

Number = Path(..., ge=1, le=MAX_ID, description="The ticket number (without prefix).")
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ConflictOut, 413: ErrorOut}


def user_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def get_ticket(request: HttpRequest, number: int) -> Ticket:
    return queries.ticket_detail(user_of(request), number)


def detail_response(
    request: HttpRequest, response: HttpResponse, ticket: Ticket, *, fresh: bool = False
) -> Any:
    """The ticket as the caller may see it, with its ETag. `fresh`: `ticket` was just
    created with its related rows attached, so only visibility is checked (no re-read)."""
    if fresh:
        if not policy.can(user_of(request), policy.VIEW, ticket):
            raise NotFound(_("This ticket does not exist or you cannot see it."))
    else:
        ticket = queries.ticket_detail(user_of(request), ticket.pk, by="pk")
    response["ETag"] = etag(ticket.version)
    return serializers.ticket_detail(ticket, user_of(request))


def with_current_state(request: HttpRequest, ticket_pk: int, exc: Conflict) -> Conflict:
    """A 409 carries the ticket as it is now, so the client can merge and retry."""
    current = queries.ticket_detail(user_of(request), ticket_pk, by="pk")
    exc.extra["ticket"] = serializers.ticket_detail(current, user_of(request))
    return exc


@router.get("", response={200: TicketPage, **ERRORS}, summary="List tickets")
def list_tickets(request: HttpRequest, params: Query[filters.TicketFilters]) -> Any:
    user = user_of(request)
    qs = queries.tickets_for_list(user).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name"))
    )
    qs = filters.apply(qs, params, user)
    page = page_of(qs, filters.SORTS[params.sort], cursor=params.cursor, limit=params.limit)
    return {
        "items": [serializers.ticket_summary(t) for t in page.items],
        "next_cursor": page.next_cursor,
    }


def _requester_for(user: User, payload: TicketCreate) -> Contact:
    if policy.is_staff_member(user):
        if payload.requester_id is not None:
            return pick(Contact.objects.all(), "requester_id", pk=payload.requester_id)
        if payload.requester_email:
            return account_actions.get_or_create_contact(
                payload.requester_email, payload.requester_name
            )
        raise ValidationFailed(
            _("Give the requester (requester_id or requester_email)."),
            fields={"requester_id": [_("This field is required.")]},
        )
    contact = policy.contact_for(user)
    if contact is None:
        raise PermissionDenied(_("Your account has no contact to open tickets for."))
    if payload.requester_id not in (None, contact.pk) or payload.requester_email:
        raise PermissionDenied(_("You can only open tickets for yourself."))
    return contact


def _open(user: User, payload: TicketCreate) -> Ticket:
    staff = policy.is_staff_member(user)
    requester = _requester_for(user, payload)
    if not staff and (payload.assignee_id or payload.team_id or payload.priority or payload.cc):
        raise PermissionDenied(_("Only agents can set the team, assignee, priority or CC."))
    if payload.channel != Channel.API and not policy.can(user, policy.CREATE_FOR_OTHERS):
        raise PermissionDenied(
            _("Only agents can record another channel than the API."),
            fields={"channel": [_("Leave it out, or use “api”.")]},
        )
    cc = [account_actions.get_or_create_contact(email, "") for email in payload.cc if email.strip()]
    return actions.open_ticket(
        requester=requester,
        subject=payload.subject,
        body=payload.body,
        body_html=payload.body_html,
        markdown=payload.markdown,
        channel=payload.channel,
        actor=user,
        team=optional_pick(Team.objects.all(), "team_id", payload.team_id),
        assignee=optional_pick(User.objects.all(), "assignee_id", payload.assignee_id),
        ticket_type=optional_pick(
            TicketType.objects.filter(active=True), "ticket_type", payload.ticket_type, "key"
        ),
        category=optional_pick(Category.objects.all(), "category_id", payload.category_id),
        business_area=optional_pick(
            BusinessArea.objects.all(), "business_area_id", payload.business_area_id
        ),
        urgency=payload.urgency,
        impact=payload.impact,
        priority_override=payload.priority,
        tags=payload.tags if staff else (),
        cc=cc,
        custom_field_values=payload.custom_fields,
    )


@router.post(
    "",
    response={201: TicketOut, **WRITE_ERRORS},
    summary="Open a ticket",
    description="Send an `Idempotency-Key` header to make retries safe.",
)
def create_ticket(
    request: HttpRequest,
    response: HttpResponse,
    payload: TicketCreate,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    user = user_of(request)
    ticket, replayed = idempotency.run_once(
        user=user,
        key=idempotency_key,
        endpoint="tickets.create",
        payload=payload.dict(),
        create=lambda: _open(user, payload),
        load=lambda pk: queries.ticket_detail(user, pk, by="pk"),
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    response["Location"] = f"{request.path.rstrip('/')}/{ticket.number}"
    return HttpStatus(201, detail_response(request, response, ticket, fresh=not replayed))


@router.get("/{number}", response={200: TicketOut, **ERRORS}, summary="Read a ticket")
def read_ticket(request: HttpRequest, response: HttpResponse, number: int = Number) -> Any:
    ticket = get_ticket(request, number)
    if policy.is_staff_member(user_of(request)):  # the agents' view, with private data
        audit_log.record_view(user_of(request), ticket, via="api")
    return detail_response(request, response, ticket)


_FK_FIELDS: dict[str, tuple[str, Any, str]] = {
    # payload field → (set_fields name, queryset, lookup attribute)
    "team_id": ("team", Team.objects.all(), "pk"),
    "assignee_id": ("assignee", User.objects.all(), "pk"),
    "ticket_type": ("ticket_type", TicketType.objects.filter(active=True), "key"),
    "category_id": ("category", Category.objects.all(), "pk"),
    "business_area_id": ("business_area", BusinessArea.objects.all(), "pk"),
    "organization_id": ("organization", Organization.objects.all(), "pk"),
    "requester_id": ("requester", Contact.objects.all(), "pk"),
    "status": ("status", Status.objects.all(), "key"),
}


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name in _FK_FIELDS:
            target, qs, attr = _FK_FIELDS[name]
            changes[target] = optional_pick(qs, name, value, attr)
        elif name in ("subject", "urgency", "impact") and value is None:
            raise ValidationFailed(
                _("This field cannot be empty."), fields={name: [_("This field is required.")]}
            )
        else:
            changes[name] = value
    if "status" in changes and changes["status"] is None:
        raise ValidationFailed(
            _("A ticket needs a status."), fields={"status": [_("This field is required.")]}
        )
    return changes


@router.patch("/{number}", response={200: TicketOut, **WRITE_ERRORS}, summary="Change fields")
def update_ticket(
    request: HttpRequest,
    response: HttpResponse,
    payload: TicketPatch,
    number: int = Number,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    ticket = get_ticket(request, number)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None) or parse_if_match(if_match)
    changes = _changes(data)
    try:
        ticket = actions.set_fields(
            ticket, actor=user_of(request), expected_version=version, **changes
        )
    except Conflict as exc:
        raise with_current_state(request, ticket.pk, exc) from None
    return detail_response(request, response, ticket)


@router.post(
    "/{number}/status", response={200: TicketOut, **WRITE_ERRORS}, summary="Change the status"
)
def change_status(
    request: HttpRequest,
    response: HttpResponse,
    payload: StatusChange,
    number: int = Number,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    ticket = get_ticket(request, number)
    status = pick(Status.objects.all(), "status", key=payload.status)
    resolution = Resolution(
        summary=payload.resolution_summary or "", verification=payload.verification or {}
    )
    try:
        ticket = actions.change_status(
            ticket,
            status,
            actor=user_of(request),
            expected_version=payload.version or parse_if_match(if_match),
            resolution=resolution,
        )
    except Conflict as exc:
        raise with_current_state(request, ticket.pk, exc) from None
    return detail_response(request, response, ticket)


@router.post("/{number}/assign", response={200: TicketOut, **WRITE_ERRORS}, summary="Assign")
def assign_ticket(
    request: HttpRequest,
    response: HttpResponse,
    payload: AssignIn,
    number: int = Number,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    ticket = get_ticket(request, number)
    data = payload.dict(exclude_unset=True)
    extra: dict[str, Any] = {}
    if "team_id" in data:
        extra["team"] = optional_pick(Team.objects.all(), "team_id", payload.team_id)
    assignee = optional_pick(User.objects.all(), "assignee_id", payload.assignee_id)
    try:
        ticket = actions.assign(
            ticket,
            assignee=assignee,
            actor=user_of(request),
            expected_version=payload.version or parse_if_match(if_match),
            **extra,
        )
    except Conflict as exc:
        raise with_current_state(request, ticket.pk, exc) from None
    return detail_response(request, response, ticket)


@router.post(
    "/{number}/escalate",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Escalate",
    description="Raise the escalation level with a reason: to another team (functional) or "
    "to a lead or manager (hierarchical). 400 names the field when there is no target.",
)
def escalate_ticket(
    request: HttpRequest,
    response: HttpResponse,
    payload: EscalateIn,
    number: int = Number,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    ticket = get_ticket(request, number)
    try:
        ticket = actions.escalate(
            ticket,
            actor=user_of(request),
            reason=payload.reason,
            team=optional_pick(Team.objects.all(), "team_id", payload.team_id),
            user=optional_pick(User.objects.all(), "user_id", payload.user_id),
            kind=payload.kind,
            level=payload.level,
            expected_version=payload.version or parse_if_match(if_match),
        )
    except Conflict as exc:
        raise with_current_state(request, ticket.pk, exc) from None
    return detail_response(request, response, ticket)


@router.post(
    "/{number}/merge",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Merge this ticket into another",
    description="Returns the ticket merged into.",
)
def merge_ticket(
    request: HttpRequest, response: HttpResponse, payload: MergeIn, number: int = Number
) -> Any:
    source = get_ticket(request, number)
    target = get_ticket(request, payload.into)
    merged = actions.merge(source, target, actor=user_of(request))
    return detail_response(request, response, merged)


def _link_out(link: TicketLink, ticket: Ticket) -> dict[str, Any]:
    outgoing = link.source_id == ticket.pk
    other = link.target if outgoing else link.source
    return {
        "id": link.pk,
        "kind": link.kind,
        "direction": "outgoing" if outgoing else "incoming",
        "ticket": other.number,
        "subject": other.subject,
    }


@router.get("/{number}/links", response={200: list[LinkOut], **ERRORS}, summary="Linked tickets")
def list_links(request: HttpRequest, number: int = Number) -> Any:
    user = user_of(request)
    ticket = get_ticket(request, number)
    return [_link_out(lk, ticket) for lk in queries.links_for(user, ticket)]


@router.post("/{number}/links", response={201: LinkOut, **WRITE_ERRORS}, summary="Link tickets")
def create_link(request: HttpRequest, payload: LinkIn, number: int = Number) -> Any:
    source = get_ticket(request, number)
    target = get_ticket(request, payload.target)
    link = actions.link(source, target, payload.kind, actor=user_of(request))
    link.source, link.target = source, target
    return HttpStatus(201, _link_out(link, source))


@router.delete(
    "/{number}/links/{link_id}", response={204: None, **WRITE_ERRORS}, summary="Remove a link"
)
def delete_link(
    request: HttpRequest, number: int = Number, link_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    ticket = get_ticket(request, number)
    link = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id).first()
    if link is None:
        raise NotFound(_("No such link."))
    actions.unlink(link, actor=user_of(request))
    return HttpStatus(204, None)


@router.get("/{number}/sla", response={200: SlaOut, **ERRORS}, summary="SLA state")
def ticket_sla(request: HttpRequest, number: int = Number) -> Any:
    ticket = get_ticket(request, number)
    return {
        "sla_state": ticket.sla_state,
        "first_response_due_at": ticket.first_response_due_at,
        "next_response_due_at": ticket.next_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "due_at": ticket.due_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
    }
