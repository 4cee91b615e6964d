"""Knowledge base: Category → Section → Article, per-language published text, version history
and reader feedback.

An Article is the identity (slug, place, visibility). What readers see lives in
ArticleTranslation (one row per language, the published, sanitised HTML). Every save of the
editor writes an ArticleVersion (draft or published); publishing a version copies it into the
translation row.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.translatable import Translatable

LANGUAGE_CHOICES = [("en", "English"), ("pt-br", "Português (Brasil)"), ("it", "Italiano")]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    CUSTOMERS = "customers", _("Signed-in customers")
    INTERNAL = "internal", _("Internal (agents only)")


class KbCategory(Translatable):
    """A topic of the knowledge base; its name and description are translated."""

    translatable_fields: ClassVar[tuple[str, ...]] = ("name", "description")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")

    @property
    def translated_description(self) -> str:
        return self.translated("description")


class Section(Translatable):
    category = models.ForeignKey(KbCategory, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["category", "slug"], name="kb_section_slug_unique")
        ]

    def __str__(self) -> str:
        """“Connectivity / VPN” in the viewer's language."""
        return f"{self.category} / {self.translated()}"


class Article(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["is_published", "visibility"], name="kb_article_vis"),
            models.Index(fields=["section", "is_published"], name="kb_article_section"),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return f"/kb/articles/{self.slug}/"


class ArticleTranslation(models.Model):
    """The published text of an article in one language (what readers and search see)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body (sanitised HTML)"), default="")
    body_text = models.TextField(_("body (plain text)"), default="")
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_unique")
        ]
        indexes = [models.Index(fields=["language", "article"], name="kb_translation_lang")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleVersion(models.Model):
    """One saved revision of an article's text in one language (append-only history)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGE_CHOICES)
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body_markdown = models.TextField(_("body (markdown)"), default="")
    body_html = models.TextField(_("body (sanitised HTML)"), default="")
    state = models.CharField(
        _("state"), max_length=10, choices=VersionState.choices, default=VersionState.DRAFT
    )
    source_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "number"], name="kb_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.language} v{self.number}"


class ArticleFeedback(models.Model):
    """'Was this helpful?' answers, with an optional comment."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(max_length=10, default="en")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        indexes = [models.Index(fields=["article", "-created_at"], name="kb_feedback_article")]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"
