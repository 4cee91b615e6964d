"""Answer retrieval: the knowledge base articles that solved tickets like this one.

An article "solved" a ticket when an agent's public reply on the ticket (now solved) linked
to it, or when the article was written from one of the ticket's replies ("Make article").
Articles are ranked by the summed similarity of the tickets they solved. The agent's panel
and the portal's deflection ("these articles may help", retrieval.articles_for_text) both
rank with `solving_articles`: the similar tickets are only evidence, read here and never
shown; the reader only ever gets published articles the policy lets them read
(kb.queries.visible_articles). Without a trained model, or when too few learned answers are
found, the knowledge base search fills the list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.urls import reverse

from ticketdesk.kb import search as kb_search
from ticketdesk.kb.models import Article, ArticleVersion
from ticketdesk.kb.queries import pick_translations, visible_articles
from ticketdesk.tickets.models import DONE_CATEGORIES, Message, MessageKind, Ticket

SLUG_MARK = "slug-placeholder"


def _link_pattern() -> tuple[str, re.Pattern[str]]:
    """The path every article link starts with, and a pattern that reads the slug from it."""
    sample = reverse("kb:article", args=[SLUG_MARK])
    prefix = sample.split(SLUG_MARK)[0]
    return prefix, re.compile(re.escape(prefix) + r"([-\w]+)/")


def solving_weights(found: list[tuple[int, float]]) -> dict[int, float]:
    """{article id: summed similarity of the solved tickets among `found` it solved}
    (three queries whatever the number of tickets)."""
    scores = dict(found)
    if not scores:
        return {}
    solved = list(
        Ticket.objects.filter(pk__in=list(scores), status_category__in=DONE_CATEGORIES).values_list(
            "id", flat=True
        )
    )
    if not solved:
        return {}
    prefix, pattern = _link_pattern()
    solved_by: dict[int, set[int]] = defaultdict(set)  # article → tickets
    slugs_of: dict[str, set[int]] = defaultdict(set)  # slug → tickets
    replies = Message.objects.filter(
        Q(body_html__contains=prefix) | Q(body_text__contains=prefix),
        ticket_id__in=solved,
        kind=MessageKind.PUBLIC,
        author_user__isnull=False,
    ).values_list("ticket_id", "body_html", "body_text")
    for ticket_id, body_html, body_text in replies:
        for slug in set(pattern.findall(f"{body_html}\n{body_text}")):
            slugs_of[slug].add(ticket_id)
    written = ArticleVersion.objects.filter(source_message__ticket_id__in=solved).values_list(
        "article_id", "source_message__ticket_id"
    )
    for article_id, ticket_id in written:
        solved_by[article_id].add(ticket_id)
    if slugs_of:
        for article_id, slug in Article.objects.filter(slug__in=list(slugs_of)).values_list(
            "id", "slug"
        ):
            solved_by[article_id] |= slugs_of[slug]
    return {
        article_id: sum(scores[pk] for pk in tickets) for article_id, tickets in solved_by.items()
    }


def solving_articles(
    user: Any, found: list[tuple[int, float]], *, limit: int, terms: list[str] | None = None
) -> list[kb_search.Hit]:
    """The published articles `user` may read that solved tickets among `found`, best first."""
    weights = solving_weights(found)
    if not weights:
        return []
    visible = {
        article.pk: article for article in visible_articles(user).filter(pk__in=list(weights))
    }
    ranked = sorted(visible, key=lambda pk: (-weights[pk], pk))[:limit]
    translations = pick_translations(ranked)
    terms = terms or []
    return [
        kb_search.Hit(
            article=visible[pk],
            translation=translations[pk],
            snippet=kb_search.highlight(translations[pk].body_text, terms),
            title_html=kb_search.highlight(translations[pk].title, terms, width=300),
        )
        for pk in ranked
        if pk in translations
    ]


def merged(first: list[kb_search.Hit], then: list[kb_search.Hit], limit: int) -> list[Any]:
    """`first`, then those of `then` not already in it, `limit` at most."""
    seen = {hit.article.pk for hit in first}
    return [*first, *[hit for hit in then if hit.article.pk not in seen]][:limit]
