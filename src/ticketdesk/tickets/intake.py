"""Which team a new ticket starts in, so that no ticket is left where nobody looks.

`open_ticket` asks `starting_team` when the caller named no team. The first of these that
names an active team wins, most specific first:

1. the team the caller chose (the agent's new-ticket form, the API's `team_id`, an email
   follow-up inheriting its earlier ticket's team) — not decided here;
2. the category's default team, else its nearest parent's;
3. the entrance's default team: the mailbox the email came to, or the portal's (portal forms
   and the embedded web form);
4. the ticket type's default team;
5. the channel's default team (`ChannelDefault`);
6. none: the ticket waits in the triage queue, which every agent sees (or the members of the
   teams marked "works the triage queue"; see `accounts.policy.sees_triage`).

Automation rules triggered by "Ticket created" run right after the ticket is opened and may
move it to another team: a rule that matches wins over every default. The defaults are
applied in the opening transaction, so a ticket has its team even while no worker runs.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team

from .config import cached
from .models import Category, ChannelDefault, TicketType

EXPLICIT = "explicit"
CATEGORY = "category"
ENTRANCE = "entrance"
TYPE = "type"
CHANNEL = "channel"
TRIAGE = "triage"

SOURCE_LABELS = {
    EXPLICIT: _("chosen when the ticket was opened"),
    CATEGORY: _("the category's default team"),
    ENTRANCE: _("the default team of the mailbox or portal it came through"),
    TYPE: _("the ticket type's default team"),
    CHANNEL: _("the channel's default team"),
    TRIAGE: _("no default applied: the triage queue"),
}


def _channel_defaults() -> dict[str, int]:
    return dict(ChannelDefault.objects.filter(team__active=True).values_list("channel", "team_id"))


def _category_tree() -> dict[int, tuple[int | None, int | None]]:
    """category id → (parent id, default team id), read fresh (per-process cache)."""
    return {
        pk: (parent_id, team_id)
        for pk, parent_id, team_id in Category.objects.values_list(
            "pk", "parent_id", "default_team_id"
        )
    }


def _category_team_id(category: Category) -> int | None:
    tree = cached("category_teams", _category_tree)
    node: int | None = category.pk
    seen: set[int] = set()
    while node is not None and node not in seen and node in tree:
        seen.add(node)
        parent_id, team_id = tree[node]
        if team_id is not None:
            return team_id
        node = parent_id
    return None


def _active(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    return Team.objects.filter(pk=team_id, active=True).first()


def starting_team(
    *,
    category: Category | None,
    ticket_type: TicketType | None,
    channel: str,
    entrance_team: Team | None = None,
) -> tuple[Team | None, str]:
    """(team, source) for a ticket opened without a team; source is one of CATEGORY,
    ENTRANCE, TYPE, CHANNEL or TRIAGE (team None)."""
    candidates: list[tuple[Any, str]] = []
    if category is not None:
        candidates.append((_category_team_id(category), CATEGORY))
    if entrance_team is not None:
        candidates.append((entrance_team.pk, ENTRANCE))
    if ticket_type is not None:
        candidates.append((ticket_type.default_team_id, TYPE))
    candidates.append((cached("channel_defaults", _channel_defaults).get(channel), CHANNEL))
    for team_id, source in candidates:
        team = _active(team_id)
        if team is not None:
            return team, source
    return None, TRIAGE
