"""The channels section: the mailboxes (with a connection test), the portal's access, the
chat widget (its allowed sites and the snippet to copy) and the messaging accounts (with the
webhook URL to give the provider). Secrets are stored encrypted and never shown back.

Every save goes through the owning app's action (policy, validation, the configuration
change log); the views only parse the forms and show the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.audit import log
from ticketdesk.channels.chat import actions as chat_actions
from ticketdesk.channels.chat.origins import configured_origins, environment_origins
from ticketdesk.channels.email import actions as email_actions
from ticketdesk.channels.email import imap
from ticketdesk.channels.email.forms import GENERAL, IMAP, OAUTH2, MailboxForm
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging import actions as messaging_actions
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.core.errors import DomainError
from ticketdesk.portal import actions as portal_actions
from ticketdesk.portal.models import PortalSettings

from ...settings_channel_forms import ChannelAccountForm, ChatWidgetForm, PortalForm
from ..common import current_user, is_htmx
from .common import place_errors, render_settings, settings_required

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
    return render_settings(
        request,
        "workspace/settings/channels.html",
        {
            "mailboxes": mailboxes,
            "accounts": accounts,
            "portal": PortalSettings.current(),
            "origins": configured_origins(),
            "environment_origins": environment_origins(),
            "site_origin": settings.SITE_URL,
            "snippet": widget_snippet(),
        },
        section=SECTION,
    )


def _edit(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[Any, dict[str, Any]], Any],
    saved: Callable[[Any], tuple[str, str]],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A settings form: shown, or posted and saved through `save(actor, cleaned values)` (an
    action of the owning app); `saved(row)` gives the message and the page to go to. A
    refusal of the action is shown on the form's fields, with status 400."""
    if request.method == "POST" and form.is_valid():
        try:
            with log.via("settings"):
                row = save(current_user(request), form.cleaned_data)
        except DomainError as error:
            place_errors(form, error)
        else:
            message, url = saved(row)
            messages.success(request, message)
            return redirect(url)
    return render_settings(
        request,
        template,
        {"form": form, **context},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


def _mailbox_fieldsets(form: MailboxForm) -> list[tuple[str, list[Any]]]:
    return [
        (_("The mailbox"), [form[name] for name in GENERAL]),
        (_("IMAP (fetching mail)"), [form[name] for name in IMAP]),
        (_("OAuth2 (Microsoft 365, Google)"), [form[name] for name in OAUTH2]),
    ]


@settings_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk) if pk else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    return _edit(
        request,
        form,
        save=lambda actor, values: email_actions.save_mailbox(
            actor=actor, values=values, mailbox=mailbox
        ),
        saved=lambda row: (
            _("The mailbox %(m)s is saved.") % {"m": row.address},
            reverse("workspace:settings:mailbox_edit", args=[row.pk]),
        ),
        template="workspace/settings/mailbox_form.html",
        context={"mailbox": mailbox, "fieldsets": _mailbox_fieldsets(form)},
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
    return _edit(
        request,
        PortalForm(request.POST or None, instance=PortalSettings.current()),
        save=lambda actor, values: portal_actions.save_portal_settings(actor=actor, values=values),
        saved=lambda row: (
            _("The portal settings are saved."),
            reverse("workspace:settings:portal"),
        ),
        template="workspace/settings/portal_form.html",
        context={},
    )


@settings_required
@require_http_methods(["GET", "POST"])
def chat_widget(request: HttpRequest) -> HttpResponse:
    """The other sites that may embed the chat widget, one per line."""
    initial = {"allowed_origins": "\n".join(configured_origins())}
    return _edit(
        request,
        ChatWidgetForm(request.POST or None, initial=initial),
        save=lambda actor, values: chat_actions.save_widget_origins(
            actor=actor, origins=values["allowed_origins"].splitlines()
        ),
        saved=lambda row: (
            _("The sites allowed to embed the chat are saved."),
            reverse("workspace:settings:channels") + "#chat-title",
        ),
        template="workspace/settings/chat_widget_form.html",
        context={
            "environment_origins": environment_origins(),
            "site_origin": settings.SITE_URL,
        },
    )


@settings_required
@require_http_methods(["GET", "POST"])
def messaging_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk) if pk else None
    return _edit(
        request,
        ChannelAccountForm(request.POST or None, instance=account),
        save=lambda actor, values: messaging_actions.save_account(
            actor=actor, values=values, account=account
        ),
        saved=lambda row: (
            _("The account “%(a)s” is saved.") % {"a": row.name},
            reverse("workspace:settings:messaging_edit", args=[row.pk]),
        ),
        template="workspace/settings/messaging_form.html",
        context={"account": account, "webhook_url": webhook_url(account) if account else ""},
    )
