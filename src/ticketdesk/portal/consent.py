"""The consent text of the portal's sign-up and new-request forms, and its acceptance."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.audit.models import ComplianceSettings
from ticketdesk.core import clock
from ticketdesk.core.translatable import pick

from .models import ConsentAcceptance


def default_text() -> str:
    return _(
        "I agree that my name, email address and the content of my requests are stored and "
        "processed to handle my requests. I can ask for a copy of my data or for its erasure "
        "at any time."
    )


def consent_text() -> str:
    """The text in the reader's language: the admin's (or its translation), else ours."""
    settings = ComplianceSettings.current()
    if not settings.consent_text.strip():
        return default_text()
    return pick(
        {k: {"text": v} for k, v in (settings.consent_translations or {}).items()},
        "text",
        settings.consent_text,
    )


def record_acceptance(contact: Any, form: str, text: str) -> ConsentAcceptance:
    return ConsentAcceptance.objects.create(
        contact=contact,
        form=form,
        text=text,
        language=translation.get_language() or "",
        accepted_at=clock.now(),
    )


def asked() -> bool:
    return ComplianceSettings.current().ask_consent


def add_field(form: Any) -> None:
    """Add the required consent checkbox to a portal form when the admin asks for it."""
    from django import forms

    if asked():
        form.fields["consent"] = forms.BooleanField(label=consent_text(), required=True)
        form.consent_text = form.fields["consent"].label


def record_if_given(form: Any, contact: Any, consent_form: str) -> None:
    if contact is not None and form.cleaned_data.get("consent"):
        record_acceptance(contact, consent_form, form.consent_text)
