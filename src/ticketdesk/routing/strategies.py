"""Choosing an agent: round-robin, least-loaded and skills-based, over candidates that are
already filtered for availability and capacity. Pure functions over plain data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.accounts.models import AssignmentStrategy


@dataclass
class Candidate:
    user_id: int
    name: str
    open_tickets: int = 0
    weighted_load: int = 0  # open tickets weighted by priority (low 1 ... critical 4)
    capacity: int = 0  # 0: no limit
    status: str = "online"
    in_working_hours: bool = True
    skills: set[tuple[str, str]] = field(default_factory=set)
    skill_score: int = 0
    matched_skills: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.status == "online" and self.in_working_hours and not self.full

    @property
    def full(self) -> bool:
        return self.capacity > 0 and self.open_tickets >= self.capacity

    def why_not(self) -> str:
        if self.status != "online":
            return _("not online (%(status)s)") % {"status": self.status}
        if not self.in_working_hours:
            return _("outside working hours")
        if self.full:
            return _("at capacity (%(n)s/%(cap)s)") % {"n": self.open_tickets, "cap": self.capacity}
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "open_tickets": self.open_tickets,
            "weighted_load": self.weighted_load,
            "capacity": self.capacity,
            "status": self.status,
            "skill_score": self.skill_score,
            "skipped": self.why_not(),
        }


@dataclass(frozen=True)
class TicketFacts:
    category_path: str = ""
    type_key: str = ""
    type_name: str = ""
    language: str = ""
    organization: str = ""


def rotation(candidates: Sequence[Candidate], last_user_id: int | None) -> list[Candidate]:
    """Candidates by user id, starting after the last one routed to."""
    ordered = sorted(candidates, key=lambda c: c.user_id)
    if last_user_id is None:
        return ordered
    after = [c for c in ordered if c.user_id > last_user_id]
    return after + [c for c in ordered if c.user_id <= last_user_id]


def skill_matches(skills: set[tuple[str, str]], facts: TicketFacts) -> list[str]:
    matched: list[str] = []
    path = facts.category_path.casefold()
    language = facts.language.casefold()
    for kind, raw in sorted(skills):
        value = raw.casefold().strip()
        if not value:
            continue
        if kind == "category" and path and (path == value or path.startswith(value + " / ")):
            matched.append(f"category {raw}")
        elif kind == "type" and value in (facts.type_key.casefold(), facts.type_name.casefold()):
            matched.append(f"type {raw}")
        elif kind == "language" and language and _same_language(language, value):
            matched.append(f"language {raw}")
        elif kind == "organization" and value == facts.organization.casefold():
            matched.append(f"organization {raw}")
    return matched


def _same_language(a: str, b: str) -> bool:
    a, b = a.replace("_", "-"), b.replace("_", "-")
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def choose(
    strategy: str,
    candidates: Sequence[Candidate],
    facts: TicketFacts,
    last_user_id: int | None,
    *,
    avoid_user_id: int | None = None,
) -> tuple[Candidate | None, str]:
    """(chosen candidate or None, the reason in words). `avoid_user_id` (the agent who just
    returned the ticket to the queue) is chosen only when nobody else is available."""
    available = [c for c in candidates if c.available]
    if avoid_user_id is not None and any(c.user_id != avoid_user_id for c in available):
        available = [c for c in available if c.user_id != avoid_user_id]
    if not candidates:
        return None, _("The team has no agent who can be assigned.")
    if not available:
        return None, _(
            "No agent of the team is available (online, in working hours, under capacity)."
        )
    ordered = rotation(available, last_user_id)
    if strategy == AssignmentStrategy.ROUND_ROBIN:
        chosen = ordered[0]
        return chosen, _("Round robin: next available agent after the last one routed to.")
    if strategy == AssignmentStrategy.SKILLS:
        for candidate in available:
            candidate.matched_skills = skill_matches(candidate.skills, facts)
            candidate.skill_score = len(candidate.matched_skills)
        best = max(c.skill_score for c in available)
        if best > 0:
            skilled = [c for c in ordered if c.skill_score == best]
            chosen = _least_loaded(skilled)
            return chosen, _("Skills: matched %(skills)s; least loaded of %(n)s matching.") % {
                "skills": ", ".join(chosen.matched_skills),
                "n": len(skilled),
            }
        chosen = _least_loaded(ordered)
        return chosen, _(
            "Skills: nobody matched; least loaded available agent (load %(load)s)."
        ) % {"load": chosen.weighted_load}
    chosen = _least_loaded(ordered)
    return chosen, _("Least loaded: %(n)s open tickets, weighted load %(load)s.") % {
        "n": chosen.open_tickets,
        "load": chosen.weighted_load,
    }


def _least_loaded(ordered: Sequence[Candidate]) -> Candidate:
    """Lowest weighted load, then fewest tickets; ties go in rotation order (stable min)."""
    return min(ordered, key=lambda c: (c.weighted_load, c.open_tickets))
