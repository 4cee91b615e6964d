"""Forms of the knowledge base: reader feedback and the agents' article editor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CHOICES, Section, Visibility


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        coerce=lambda v: v == "yes", choices=[("yes", _("Yes")), ("no", _("No"))]
    )
    comment = forms.CharField(
        label=_("How could we improve this article? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    section = forms.ModelChoiceField(
        label=_("Section"), queryset=Section.objects.select_related("category")
    )
    visibility = forms.ChoiceField(label=_("Who can read it"), choices=Visibility.choices)
    slug = forms.SlugField(
        label=_("Address (slug)"),
        required=False,
        max_length=160,
        help_text=_("Leave empty to build it from the title."),
    )
    body_markdown = forms.CharField(
        label=_("Body (markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
    )
