"""The channels section: the mailboxes (with a connection test), the portal's access, the
chat widget (its allowed sites and the snippet to copy) and the messaging accounts (with the
webhook URL to give the provider). Secrets are stored encrypted and never shown back."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.audit import log
from ticketdesk.channels.chat.origins import allowed_origins
from ticketdesk.channels.email import imap
from ticketdesk.channels.email.forms import GENERAL, IMAP, OAUTH2, MailboxForm
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.portal.models import PortalSettings

from ...settings_channel_forms import ChannelAccountForm, PortalForm
from ..common import is_htmx
from .common import render_settings, settings_required

SECTION = "channels"


def webhook_url(account: ChannelAccount) -> str:
    return settings.SITE_URL + reverse("messaging:webhook", args=[account.webhook_key])


def widget_snippet() -> str:
    return f'<script src="{settings.SITE_URL}{reverse("chat:widget_js")}" async></script>'


@settings_required
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    mailboxes = list(Mailbox.objects.select_related("team").order_by("address"))
    accounts = list(ChannelAccount.objects.select_related("team").order_by("name"))
    for account in accounts:
        account.webhook_url = webhook_url(account)  # type: ignore[attr-defined]
    origins = sorted(o for o in allowed_origins() if o)
    return render_settings(
        request,
        "workspace/settings/channels.html",
        {
            "mailboxes": mailboxes,
            "accounts": accounts,
            "portal": PortalSettings.current(),
            "origins": origins,
            "site_origin": settings.SITE_URL,
            "snippet": widget_snippet(),
        },
        section=SECTION,
    )


def _mailbox_fieldsets(form: MailboxForm) -> list[tuple[str, list[Any]]]:
    return [
        (_("The mailbox"), [form[name] for name in GENERAL]),
        (_("IMAP (fetching mail)"), [form[name] for name in IMAP]),
        (_("OAuth2 (Microsoft 365, Google)"), [form[name] for name in OAUTH2]),
    ]


def _save(form: Any) -> Any:
    with transaction.atomic(), log.via("settings"):
        return form.save()


@settings_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk) if pk else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        saved = _save(form)
        messages.success(request, _("The mailbox %(m)s is saved.") % {"m": saved.address})
        return redirect("workspace:settings:mailbox_edit", pk=saved.pk)
    return render_settings(
        request,
        "workspace/settings/mailbox_form.html",
        {"form": form, "mailbox": mailbox, "fieldsets": _mailbox_fieldsets(form)},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Connect, sign in and open the folder with the saved settings (outside any transaction,
    with a timeout); the answer in plain words. Changes nothing."""
    mailbox = get_object_or_404(Mailbox, pk=pk)
    check = imap.check_connection(mailbox)
    context = {"check": check, "mailbox": mailbox}
    if is_htmx(request):
        return render_settings(
            request, "workspace/settings/mailbox_test.html", context, section=SECTION
        )
    form = MailboxForm(instance=mailbox)
    return render_settings(
        request,
        "workspace/settings/mailbox_form.html",
        {**context, "form": form, "fieldsets": _mailbox_fieldsets(form)},
        section=SECTION,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def portal(request: HttpRequest) -> HttpResponse:
    form = PortalForm(request.POST or None, instance=PortalSettings.current())
    if request.method == "POST" and form.is_valid():
        _save(form)
        messages.success(request, _("The portal settings are saved."))
        return redirect("workspace:settings:portal")
    return render_settings(
        request,
        "workspace/settings/portal_form.html",
        {"form": form},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def messaging_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk) if pk else None
    form = ChannelAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        saved = _save(form)
        messages.success(request, _("The account “%(a)s” is saved.") % {"a": saved.name})
        return redirect("workspace:settings:messaging_edit", pk=saved.pk)
    return render_settings(
        request,
        "workspace/settings/messaging_form.html",
        {
            "form": form,
            "account": account,
            "webhook_url": webhook_url(account) if account else "",
        },
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )
