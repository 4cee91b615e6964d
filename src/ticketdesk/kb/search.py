"""Full-text search over published articles.

Uses the project's search interface (`ticketdesk.search.backend`: `index_document` /
`search_documents` with the document kind "kb_article", one document per published
translation). The caller only ever gets articles it may read (`object_ids` = the visible
translations).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from ticketdesk.search import backend

from .models import Article, ArticleTranslation
from .queries import current_language, visible_translations

logger = logging.getLogger(__name__)
KIND = "kb_article"
SNIPPET_CHARS = 180
_WORD = re.compile(r"\w{2,}", re.UNICODE)


@dataclass
class Hit:
    article: Article
    translation: ArticleTranslation
    snippet: SafeString
    title_html: SafeString


def index_translation(translation: ArticleTranslation) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failure must not poison the caller's
            backend.index_document(
                KIND,
                translation.pk,
                title=translation.title,
                body=translation.body_text,
                language=translation.language,
            )
    except Exception:  # search is a derived index: never fail the editor's save
        logger.exception("could not index kb article translation %s", translation.pk)


def terms_of(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text or "")][:8]


def highlight(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """An escaped excerpt of `text` around the first term, with every term in <mark>."""
    text = " ".join((text or "").split())
    lower = text.lower()
    positions = [lower.find(t) for t in terms if lower.find(t) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    excerpt = text[start : start + width]
    escaped = html.escape(excerpt)
    if terms:
        pattern = re.compile("|".join(re.escape(html.escape(t)) for t in terms), re.IGNORECASE)
        escaped = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    return mark_safe(prefix + escaped + suffix)


def _backend_search(user: Any, text: str, language: str, limit: int) -> list[tuple[int, Any]]:
    visible = visible_translations(user, language).values("pk")
    hits = backend.search_documents(KIND, text, object_ids=visible, limit=limit, language=language)
    return [(int(hit.object_id), hit) for hit in hits][:limit]


def search(user: Any, text: str, *, limit: int = 20, language: str | None = None) -> list[Hit]:
    """Ranked visible articles matching `text` in the reader's language (falling back to
    English when nothing matches in it)."""
    terms = terms_of(text)
    if not terms:
        return []
    language = language or current_language()
    found: list[tuple[int, Any]] = []
    for lang in dict.fromkeys([language, "en"]):
        found = _backend_search(user, text, lang, limit)
        if found:
            break
    ids = [pk for pk, _snippet in found]
    rows = {
        t.pk: t
        for t in ArticleTranslation.objects.filter(pk__in=ids)
        .select_related("article")
        .defer("body_html", "body_text")
    }
    return [_hit(rows[pk], found_hit, terms) for pk, found_hit in found if pk in rows]


def _hit(row: ArticleTranslation, found: Any, terms: list[str]) -> Hit:
    # the backend's title and snippet are HTML-escaped with <mark> only (see search.backend)
    return Hit(
        row.article,
        row,
        mark_safe(found.snippet_html),
        mark_safe(found.title_html),
    )


def suggest(user: Any, text: str, *, limit: int = 5) -> list[Hit]:
    """Articles for a subject being typed (deflection): every word first; when that finds too
    little, each word on its own, loosely stemmed ("disconnects" finds "disconnecting"),
    ranked by how many words an article matched."""
    hits = search(user, text, limit=limit)
    if len(hits) >= limit:
        return hits
    words = sorted({t for t in terms_of(text) if len(t) >= 3}, key=len, reverse=True)[:5]
    score: dict[int, int] = {}
    found: dict[int, Hit] = {h.translation.pk: h for h in hits}
    for hit in hits:
        score[hit.translation.pk] = len(words) + 1
    for word in words:
        stem = word[: max(4, len(word) - 2)] if len(word) > 5 else word
        for hit in search(user, stem, limit=limit):
            found.setdefault(hit.translation.pk, hit)
            score[hit.translation.pk] = score.get(hit.translation.pk, 0) + 1
    ranked = sorted(found, key=lambda pk: (-score.get(pk, 0), pk))
    return [found[pk] for pk in ranked[:limit]]
