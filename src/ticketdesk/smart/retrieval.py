"""Similar tickets, matching problem records and answer suggestions for one ticket, each
filtered by what the reader may see (policy.visible_tickets, visible articles)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.kb import search as kb_search
from ticketdesk.kb.models import Visibility
from ticketdesk.reports.problems import PROBLEM_TYPE
from ticketdesk.tickets.models import (
    ACTIVE_CATEGORIES,
    DONE_CATEGORIES,
    LinkKind,
    Message,
    MessageKind,
    Ticket,
    TicketLink,
)

from . import answers, learning, prediction, training

CANDIDATES = 40  # nearest tickets read from the index before the policy filters them
RECENT_TAIL = 200  # tickets newer than the model, compared on the fly
SHOWN = 5
SOLVED_WITHIN_DAYS = 365
DUPLICATE_SCORE = 0.8  # cosine similarity above which "merge as duplicate" is offered
PROBLEM_SCORE = 0.3
MAX_PROBLEMS = 200


@dataclass
class SimilarTicket:
    ticket: Ticket
    score: float
    duplicate: bool = False


@dataclass
class Retrieval:
    open: list[SimilarTicket] = field(default_factory=list)
    solved: list[SimilarTicket] = field(default_factory=list)
    problems: list[Ticket] = field(default_factory=list)
    replies: list[Message] = field(default_factory=list)
    articles: list[Any] = field(default_factory=list)


def _texts(queryset: Any) -> tuple[list[int], list[str]]:
    rows = list(queryset.values_list("id", "subject", "description"))
    return [r[0] for r in rows], [learning.ticket_text(r[1], r[2]) for r in rows]


def _tail(learner: learning.Learner, vector: Any, exclude: int | None) -> list[tuple[int, float]]:
    """Tickets opened since the model was trained (the index does not hold them yet)."""
    newest = int(learner.index_ids.max()) if learner.index_ids is not None else 0
    queryset = training.history().filter(id__gt=newest).order_by("-id")
    if exclude is not None:
        queryset = queryset.exclude(id=exclude)
    ids, texts = _texts(queryset[:RECENT_TAIL])
    if not ids:
        return []
    scores = learner.similarities(texts, vector)
    return [(pk, float(s)) for pk, s in zip(ids, scores, strict=True) if s > 0]


def neighbours(ticket: Ticket) -> tuple[list[tuple[int, float]], dict[str, Any]]:
    """The nearest tickets (index and the tickets newer than the model), and a lookup of
    any indexed ticket's score (for problem records)."""
    loaded = training.current()
    if loaded is None:
        return [], {}
    _version, learner = loaded
    vector = prediction.vector_for(learner, ticket)
    scores = learning.index_scores(learner, vector)
    return neighbours_of_vector(learner, vector, ticket.pk, scores), {"scores": scores}


def neighbours_of_vector(
    learner: learning.Learner,
    vector: Any,
    exclude: int | None = None,
    scores: Any = None,
) -> list[tuple[int, float]]:
    """(ticket id, similarity) of the nearest tickets: from the index, and among the
    tickets opened since the model was trained."""
    found = learning.nearest(learner, vector, CANDIDATES, exclude=exclude, scores=scores)
    tail = _tail(learner, vector, exclude)
    return sorted(found + tail, key=lambda pair: -pair[1])[:CANDIDATES]


def similar_tickets(user: Any, ticket: Ticket, found: list[tuple[int, float]]) -> Retrieval:
    """The most similar open and recently solved tickets the reader may see."""
    scores = dict(found)
    since = clock.now() - dt.timedelta(days=SOLVED_WITHIN_DAYS)
    rows = (
        policy.visible_tickets(user)
        .filter(pk__in=list(scores), merged_into__isnull=True)
        .select_related("status", "team", "category")
    )
    result = Retrieval()
    for row in sorted(rows, key=lambda t: -scores[t.pk]):
        score = round(scores[row.pk], 3)
        if row.status_category in ACTIVE_CATEGORIES and len(result.open) < SHOWN:
            result.open.append(SimilarTicket(row, score, duplicate=score >= DUPLICATE_SCORE))
        elif row.status_category in DONE_CATEGORIES and len(result.solved) < SHOWN:
            if row.resolved_at is None or row.resolved_at >= since:
                result.solved.append(SimilarTicket(row, score))
    return result


