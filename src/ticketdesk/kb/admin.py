from django.contrib import admin

from ticketdesk.audit.configuration import ConfigurationAdmin
from ticketdesk.core.translatable_admin import TranslatableAdmin

from .models import (
    Article,
    ArticleFeedback,
    ArticleTranslation,
    ArticleVersion,
    KbCategory,
    Section,
)


class SectionInline(admin.TabularInline):
    model = Section
    prepopulated_fields = {"slug": ("name",)}
    exclude = ("translations",)  # translated on the section's own page
    extra = 0


@admin.register(KbCategory)
class KbCategoryAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("name", "slug", "order")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(ConfigurationAdmin, TranslatableAdmin):
    list_display = ("name", "category", "slug", "order")
    list_filter = ("category",)
    prepopulated_fields = {"slug": ("name",)}


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    extra = 0
    readonly_fields = ("body_html", "body_text", "published_version", "published_at")
    fields = ("language", "title", "published_version", "published_at")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("slug", "section", "visibility", "is_published", "helpful_count", "updated_at")
    list_filter = ("visibility", "is_published", "section__category")
    search_fields = ("slug", "translations__title")
    readonly_fields = ("created_at", "updated_at", "helpful_count", "unhelpful_count")
    inlines = [TranslationInline]


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    list_display = ("article", "language", "number", "state", "created_by", "created_at")
    list_filter = ("language", "state")
    readonly_fields = ("body_html",)


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ("article", "helpful", "comment", "created_at")
    list_filter = ("helpful",)
