"""`may` in every template: what the signed-in user may open, asked of the policy module
only when a template looks (the navigation hides what would answer 403 or 404)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from . import policy


class May:
    def __init__(self, user: Any) -> None:
        self._user = user

    def _can(self, verb: str) -> bool:
        return policy.can(self._user, verb)

    @cached_property
    def use_workspace(self) -> bool:
        return self._can(policy.USE_WORKSPACE)

    @cached_property
    def administer(self) -> bool:
        return self._can(policy.ADMINISTER)

    @cached_property
    def view_reports(self) -> bool:
        return self._can(policy.VIEW_REPORTS)

    @cached_property
    def create_for_others(self) -> bool:
        return self._can(policy.CREATE_FOR_OTHERS)

    @cached_property
    def view_macros(self) -> bool:
        return self._can(policy.VIEW_MACROS)

    @cached_property
    def create_macro(self) -> bool:
        return self._can(policy.CREATE_MACRO)

    @cached_property
    def write_articles(self) -> bool:
        return self._can(policy.WRITE_ARTICLES)

    @cached_property
    def set_availability(self) -> bool:
        return self._can(policy.SET_AVAILABILITY)

    @cached_property
    def answer_chats(self) -> bool:
        return self._can(policy.ANSWER_CHATS)

    @cached_property
    def export_tickets(self) -> bool:
        return self._can(policy.EXPORT_TICKETS)

    @cached_property
    def view_audit_log(self) -> bool:
        return self._can(policy.VIEW_AUDIT_LOG)

    @cached_property
    def manage_settings(self) -> bool:
        return self._can(policy.MANAGE_SETTINGS)

    @cached_property
    def view_configuration_changes(self) -> bool:
        return self._can(policy.VIEW_CONFIGURATION_CHANGES)

    @cached_property
    def exchange_configuration(self) -> bool:
        return self._can(policy.EXCHANGE_CONFIGURATION)

    @cached_property
    def view_assets(self) -> bool:
        return self._can(policy.VIEW_ASSETS)

    @cached_property
    def view_time_reports(self) -> bool:
        return self._can(policy.VIEW_TIME_REPORTS)


def permissions(request: HttpRequest) -> dict[str, Any]:
    return {"may": May(getattr(request, "user", None))}
