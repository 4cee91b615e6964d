"""Views of the agent workspace, one module per page."""

from .collaboration import add_watcher, mention_suggestions, remove_watcher
from .lists import bulk, delete_view, home, rail_counts, save_view
from .other import attachment, new_ticket, profile
from .relations import add_link, merge, remove_link, split
from .system import replay as replay_events
from .system import retry_mail, system
from .ticket import (
    assign_to_me,
    canned_text,
    fields,
    post_message,
    presence,
    preview,
    ticket_page,
    toggle_watch,
)
from .workflow import escalate, resolve

__all__ = [
    "add_link",
    "add_watcher",
    "assign_to_me",
    "attachment",
    "bulk",
    "canned_text",
    "delete_view",
    "escalate",
    "fields",
    "home",
    "mention_suggestions",
    "merge",
    "new_ticket",
    "post_message",
    "presence",
    "preview",
    "profile",
    "rail_counts",
    "remove_link",
    "remove_watcher",
    "replay_events",
    "resolve",
    "retry_mail",
    "save_view",
    "split",
    "system",
    "ticket_page",
    "toggle_watch",
]
