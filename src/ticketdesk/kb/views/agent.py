"""Agents' side of the knowledge base: article editor with drafts and history, inserting an
article link into a reply, turning a reply into a draft article."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError
from ticketdesk.core.views import render_domain_error
from ticketdesk.portal.forms import apply_domain_error
from ticketdesk.tickets.models import Message

from .. import actions, search
from ..forms import ArticleForm
from ..models import Article, ArticleVersion, Section, Visibility
from ..queries import can_manage, managed_articles, pick_translations

PAGE = 50


def _agent_only(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise Http404


@require_GET
def insert_link(request: HttpRequest) -> HttpResponse:
    """htmx fragment for the reply editor: articles a customer can open, with their link."""
    if not policy.can(request.user, policy.USE_WORKSPACE):
        raise Http404
    text = (request.GET.get("q") or "").strip()[:200]
    hits = [
        h
        for h in (search.search(request.user, text, limit=12) if text else [])
        if h.article.visibility != Visibility.INTERNAL
    ][:8]
    base = request.build_absolute_uri("/").rstrip("/")
    rows = [
        {
            "title": h.translation.title,
            "url": base + reverse("kb:article", args=[h.article.slug]),
            "snippet": h.snippet,
        }
        for h in hits
    ]
    return render(request, "kb/_insert_link.html", {"rows": rows, "q": text})


@require_POST
def from_message(request: HttpRequest, message_id: int) -> HttpResponse:
    _agent_only(request)
    message = get_object_or_404(Message.objects.select_related("ticket"), pk=message_id)
    if not policy.can(request.user, policy.VIEW, message):
        raise Http404
    try:
        article = actions.draft_from_message(message, actor=request.user)
    except DomainError as error:
        return render_domain_error(request, error)
    target = reverse("kb:edit", args=[article.pk])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    _agent_only(request)
    text = (request.GET.get("q") or "").strip()[:200]
    qs = managed_articles(request.user).select_related("section__category")
    if text:
        qs = qs.filter(Q(slug__icontains=text) | Q(versions__title__icontains=text)).distinct()
    articles = list(qs.order_by("-updated_at", "-id")[:PAGE])
    titles = pick_translations([a.pk for a in articles])
    latest: dict[int, str] = {}
    for version in ArticleVersion.objects.filter(article__in=articles).order_by("number"):
        latest[version.article_id] = version.title
    rows = [
        (a, titles[a.pk].title if a.pk in titles else latest.get(a.pk, a.slug)) for a in articles
    ]
    return render(
        request,
        "kb/manage.html",
        {"rows": rows, "q": text, "page_nav": "kb", "has_sections": Section.objects.exists()},
    )


def _editor_context(request: HttpRequest, form: ArticleForm, article: Article | None) -> dict:
    versions = (
        list(article.versions.select_related("created_by").order_by("language", "-number")[:60])
        if article
        else []
    )
    return {"form": form, "article": article, "versions": versions, "page_nav": "kb"}


@require_http_methods(["GET", "POST"])
def new_article(request: HttpRequest) -> HttpResponse:
    _agent_only(request)
    if not Section.objects.exists():
        actions.default_section()
    form = ArticleForm(request.POST or None, initial={"language": "en", "visibility": "public"})
    if request.method == "POST" and form.is_valid():
        try:
            article = actions.create_article(
                actor=request.user,
                section=form.cleaned_data["section"],
                title=form.cleaned_data["title"],
                body_markdown=form.cleaned_data["body_markdown"],
                language=form.cleaned_data["language"],
                visibility=form.cleaned_data["visibility"],
                slug=form.cleaned_data["slug"],
                publish=request.POST.get("publish") == "1",
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return HttpResponseRedirect(
                reverse("kb:edit", args=[article.pk]) + f"?lang={form.cleaned_data['language']}"
            )
    return render(request, "kb/edit.html", _editor_context(request, form, None))


@require_http_methods(["GET", "POST"])
def edit_article(request: HttpRequest, article_id: int) -> HttpResponse:
    _agent_only(request)
    article = get_object_or_404(managed_articles(request.user), pk=article_id)
    language = request.POST.get("language") or request.GET.get("lang") or "en"
    latest = article.versions.filter(language=language).order_by("-number").first()
    initial = {
        "language": language,
        "section": article.section_id,
        "visibility": article.visibility,
        "slug": article.slug,
        "title": latest.title if latest else "",
        "body_markdown": latest.body_markdown if latest else "",
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_article(
                article,
                actor=request.user,
                section=form.cleaned_data["section"],
                visibility=form.cleaned_data["visibility"],
                slug=form.cleaned_data["slug"],
            )
            actions.save_version(
                article,
                actor=request.user,
                language=form.cleaned_data["language"],
                title=form.cleaned_data["title"],
                body_markdown=form.cleaned_data["body_markdown"],
                publish=request.POST.get("publish") == "1",
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return HttpResponseRedirect(
                reverse("kb:edit", args=[article.pk]) + f"?lang={form.cleaned_data['language']}"
            )
    context = _editor_context(request, form, article)
    context["latest"] = latest
    return render(request, "kb/edit.html", context)


@require_POST
def publish_version(request: HttpRequest, version_id: int) -> HttpResponse:
    """Publish (or restore) one saved version."""
    _agent_only(request)
    version = get_object_or_404(ArticleVersion, pk=version_id)
    actions.publish_version(version, actor=request.user)
    return HttpResponseRedirect(
        reverse("kb:edit", args=[version.article_id]) + f"?lang={version.language}"
    )


@require_GET
def preview_version(request: HttpRequest, version_id: int) -> HttpResponse:
    _agent_only(request)
    version = get_object_or_404(ArticleVersion.objects.select_related("article"), pk=version_id)
    return render(request, "kb/preview.html", {"version": version, "page_nav": "kb"})
