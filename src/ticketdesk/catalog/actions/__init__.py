"""The service catalog's writes: submitting a request (its ticket through
tickets.actions.open_ticket), deciding approvals, importing the employee directory."""

from .approvals import decide
from .directory import DirectoryReport, import_directory
from .requests import resolve_approvers, submit_request

__all__ = [
    "DirectoryReport",
    "decide",
    "import_directory",
    "resolve_approvers",
    "submit_request",
]
