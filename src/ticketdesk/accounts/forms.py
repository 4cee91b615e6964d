"""The login form shared by the workspace and the portal: a user name or an email address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


def username_for(login: str) -> str:
    """The user name to authenticate: `login` itself, or, when it is an email address that
    is nobody's user name, the user name of the one login with that address (any case).
    An address shared by several logins or by none is left as typed, so the answer is the
    same "wrong login or password" whether or not the address exists."""
    login = (login or "").strip()
    if "@" not in login or User.objects.filter(username=login).exists():
        return login
    matches = list(User.objects.filter(email__iexact=login).values_list("username", flat=True)[:2])
    return matches[0] if len(matches) == 1 else login


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email or user name")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = username_for(username)
        return super().clean()