def matching_problems(
    user: Any, ticket: Ticket, found: list[tuple[int, float]], known: dict[str, Any]
) -> list[Ticket]:
    """Open problem records this ticket matches: by their own words, or because similar
    tickets are already linked to them as incidents. Indexed problems are scored from the
    index; only those opened since the model was trained are read and vectorised."""
    loaded = training.current()
    if loaded is None:
        return []
    _version, learner = loaded
    problems = (
        policy.visible_tickets(user)
        .filter(ticket_type__key=PROBLEM_TYPE, status_category__in=ACTIVE_CATEGORIES)
        .exclude(pk=ticket.pk)
        .order_by("-id")
    )
    ids = list(problems.values_list("id", flat=True)[:MAX_PROBLEMS])
    if not ids:
        return []
    by_id = learning.scores_of(learner, known["scores"], ids) if "scores" in known else {}
    newer = [pk for pk in ids if pk not in by_id]
    if newer:
        new_ids, texts = _texts(training.history().filter(pk__in=newer))
        vector = prediction.vector_for(learner, ticket)
        scores = learner.similarities(texts, vector)
        by_id.update(zip(new_ids, scores.tolist(), strict=True))
    matched = {pk for pk, score in by_id.items() if score >= PROBLEM_SCORE}
    close = [pk for pk, s in found[:10] if s >= PROBLEM_SCORE]
    matched |= set(
        TicketLink.objects.filter(
            kind=LinkKind.PARENT, source_id__in=ids, target_id__in=close
        ).values_list("source_id", flat=True)
    )
    already = set(
        TicketLink.objects.filter(target=ticket, kind=LinkKind.PARENT).values_list(
            "source_id", flat=True
        )
    )
    chosen = sorted(matched - already, key=lambda pk: -by_id.get(pk, 0.0))[:3]
    return list(problems.filter(pk__in=chosen).only("id", "number", "subject"))


def past_replies(solved: list[SimilarTicket]) -> list[Message]:
    """The last public agent reply of each similar solved ticket: what solved it."""
    ids = [s.ticket.pk for s in solved]
    rows = (
        Message.objects.filter(
            ticket_id__in=ids, kind=MessageKind.PUBLIC, author_user__isnull=False
        )
        .select_related("ticket")
        .only("id", "body_text", "created_at", "ticket__id", "ticket__number")
        .order_by("ticket_id", "-created_at")[: 20 * max(1, len(ids))]
    )
    latest: dict[int, Message] = {}
    for message in rows:
        latest.setdefault(message.ticket_id, message)
    seen: set[str] = set()
    replies = []
    for pk in ids:
        last = latest.get(pk)
        if last is not None and last.body_text.strip() not in seen:
            seen.add(last.body_text.strip())
            replies.append(last)
    return replies[:3]


def articles(user: Any, ticket: Ticket, found: list[tuple[int, float]]) -> list[Any]:
    """Articles the agent can link in a reply to the customer (internal ones are not):
    those that solved similar tickets first, then the knowledge base search's."""
    learned = answers.solving_articles(user, found, limit=5)
    hits = answers.merged(learned, kb_search.suggest(user, ticket.subject, limit=5), 8)
    return [h for h in hits if h.article.visibility != Visibility.INTERNAL][:3]


def articles_for_text(user: Any, text: str, *, limit: int = 5) -> list[Any]:
    """The portal's deflection: articles for a request being typed. With a trained model,
    the articles that solved the tickets most like `text` come first and the knowledge base
    search fills the rest; without one, the search alone. Only published articles `user`
    may read; the similar tickets themselves (other customers', their replies) are never
    returned."""
    searched = kb_search.suggest(user, text, limit=limit)
    loaded = training.current()
    if loaded is None:
        return searched
    _version, learner = loaded
    found = neighbours_of_vector(learner, learner.vectors([learning.ticket_text(text, "")]))
    learned = answers.solving_articles(user, found, limit=limit, terms=kb_search.terms_of(text))
    return answers.merged(learned, searched, limit)


def retrieve(user: Any, ticket: Ticket) -> Retrieval:
    found, known = neighbours(ticket)
    result = similar_tickets(user, ticket, found)
    result.problems = matching_problems(user, ticket, found, known)
    shown = {problem.pk for problem in result.problems}  # listed once, as a problem record
    result.open = [item for item in result.open if item.ticket.pk not in shown]
    result.replies = past_replies(result.solved)
    result.articles = articles(user, ticket, found)
    return result
