"""Reads for the knowledge base, already filtered by who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from ticketdesk.accounts import policy

from .models import Article, ArticleTranslation, KbCategory, Section

DEFAULT_LANGUAGE = "en"
KB_LANGUAGES = ("en", "pt-br", "it")


def current_language() -> str:
    language = (translation.get_language() or DEFAULT_LANGUAGE).lower()
    return language if language in KB_LANGUAGES else DEFAULT_LANGUAGE


def visible_articles(user: Any) -> QuerySet[Article]:
    """Published articles `user` may read (the policy's visibilities: anyone public ones,
    signed-in people also customers-only ones, staff also internal ones)."""
    return Article.objects.filter(
        is_published=True, visibility__in=policy.article_visibilities(user)
    )


def visible_translations(user: Any, language: str) -> QuerySet[ArticleTranslation]:
    """The `language` translations of `visible_articles(user)`, as a join (not a subquery of
    every visible article): checking a few hundred search candidates stays a few hundred
    primary-key lookups."""
    return ArticleTranslation.objects.filter(
        language=language,
        article__is_published=True,
        article__visibility__in=policy.article_visibilities(user),
    )


def can_manage(user: Any) -> bool:
    """Writes articles and sees drafts: the policy's article writers (agents and admins)."""
    return policy.can(user, policy.WRITE_ARTICLES)


def managed_articles(user: Any) -> QuerySet[Article]:
    if not can_manage(user):
        return Article.objects.none()
    return Article.objects.all()


def pick_translations(
    article_ids: list[int], language: str | None = None
) -> dict[int, ArticleTranslation]:
    """The best published translation of each article: the language asked, else English,
    else any (one query)."""
    language = language or current_language()
    rank = {language: 0, DEFAULT_LANGUAGE: 1}
    best: dict[int, ArticleTranslation] = {}
    rows = ArticleTranslation.objects.filter(article_id__in=article_ids).defer("body_html")
    for row in rows:
        current = best.get(row.article_id)
        if current is None or rank.get(row.language, 2) < rank.get(current.language, 2):
            best[row.article_id] = row
    return best


def translation_for(article: Article, language: str | None = None) -> ArticleTranslation | None:
    language = language or current_language()
    rows = {t.language: t for t in article.translations.all()}
    return rows.get(language) or rows.get(DEFAULT_LANGUAGE) or next(iter(rows.values()), None)


def categories_with_sections() -> QuerySet[KbCategory]:
    return KbCategory.objects.prefetch_related("sections")


def articles_in_sections(user: Any, sections: list[Section], per_section: int = 50) -> dict:
    """{section_id: [(article, translation)]} for the visible articles of `sections`."""
    articles = list(
        visible_articles(user)
        .filter(section__in=sections)
        .order_by("section_id", "-helpful_count", "id")
        .only("id", "slug", "section_id", "visibility")[: per_section * max(1, len(sections))]
    )
    translations = pick_translations([a.pk for a in articles])
    grouped: dict[int, list[tuple[Article, ArticleTranslation]]] = {}
    for article in articles:
        row = translations.get(article.pk)
        if row is not None:
            grouped.setdefault(article.section_id, []).append((article, row))
    return grouped


def related_articles(user: Any, article: Article, title: str, limit: int = 5) -> list[tuple]:
    """Same section first, then articles sharing words of the title."""
    from . import search

    same = list(
        visible_articles(user)
        .filter(section_id=article.section_id)
        .exclude(pk=article.pk)
        .order_by("-helpful_count", "-id")
        .values_list("id", flat=True)[:limit]
    )
    ids = list(same)
    if len(ids) < limit:
        for hit in search.search(user, title, limit=limit + 1):
            if hit.article.pk != article.pk and hit.article.pk not in ids:
                ids.append(hit.article.pk)
            if len(ids) >= limit:
                break
    by_id = {a.pk: a for a in Article.objects.filter(pk__in=ids).only("id", "slug")}
    translations = pick_translations(ids)
    return [(by_id[i], translations[i]) for i in ids if i in by_id and i in translations]
