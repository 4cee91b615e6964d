from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.errors import DomainError

from .models import TrackerConnection


class _DomainErrors(forms.Form):
    def apply_error(self, error: DomainError) -> None:
        placed = False
        for name, messages in error.fields.items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class CreateIssueForm(_DomainErrors):
    connection = forms.ModelChoiceField(
        label=_("Tracker"), queryset=TrackerConnection.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Issue title"), max_length=250)

    def __init__(self, *args: Any, connections: list[TrackerConnection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["connection"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = TrackerConnection.objects.filter(pk__in=[c.pk for c in connections])


class LinkIssueForm(_DomainErrors):
    url = forms.URLField(
        label=_("Issue address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("GitHub, GitLab or Jira issue address."),
    )
