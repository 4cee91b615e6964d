"""The write path of smart support: suggestions are recorded for a ticket, accepted (the
value is applied through tickets.actions, as an agent's own change would be) or rejected,
and applied by an automation rule above a confidence. Each asks the policy first."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.core import clock
from ticketdesk.core.errors import Conflict, ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.models import Ticket

from . import prediction
from .models import AnswerKind, AnswerOffer, Decision, Suggestion
from .retrieval import Retrieval


def record_suggestions(ticket: Ticket) -> list[Suggestion]:
    """The ticket's suggestions from the current model: computed once per ticket and model
    version and kept (so that what the agent did with them can be counted). A suggestion
    already decided stays as it was; one equal to the ticket's value is not offered."""
    existing = {s.field: s for s in Suggestion.objects.filter(ticket=ticket)}
    versions = {s.model_version for s in existing.values()}
    loaded_version = prediction.training.current()
    if loaded_version is None:
        return list(existing.values())
    if existing and versions == {loaded_version[0]}:
        return list(existing.values())
    triage = prediction.triage(ticket)
    if triage is None:
        return list(existing.values())
    now = clock.now()
    for guess in triage.fields:
        old = existing.get(guess.field)
        if old is not None and old.decision != Decision.PENDING:
            continue
        values = {
            "value": guess.value,
            "confidence": guess.confidence,
            "reason": guess.reason(),
            "model_version": triage.version,
            "created_at": now,
        }
        try:
            with transaction.atomic():
                row, _created = Suggestion.objects.update_or_create(
                    ticket=ticket, field=guess.field, defaults=values
                )
        except IntegrityError:  # another request recorded it at the same moment
            row = Suggestion.objects.get(ticket=ticket, field=guess.field)
        existing[guess.field] = row
    return list(existing.values())


def offered(ticket: Ticket, suggestions: list[Suggestion]) -> list[Suggestion]:
    """The pending suggestions that would change the ticket."""
    return [
        s
        for s in suggestions
        if s.decision == Decision.PENDING and prediction.current_value(ticket, s.field) != s.value
    ]


def _decide(suggestion: Suggestion, decision: str, actor: User | None) -> None:
    Suggestion.objects.filter(pk=suggestion.pk).update(
        decision=decision, decided_by=actor, decided_at=clock.now()
    )
    suggestion.decision = decision


def accept(suggestion: Suggestion, *, actor: User) -> Ticket:
    """Apply the suggested value to the ticket (tickets.actions.set_fields checks that the
    agent may edit it) and count the suggestion as accepted."""
    ticket = suggestion.ticket
    policy.require(actor, policy.SEE_SUGGESTIONS, ticket)
    if suggestion.decision != Decision.PENDING:
        raise Conflict(_("This suggestion was already decided."))
    if not prediction.value_exists(suggestion.field, suggestion.value):
        raise ValidationFailed(_("The suggested value no longer exists."))
    with transaction.atomic():
        ticket = ticket_actions.set_fields(
            ticket, actor=actor, **prediction.field_change(suggestion.field, suggestion.value)
        )
        _decide(suggestion, Decision.ACCEPTED, actor)
    return ticket


def reject(suggestion: Suggestion, *, actor: User) -> None:
    policy.require(actor, policy.SEE_SUGGESTIONS, suggestion.ticket)
    if suggestion.decision != Decision.PENDING:
        raise Conflict(_("This suggestion was already decided."))
    _decide(suggestion, Decision.REJECTED, actor)


def apply_confident(ticket: Ticket, threshold: float, *, actor: User | None) -> list[Suggestion]:
    """Apply every pending suggestion at or above `threshold` (0..1) that would change the
    ticket, in one change (an automation rule: actor None, the system acts)."""
    if actor is not None:
        policy.require(actor, policy.SEE_SUGGESTIONS, ticket)
    chosen = [
        s
        for s in offered(ticket, record_suggestions(ticket))
        if s.confidence >= threshold and prediction.value_exists(s.field, s.value)
    ]
    if not chosen:
        return []
    changes: dict[str, Any] = {}
    for suggestion in chosen:
        changes.update(prediction.field_change(suggestion.field, suggestion.value))
    with transaction.atomic():
        ticket_actions.set_fields(ticket, actor=actor, **changes)
        for suggestion in chosen:
            _decide(suggestion, Decision.AUTOMATIC, actor)
    return chosen


def record_answer_offers(ticket: Ticket, found: Retrieval) -> dict[tuple[str, int], int]:
    """Keep one row per answer suggestion shown on the ticket (articles and past replies):
    {(kind, answer id): offer id}, for the "insert" buttons to report their use. Two
    queries whatever the number of answers; showing an answer again adds nothing."""
    wanted = [(AnswerKind.ARTICLE.value, hit.article.pk) for hit in found.articles]
    wanted += [(AnswerKind.REPLY.value, message.pk) for message in found.replies]
    if not wanted:
        return {}
    now = clock.now()
    AnswerOffer.objects.bulk_create(
        [
            AnswerOffer(ticket=ticket, kind=kind, answer_id=answer_id, offered_at=now)
            for kind, answer_id in wanted
        ],
        ignore_conflicts=True,
    )
    rows = AnswerOffer.objects.filter(
        ticket=ticket, answer_id__in={answer_id for _kind, answer_id in wanted}
    ).values_list("kind", "answer_id", "id")
    return {(kind, answer_id): pk for kind, answer_id, pk in rows}


def mark_answer_used(offer: AnswerOffer, *, actor: User) -> None:
    """An agent inserted the suggested answer into a reply: counted once (the first use)."""
    policy.require(actor, policy.SEE_SUGGESTIONS, offer.ticket)
    policy.require(actor, policy.REPLY, offer.ticket)
    AnswerOffer.objects.filter(pk=offer.pk, used_at__isnull=True).update(
        used_by=actor, used_at=clock.now()
    )
