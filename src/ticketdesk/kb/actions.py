"""Writes for the knowledge base: articles, versions, publishing, feedback."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.core.html import html_to_text, render_markdown

from . import search
from .models import (
    Article,
    ArticleFeedback,
    ArticleTranslation,
    ArticleVersion,
    KbCategory,
    Section,
    VersionState,
    Visibility,
)
from .queries import KB_LANGUAGES, can_manage

MAX_COMMENT = 2000


def _require_editor(actor: Any) -> None:
    if not can_manage(actor):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))


def _clean(language: str, title: str, visibility: str | None) -> tuple[str, str]:
    title = " ".join((title or "").split())[:200]
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    if language not in KB_LANGUAGES:
        errors["language"] = [_("Choose English, Brazilian Portuguese or Italian.")]
    if visibility is not None and visibility not in Visibility.values:
        errors["visibility"] = [_("Choose a valid visibility.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return language, title


def unique_slug(text: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(text)[:150] or "article"
    slug, n = base, 2
    qs = Article.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def default_section() -> Section:
    """Where drafts made from replies land when no section is chosen."""
    section = Section.objects.order_by("category__order", "order", "id").first()
    if section is not None:
        return section
    category, _created = KbCategory.objects.get_or_create(
        slug="general", defaults={"name": str(_("General"))}
    )
    return Section.objects.create(category=category, name=str(_("General")), slug="general")


def create_article(
    *,
    actor: Any,
    section: Section,
    title: str,
    body_markdown: str,
    language: str = "en",
    visibility: str = Visibility.PUBLIC,
    slug: str = "",
    publish: bool = False,
    source_message: Any = None,
) -> Article:
    """A new article with its first version (a draft unless `publish`)."""
    if actor is not None:
        _require_editor(actor)
    language, title = _clean(language, title, visibility)
    now = clock.now()
    with transaction.atomic():
        article = Article.objects.create(
            section=section,
            slug=unique_slug(slug or title),
            visibility=visibility,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        save_version(
            article,
            actor=actor,
            language=language,
            title=title,
            body_markdown=body_markdown,
            publish=publish,
            source_message=source_message,
        )
    return article


def save_version(
    article: Article,
    *,
    actor: Any,
    language: str,
    title: str,
    body_markdown: str,
    publish: bool = False,
    source_message: Any = None,
) -> ArticleVersion:
    """Append a version (draft or published) of one language of `article`."""
    if actor is not None:
        _require_editor(actor)
    language, title = _clean(language, title, None)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        last = (
            ArticleVersion.objects.filter(article=locked, language=language)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        version = ArticleVersion.objects.create(
            article=locked,
            language=language,
            number=(last or 0) + 1,
            title=title,
            body_markdown=body_markdown or "",
            body_html=render_markdown(body_markdown or ""),
            state=VersionState.DRAFT,
            source_message=source_message,
            created_by=actor,
            created_at=clock.now(),
        )
        locked.updated_at = clock.now()
        locked.save(update_fields=["updated_at"])
        if publish:
            publish_version(version, actor=actor)
    return version


def publish_version(version: ArticleVersion, *, actor: Any) -> ArticleTranslation:
    """Make `version` the published text of its language."""
    if actor is not None:
        _require_editor(actor)
    now = clock.now()
    with transaction.atomic():
        ArticleVersion.objects.filter(pk=version.pk).update(state=VersionState.PUBLISHED)
        translation, _created = ArticleTranslation.objects.update_or_create(
            article_id=version.article_id,
            language=version.language,
            defaults={
                "title": version.title,
                "body_html": version.body_html,
                "body_text": html_to_text(version.body_html),
                "published_version": version,
                "published_at": now,
            },
        )
        Article.objects.filter(pk=version.article_id).update(is_published=True, updated_at=now)
        search.index_translation(translation)
    version.state = VersionState.PUBLISHED
    return translation


def update_article(
    article: Article, *, actor: Any, section: Section, visibility: str, slug: str
) -> Article:
    _require_editor(actor)
    if visibility not in Visibility.values:
        raise ValidationFailed(
            _("Choose a valid visibility."), fields={"visibility": [_("Choose a valid value.")]}
        )
    article.section = section
    article.visibility = visibility
    article.slug = unique_slug(slug or article.slug, exclude_pk=article.pk)
    article.updated_at = clock.now()
    article.save(update_fields=["section", "visibility", "slug", "updated_at"])
    return article


def draft_from_message(message: Any, *, actor: Any) -> Article:
    """Turn a public reply the agent can see into a draft article (internal until reviewed)."""
    _require_editor(actor)
    if message.is_internal or not policy.can(actor, policy.VIEW, message.ticket):
        raise PermissionDenied(_("You cannot use this message."))
    title = message.ticket.subject
    return create_article(
        actor=actor,
        section=default_section(),
        title=title,
        body_markdown=message.body_text,
        language=(getattr(actor, "language", "") or "en").lower()
        if (getattr(actor, "language", "") or "en").lower() in KB_LANGUAGES
        else "en",
        visibility=Visibility.INTERNAL,
        source_message=message,
    )


def record_feedback(
    article: Article, *, helpful: bool, comment: str = "", user: Any = None, language: str = "en"
) -> ArticleFeedback:
    with transaction.atomic():
        feedback = ArticleFeedback.objects.create(
            article=article,
            helpful=helpful,
            comment=(comment or "").strip()[:MAX_COMMENT],
            user=user if user is not None and user.is_authenticated else None,
            language=language,
            created_at=clock.now(),
        )
        counter = "helpful_count" if helpful else "unhelpful_count"
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return feedback
