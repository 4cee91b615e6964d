from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MergeForm(forms.Form):
    email = forms.EmailField(
        label=_("The customer's email address"),
        help_text=_("Their contact receives this person's messaging tickets and identities."),
    )
