"""What each status the side panel offers requires before the ticket may move there
(Transition.required_fields), for the page to name the fields as soon as the agent picks
the status, not only after the save (tickets/workflow.py checks the same on save)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ticketdesk.tickets import workflow
from ticketdesk.tickets.models import Ticket

from .forms import TicketFieldsForm


@dataclass(frozen=True)
class RequirementHint:
    status_id: int
    message: str
    field_names: list[str]  # the side panel's inputs to fill in ("category", "cf_<key>")


def _input_name(key: str) -> str:
    return (
        "cf_" + key.removeprefix(workflow.CUSTOM_PREFIX)
        if key.startswith(workflow.CUSTOM_PREFIX)
        else key
    )


def requirement_hints(ticket: Ticket, form: TicketFieldsForm) -> list[RequirementHint]:
    """For each status the panel offers whose move requires fields the ticket lacks: the
    message naming them and the inputs where they are filled in (from the configuration
    cache and the ticket: no query)."""
    hints = []
    for status in form.status_targets[1:]:
        required = workflow.required_fields(ticket.status, status)
        missing = workflow.missing_fields(ticket, required) if required else []
        if not missing:
            continue
        names = ", ".join(workflow.requirement_label(key) for key in missing)
        hints.append(
            RequirementHint(
                status_id=status.pk,
                message=_("To move the ticket to “%(s)s”, fill in: %(f)s.")
                % {"s": status, "f": names},
                field_names=[name for name in map(_input_name, missing) if name in form.fields],
            )
        )
    return hints
