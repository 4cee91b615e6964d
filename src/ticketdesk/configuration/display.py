"""How a configuration change reads on the changes page: what happened, to which kind of
row, and each changed field with its value before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.models import AuditEntry

VERBS = {
    "created": _("Created"),
    "updated": _("Changed"),
    "deleted": _("Deleted"),
    "imported": _("Imported"),
}
MAX_TEXT = 300


def text(value: Any) -> str:
    if value is None:
        return "—"
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= MAX_TEXT else shown[: MAX_TEXT - 1] + "…"


@dataclass
class Change:
    entry: AuditEntry
    verb: str
    kind: str
    via: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, before, after
    summary: list[tuple[str, int, int, int]] = field(default_factory=list)


def describe(entry: AuditEntry, kinds: dict[str, str]) -> Change:
    details = entry.details if isinstance(entry.details, dict) else {}
    verb = entry.action.rsplit(".", 1)[-1]
    change = Change(
        entry=entry,
        verb=str(VERBS.get(verb, verb)),
        kind=kinds.get(entry.target_type, entry.target_type),
        via=str(details.get("via", "")),
    )
    for name, pair in sorted((details.get("changes") or {}).items()):
        if isinstance(pair, list) and len(pair) == 2:
            change.fields.append((name, text(pair[0]), text(pair[1])))
    for name, value in sorted((details.get("before") or {}).items()):
        change.fields.append((name, text(value), "—"))
    for name in details.get("changed_secrets") or []:
        change.fields.append((str(name), "•••", "•••"))
    for kind_name, counts in (details.get("summary") or {}).items():
        if isinstance(counts, dict):
            change.summary.append(
                (
                    kind_name,
                    int(counts.get("added", 0)),
                    int(counts.get("changed", 0)),
                    int(counts.get("removed", 0)),
                )
            )
    return change
