"""Linking tickets to developer tracker issues and hearing back from the trackers. Outbound
API calls are TrackerCall intent rows (calls.py sends them after commit)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets import workflow
from ticketdesk.tickets.models import DONE_CATEGORIES, Ticket

from .clients import RemoteIssue, host_of, parse_issue_url
from .models import (
    CallAction,
    CallStatus,
    RemoteState,
    TrackerCall,
    TrackerConnection,
    TrackerLink,
)
from .statuses import FIX_RELEASED, fix_released

UPDATED_TOPIC = "tracker.updated"
FIXED = (RemoteState.CLOSED, RemoteState.RELEASED)


def _queue_call(link: TrackerLink, action: str, payload: dict[str, str] | None = None) -> None:
    now = clock.now()
    TrackerCall.objects.create(
        link=link, action=action, payload=payload or {}, created_at=now, next_retry_at=now
    )
    outbox.wake_after_commit()


def _new_link(
    ticket: Ticket, connection: TrackerConnection, actor: User | None, **fields: str
) -> TrackerLink:
    now = clock.now()
    return TrackerLink.objects.create(
        ticket=ticket,
        connection=connection,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **fields,
    )


def issue_body(ticket: Ticket) -> str:
    url = f"{settings.SITE_URL}/t/{ticket.number}/"
    return f"{ticket.description}\n\n---\nTicketdesk {ticket.display_number}: {url}"


def create_issue(
    ticket: Ticket,
    *,
    connection: TrackerConnection,
    actor: User | None,
    title: str = "",
    body: str = "",
) -> TrackerLink:
    """Create an issue in the tracker from the ticket (after commit, with retries); the
    link shows "being created" until the tracker answers."""
    if actor is not None:
        policy.require(actor, policy.LINK_TRACKER, ticket)
    if not connection.active:
        raise ValidationFailed(
            _("This tracker is not active."), fields={"connection": [_("Inactive tracker.")]}
        )
    title = " ".join((title or ticket.subject).split())[:250]
    if not title:
        raise ValidationFailed(
            _("The issue needs a title."), fields={"title": [_("This field is required.")]}
        )
    with transaction.atomic():
        link = _new_link(ticket, connection, actor, title=title, state=RemoteState.CREATING)
        _queue_call(link, CallAction.CREATE, {"title": title, "body": body or issue_body(ticket)})
    return link


def find_connection(url: str) -> tuple[TrackerConnection, str]:
    """The active connection an issue's address belongs to, and the issue's id there."""
    parsed = parse_issue_url(url)
    error = ValidationFailed(
        _("This is not the address of an issue in a connected tracker."),
        fields={"url": [_("Paste the issue's address from GitHub, GitLab or Jira.")]},
    )
    if parsed is None:
        raise error
    kind, host, project, remote_id = parsed
    for connection in TrackerConnection.objects.filter(active=True, kind=kind).order_by("pk"):
        if host_of(connection) == host and connection.project.lower() == project.lower():
            return connection, remote_id
    raise error


def link_issue(ticket: Ticket, *, url: str, actor: User | None) -> TrackerLink:
    """Link an existing issue by its address; its state is read from the tracker."""
    if actor is not None:
        policy.require(actor, policy.LINK_TRACKER, ticket)
    connection, remote_id = find_connection(url)
    with transaction.atomic():
        if TrackerLink.objects.filter(
            ticket=ticket, connection=connection, remote_id=remote_id
        ).exists():
            raise Conflict(_("This issue is already linked to the ticket."))
        link = _new_link(
            ticket,
            connection,
            actor,
            remote_id=remote_id,
            url=url.strip()[:500],
            state=RemoteState.OPEN,
        )
        _queue_call(link, CallAction.FETCH)
        _note(ticket, _("Linked to %(tracker)s issue %(id)s.") % _names(link))
    return link


def unlink(link: TrackerLink, *, actor: User | None) -> None:
    if actor is not None:
        policy.require(actor, policy.LINK_TRACKER, link.ticket)
    with transaction.atomic():
        TrackerLink.objects.filter(pk=link.pk).delete()
        _note(link.ticket, _("Unlinked from %(tracker)s issue %(id)s.") % _names(link))


def _names(link: TrackerLink) -> dict[str, str]:
    return {"tracker": link.connection.get_kind_display(), "id": link.remote_id or "…"}


def _note(ticket: Ticket, text: str) -> None:
    ticket_actions.add_note(ticket, actor=None, body=text)


def record_created(link: TrackerLink, issue: RemoteIssue) -> None:
    """The tracker created the issue (inside the sender's transaction)."""
    link.remote_id, link.url, link.state = issue.remote_id, issue.url[:500], issue.state
    link.remote_status = issue.remote_status[:100]
    link.title = issue.title or link.title
    link.updated_at = clock.now()
    link.save()
    with translation.override(settings.LANGUAGE_CODE):
        _note(
            link.ticket,
            _("Created %(tracker)s issue %(id)s: %(url)s") % {**_names(link), "url": link.url},
        )


def record_failed(link: TrackerLink, error: str) -> None:
    TrackerLink.objects.filter(pk=link.pk).update(state=RemoteState.FAILED, updated_at=clock.now())
    with translation.override(settings.LANGUAGE_CODE):
        _note(
            link.ticket,
            _("The %(tracker)s issue could not be created: %(error)s")
            % {"tracker": link.connection.get_kind_display(), "error": error[:300]},
        )


def _is_fix(issue: RemoteIssue) -> bool:
    """Closed as done or released; not "closed as not planned" (GitHub)."""
    return issue.state == RemoteState.RELEASED or (
        issue.state == RemoteState.CLOSED and "not_planned" not in issue.remote_status
    )


def apply_remote(
    connection: TrackerConnection, issue: RemoteIssue, *, announce: bool = True
) -> int:
    """The tracker says how the issue is now (webhook or a read): update its links; a link
    that becomes closed or released tells the ticket's agent and, per the connection, moves
    the ticket to "Fix released — verify" and tells the customer. Idempotent: a repeated
    delivery changes nothing. `announce=False` (reading a just-linked issue) only updates
    the links. Returns the number of links whose state changed."""
    changed = 0
    with transaction.atomic():
        links = list(
            TrackerLink.objects.select_for_update(of=("self",))
            .select_related("ticket", "created_by", "connection")
            .filter(connection=connection, remote_id=issue.remote_id)
            .order_by("pk")
        )
        for link in links:
            old = link.state
            link.state = issue.state
            link.remote_status = issue.remote_status[:100]
            link.title = issue.title or link.title
            link.url = issue.url[:500] or link.url
            link.updated_at = clock.now()
            link.save()
            if old == issue.state or not announce:
                continue
            changed += 1
            with translation.override(settings.LANGUAGE_CODE):
                _on_change(link, old, issue)
    return changed


def _state_text(link: TrackerLink, state: str) -> str:
    texts: dict[str, str] = {
        RemoteState.OPEN: _("%(tracker)s issue %(id)s is open again."),
        RemoteState.CLOSED: _("%(tracker)s issue %(id)s is closed."),
        RemoteState.RELEASED: _("The fix for %(tracker)s issue %(id)s is released."),
    }
    return texts.get(state, _("%(tracker)s issue %(id)s changed.")) % _names(link)


def _on_change(link: TrackerLink, old: str, issue: RemoteIssue) -> None:
    text = _state_text(link, issue.state)
    _note(link.ticket, text)
    outbox.publish(
        UPDATED_TOPIC,
        {"ticket_id": link.ticket_id, "link_id": link.pk, "state": issue.state, "message": text},
        ticket_id=link.ticket_id,
    )
    if (old in FIXED and issue.state != RemoteState.RELEASED) or not _is_fix(issue):
        return
    ticket = Ticket.objects.select_related("status", "requester", "assignee").get(pk=link.ticket_id)
    if ticket.status_category in DONE_CATEGORIES or ticket.status.key == FIX_RELEASED:
        return
    connection = link.connection
    target = fix_released() if connection.move_to_verify else None
    if target is not None and not workflow.is_allowed(
        ticket.status, target, ticket_type_id=ticket.ticket_type_id
    ):
        target = None
    if connection.tell_customer and _tell_customer(ticket, link, target):
        return
    if target is not None:
        ticket_actions.change_status(ticket, target, actor=None)


def _tell_customer(ticket: Ticket, link: TrackerLink, target: object) -> bool:
    """A public reply from the ticket's agent (else whoever linked the issue) asking the
    customer to verify, moving the ticket to `target`. False when no agent may reply."""
    for agent in (ticket.assignee, link.created_by):
        if agent is None or not policy.can(agent, policy.REPLY, ticket):
            continue
        language = ticket.requester.language or settings.LANGUAGE_CODE
        with translation.override(language):
            body = _(
                "Good news: the fix for your request has been released. Please check that "
                "everything works for you now, and reply to this message if it does not."
            )
        try:
            with transaction.atomic():
                ticket_actions.reply(ticket, actor=agent, body=body, status=target)  # type: ignore[arg-type]
        except (PermissionDenied, ValidationFailed):
            continue
        return True
    return False


def pending_calls(link: TrackerLink) -> int:
    return link.calls.filter(status=CallStatus.PENDING).count()
