"""The only write path for tickets. Views, the API, email ingestion, automation and the CLI
call these functions; each validates, asks the policy, writes in one transaction, records
TicketEvents and publishes side-effect requests to the outbox.

`actor=None` means the system itself (email ingestion, automation, the worker): the caller
has already decided that the change is allowed.
"""

from .attachments import AttachmentInput, store_attachment
from .escalation import escalate
from .fields import (
    add_cc,
    add_watcher,
    assign,
    change_status,
    remove_watcher,
    set_fields,
    set_tags,
)
from .links import link, merge, move_message, split, unlink
from .messages import add_note, reply
from .open import open_ticket

__all__ = [
    "AttachmentInput",
    "add_cc",
    "add_note",
    "add_watcher",
    "assign",
    "change_status",
    "escalate",
    "link",
    "merge",
    "move_message",
    "open_ticket",
    "remove_watcher",
    "reply",
    "set_fields",
    "set_tags",
    "split",
    "store_attachment",
    "unlink",
]
