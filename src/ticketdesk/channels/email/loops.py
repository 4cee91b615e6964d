"""Loop and noise protection (RFC 3834): which mail must never get an automatic answer, which
mail is ours, which is a delivery report."""

from __future__ import annotations

import re
from email.utils import parseaddr

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Mailbox
from .parsing import ParsedEmail

_ROBOT_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+._-].*)?@",
    re.I,
)
AUTO_REPLY_LIMIT = 5  # automatic mails per sender address ...
AUTO_REPLY_WINDOW = 3600  # ... per hour


def our_addresses(mailboxes: list[Mailbox] | None = None) -> set[str]:
    if mailboxes is None:
        found = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    else:
        found = {m.address.lower() for m in mailboxes}
    default = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    if default:
        found.add(default.lower())
    return found


def is_robot_address(address: str) -> bool:
    return bool(_ROBOT_SENDER.match(address or ""))


def no_auto_reply_reason(parsed: ParsedEmail) -> str:
    """Why this mail must not get an automatic reply ("" when it may)."""
    headers = parsed.headers
    auto_submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return _("Auto-Submitted: %(v)s") % {"v": auto_submitted[:50]}
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return _("Precedence: %(v)s") % {"v": precedence}
    if "list-id" in headers:
        return _("Mailing list (List-Id)")
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return _("%(h)s header") % {"h": name}
    if headers.get("x-auto-response-suppress", "").strip().lower() in ("all", "autoreply", "oof"):
        return _("X-Auto-Response-Suppress")
    if parsed.return_path is not None and parsed.return_path.strip() in ("", "<>"):
        return _("Empty return path")
    if is_robot_address(parsed.from_address):
        return _("Automatic sender address")
    if parsed.is_report:
        return _("Delivery report")
    return ""


def is_bounce(parsed: ParsedEmail) -> bool:
    if parsed.is_report:
        return True
    empty_return = parsed.return_path is not None and parsed.return_path.strip() in ("", "<>")
    return (empty_return or is_robot_address(parsed.from_address)) and bool(parsed.report_refs)
