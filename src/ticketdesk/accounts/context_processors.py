"""`may` in every template: what the signed-in user may open, asked of the policy module
only when a template looks (the navigation hides what would answer 403)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from . import policy


class May:
    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def view_reports(self) -> bool:
        return policy.can(self._user, policy.VIEW_REPORTS)


def permissions(request: HttpRequest) -> dict[str, Any]:
    return {"may": May(getattr(request, "user", None))}
