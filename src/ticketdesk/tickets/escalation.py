"""Escalation levels: tier 1 → tier 2 → specialist team / lead.

A ticket starts at level 0 (the first level: the team it was routed to). Escalating raises
the level by one, with a required reason, either functionally (to another team: the chosen
one, or the team's `escalation_team`) or hierarchically (to a team lead or manager). The level
stays on the ticket as a record that it needed escalation (lists badge it, reports count it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TIER_1, TIER_2, SPECIALIST = 0, 1, 2
MAX_LEVEL = SPECIALIST
LEVELS = {
    TIER_1: _("Tier 1"),
    TIER_2: _("Tier 2"),
    SPECIALIST: _("Specialists / lead"),
}
FUNCTIONAL = "functional"
HIERARCHICAL = "hierarchical"
KINDS = {FUNCTIONAL: _("to another team"), HIERARCHICAL: _("to a lead or manager")}


def level_label(level: int) -> str:
    return str(LEVELS.get(level, LEVELS[MAX_LEVEL]))
