"""The embeddable web form (an iframe other sites include) and the page explaining it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import ratelimit
from ticketdesk.core.errors import DomainError

from .. import actions, emails
from ..forms import EmbedForm, apply_domain_error
from .common import portal_settings, render_portal


# Framed on other sites, the form cannot rely on the CSRF cookie (SameSite=Lax cookies are not
# sent inside a third-party iframe). It acts as nobody's session (a guest submission), so CSRF
# gains an attacker nothing; spam is held off by the honeypot and the per-address rate limit.
@xframe_options_exempt
@csrf_exempt
@require_http_methods(["GET", "POST"])
def embed_form(request: HttpRequest) -> HttpResponse:
    portal = portal_settings(request)
    if not portal.embed_enabled:
        raise Http404
    form = EmbedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            return render_portal(request, "portal/embed_thanks.html", {"ticket": None})
        if not ratelimit.hit(
            f"portal-embed:{ratelimit.client_ip(request)}", limit=5, window_seconds=3600
        ):
            form.add_error(None, _("Too many requests from your network. Try again later."))
            return render_portal(request, "portal/embed.html", {"form": form}, status=429)
        try:
            requester = account_actions.get_or_create_contact(
                form.cleaned_data["email"], form.cleaned_data["name"]
            )
            ticket = actions.submit_ticket(
                requester=requester,
                actor=None,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["description"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return render_portal(request, "portal/embed_thanks.html", {"ticket": ticket})
    return render_portal(
        request, "portal/embed.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def embed_snippet(request: HttpRequest) -> HttpResponse:
    form_url = emails.absolute(reverse("portal:embed"))
    script_url = emails.absolute(reverse("portal:embed_js"))
    return render_portal(
        request,
        "portal/embed_snippet.html",
        {"form_url": form_url, "script_url": script_url},
    )


@require_GET
def embed_script(request: HttpRequest) -> HttpResponse:
    """`<script src=".../portal/embed.js" data-target="#help">`: inserts the form's iframe."""
    form_url = emails.absolute(reverse("portal:embed"))
    body = (
        "(function(){var s=document.currentScript;"
        "var t=s&&s.dataset.target?document.querySelector(s.dataset.target):null;"
        "var f=document.createElement('iframe');"
        f"f.src={form_url!r};"
        "f.title=(s&&s.dataset.title)||'Support';"
        "f.style.cssText='width:100%;max-width:560px;height:620px;border:0';"
        "f.setAttribute('loading','lazy');"
        "if(t){t.appendChild(f);}else if(s){s.parentNode.insertBefore(f,s);}})();"
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
