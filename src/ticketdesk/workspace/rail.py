"""The left rail: the built-in views, the agent's teams and saved personal views, with counts.

A view is a name and a QuerySet condition on the tickets the user may see. Counts are capped
(`COUNT_CAP`) so that each is a bounded index scan even at millions of tickets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError, NotFound
from ticketdesk.search import filtering
from ticketdesk.tickets import queries
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, DONE_CATEGORIES, StatusCategory, Ticket

from .forms import active_teams
from .models import SavedView

COUNT_CAP = 1000
# counts are shared through the cache (REDIS_URL in production) for this long: the rail
# polls every 30 s, so an agent's open tabs, and reloads, cost one set of COUNTs per window
COUNTS_TTL_SECONDS = 30
RECENTLY_SOLVED_DAYS = 7


@dataclass
class RailView:
    key: str
    label: str
    group: str  # "views", "teams" or "saved"
    condition: Callable[[QuerySet[Ticket]], QuerySet[Ticket]]
    default_sort: str = "updated"
    query: str = ""  # saved views: their query text
    saved_id: int | None = None


def rail_views(user: Any) -> list[RailView]:
    """Every view `user` has, in rail order (one query: the saved views; teams and
    memberships come from the configuration cache)."""
    mine = {team_id for team_id, _lead in policy.memberships(user)}
    my_teams = [team for team in active_teams() if team.pk in mine]
    team_ids = [team.pk for team in my_teams]
    since = clock.now() - dt.timedelta(days=RECENTLY_SOLVED_DAYS)
    views = [
        RailView(
            "mine",
            _("My open tickets"),
            "views",
            lambda qs: qs.filter(assignee_id=user.pk, status_category__in=ACTIVE_CATEGORIES),
        ),
        RailView(
            "unassigned",
            _("Unassigned in my teams"),
            "views",
            lambda qs: qs.filter(
                assignee__isnull=True,
                team_id__in=team_ids,
                status_category__in=ACTIVE_CATEGORIES,
            ),
        ),
    ]
    if policy.sees_triage(user):
        # tickets no default routed anywhere: every agent (or the triage teams) sees them
        views.append(
            RailView(
                "triage",
                _("Triage: no team"),
                "views",
                lambda qs: qs.filter(team__isnull=True, status_category__in=ACTIVE_CATEGORIES),
            )
        )
    views += [
        RailView(
            "escalated",
            _("Escalated"),
            "views",
            lambda qs: qs.filter(escalation_level__gt=0, status_category__in=ACTIVE_CATEGORIES),
        ),
        RailView(
            "pending",
            _("Pending"),
            "views",
            lambda qs: qs.filter(status_category=StatusCategory.PENDING),
        ),
        RailView(
            "solved",
            _("Recently solved"),
            "views",
            lambda qs: qs.filter(status_category__in=DONE_CATEGORIES, resolved_at__gte=since),
        ),
    ]
    if policy.is_admin(user):
        views.append(
            RailView(
                "all",
                _("All open tickets"),
                "views",
                lambda qs: qs.filter(status_category__in=ACTIVE_CATEGORIES),
            )
        )
    # every ticket the policy lets this user see: where searches from reports and the
    # requester card land
    views.append(RailView("everything", _("All tickets"), "views", lambda qs: qs))
    for team in my_teams:
        team_id = team.pk
        views.append(
            RailView(
                f"team-{team_id}",
                team.name,
                "teams",
                lambda qs, team_id=team_id: qs.filter(  # type: ignore[misc]
                    team_id=team_id, status_category__in=ACTIVE_CATEGORIES
                ),
            )
        )
    for saved in SavedView.objects.filter(owner_id=user.pk):
        views.append(
            RailView(
                f"saved-{saved.pk}",
                saved.name,
                "saved",
                lambda qs, q=saved.query: filtering.apply_filters(qs, q, user),  # type: ignore[misc]
                query=saved.query,
                saved_id=saved.pk,
            )
        )
    return views


def find_view(views: list[RailView], key: str) -> RailView:
    for view in views:
        if view.key == key:
            return view
    raise NotFound(_("This view does not exist."))


def view_queryset(user: Any, view: RailView) -> QuerySet[Ticket]:
    return view.condition(queries.tickets_for_list(user))


def count_view(visible: QuerySet[Ticket], view: RailView) -> int:
    """How many of the `visible` tickets are in the view, counting at most COUNT_CAP rows."""
    return view.condition(visible.order_by()).values("pk")[:COUNT_CAP].count()


def counts(user: Any, views: list[RailView]) -> dict[str, int | None]:
    """One bounded COUNT per view, shared for COUNTS_TTL_SECONDS through the cache (keyed by
    the user and their views, so a new saved view or team counts at once); a saved view
    whose query no longer parses counts None."""
    signature = "|".join(f"{v.key}={v.query}" for v in views)
    digest = hashlib.blake2b(signature.encode(), digest_size=12).hexdigest()
    key = f"rail-counts:{user.pk}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    result: dict[str, int | None] = {}
    visible = policy.visible_tickets(user)
    for view in views:
        try:
            result[view.key] = count_view(visible, view)
        except DomainError:  # a broken saved query must not break the rail
            result[view.key] = None
    cache.set(key, result, COUNTS_TTL_SECONDS)
    return result


def default_view_key(user: Any) -> str:
    return "mine"


__all__ = [
    "COUNTS_TTL_SECONDS",
    "COUNT_CAP",
    "RailView",
    "count_view",
    "counts",
    "default_view_key",
    "find_view",
    "rail_views",
    "view_queryset",
]
