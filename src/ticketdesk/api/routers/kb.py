"""/kb/articles: published knowledge-base articles the caller may read (the kb app's own
visibility rules and translations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from ticketdesk.core.errors import NotFound

from ..paging import page_of
from ..schemas import In
from .tickets import ERRORS, user_of

router = Router(tags=["knowledge base"])


class ArticleSummary(Schema):
    id: int
    slug: str
    title: str
    language: str
    visibility: str
    section: str
    url: str
    updated_at: dt.datetime


class ArticleOut(ArticleSummary):
    body_html: str
    body_text: str


class ArticlePage(Schema):
    items: list[ArticleSummary]
    next_cursor: str | None


class ArticleParams(In):
    q: str | None = Field(None, max_length=200, description="Full-text search (ranked).")
    language: str | None = Field(None, max_length=10, description="en, pt-br or it.")
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(25, ge=1, le=100)


def _summary(article: Any, translation: Any) -> dict[str, Any]:
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": translation.title if translation else article.slug,
        "language": translation.language if translation else "",
        "visibility": article.visibility,
        "section": str(article.section),
        "url": article.get_absolute_url(),
        "updated_at": article.updated_at,
    }


@router.get("/articles", response={200: ArticlePage, **ERRORS}, summary="Knowledge base")
def list_articles(request: HttpRequest, params: Query[ArticleParams]) -> Any:
    from ticketdesk.kb import queries, search

    user = user_of(request)
    language = (params.language or "").lower() or None
    if params.q and params.q.strip():
        hits = search.search(user, params.q, limit=params.limit, language=language)
        return {"items": [_summary(h.article, h.translation) for h in hits], "next_cursor": None}
    qs = queries.visible_articles(user).select_related("section", "section__category")
    page = page_of(qs, ["-updated_at", "-id"], cursor=params.cursor, limit=params.limit)
    translations = queries.pick_translations([a.pk for a in page.items], language)
    return {
        "items": [_summary(a, translations.get(a.pk)) for a in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/articles/{slug}", response={200: ArticleOut, **ERRORS}, summary="One article")
def read_article(request: HttpRequest, slug: str, language: str | None = None) -> Any:
    from ticketdesk.kb import queries

    article = (
        queries.visible_articles(user_of(request))
        .select_related("section", "section__category")
        .prefetch_related("translations")
        .filter(slug=slug[:160])
        .first()
    )
    if article is None:
        raise NotFound(_("This article does not exist or you cannot see it."))
    translation = queries.translation_for(article, (language or "")[:10].lower() or None)
    return {
        **_summary(article, translation),
        "body_html": translation.body_html if translation else "",
        "body_text": translation.body_text if translation else "",
    }
