"""Reading the knowledge base: index, category, article, print, search, feedback, sitemap."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import ratelimit
from ticketdesk.portal.views.common import render_portal

from .. import actions, search
from ..forms import FeedbackForm
from ..models import Article, ArticleTranslation, KbCategory, Visibility
from ..queries import (
    articles_in_sections,
    can_manage,
    categories_with_sections,
    current_language,
    pick_translations,
    related_articles,
    translation_for,
    visible_articles,
)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    categories = list(categories_with_sections())
    sections = [s for c in categories for s in c.sections.all()]
    grouped = articles_in_sections(request.user, sections, per_section=6)
    blocks = [
        (c, [(s, grouped[s.pk]) for s in c.sections.all() if s.pk in grouped]) for c in categories
    ]
    return render_portal(
        request,
        "kb/index.html",
        {
            "blocks": [(c, rows) for c, rows in blocks if rows],
            "can_manage": can_manage(request.user),
            "page_nav": "kb",
        },
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(KbCategory.objects.prefetch_related("sections"), slug=slug)
    sections = list(item.sections.all())
    grouped = articles_in_sections(request.user, sections)
    return render_portal(
        request,
        "kb/category.html",
        {
            "category": item,
            "sections": [(s, grouped[s.pk]) for s in sections if s.pk in grouped],
            "page_nav": "kb",
        },
    )


def _article_and_translation(request: HttpRequest, slug: str) -> tuple[Article, ArticleTranslation]:
    article = get_object_or_404(
        visible_articles(request.user)
        .select_related("section__category")
        .prefetch_related("translations"),
        slug=slug,
    )
    wanted = request.GET.get("lang") or current_language()
    translation = translation_for(article, wanted)
    if translation is None:
        from django.http import Http404

        raise Http404
    return article, translation


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    item, translation = _article_and_translation(request, slug)
    return render_portal(
        request,
        "kb/article.html",
        {
            "article": item,
            "translation": translation,
            "languages": [t for t in item.translations.all() if t.pk != translation.pk],
            "related": related_articles(request.user, item, translation.title),
            "feedback_form": FeedbackForm(),
            "thanks": request.GET.get("thanks") == "1",
            "can_manage": can_manage(request.user),
            "canonical": request.build_absolute_uri(reverse("kb:article", args=[item.slug])),
            "page_nav": "kb",
        },
    )


@require_GET
def article_print(request: HttpRequest, slug: str) -> HttpResponse:
    item, translation = _article_and_translation(request, slug)
    return render_portal(
        request, "kb/article_print.html", {"article": item, "translation": translation}
    )


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(visible_articles(request.user), slug=slug)
    form = FeedbackForm(request.POST)
    if form.is_valid() and ratelimit.hit(
        f"kb-feedback:{ratelimit.client_ip(request)}:{item.pk}", limit=5, window_seconds=3600
    ):
        actions.record_feedback(
            item,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
            user=request.user,
            language=current_language(),
        )
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(
            '<p class="notice ok" role="status">' + _("Thank you for your feedback!") + "</p>"
        )
    return HttpResponseRedirect(reverse("kb:article", args=[item.slug]) + "?thanks=1#feedback")


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or "").strip()[:200]
    hits = search.search(request.user, text, limit=30) if text else []
    return render_portal(request, "kb/search.html", {"q": text, "hits": hits, "page_nav": "kb"})


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    """Public, published articles (the only ones a crawler can read)."""
    articles = list(
        Article.objects.filter(is_published=True, visibility=Visibility.PUBLIC)
        .order_by("-updated_at", "-id")
        .only("slug", "updated_at")[:50000]
    )
    translations = pick_translations([a.pk for a in articles], "en")
    base = request.build_absolute_uri("/").rstrip("/")
    xml = render_to_string(
        "kb/sitemap.xml",
        {"articles": [a for a in articles if a.pk in translations], "base": base},
    )
    return HttpResponse(xml, content_type="application/xml")
