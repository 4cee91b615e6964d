"""@mentions in replies and notes: `@username` names a colleague (an active agent, light
agent or admin). Mentioned colleagues who could not see the ticket become its watchers, so
that the notification leads somewhere; `message.created` carries `mentioned_user_ids`."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from ticketdesk.accounts.models import STAFF_ROLES, User

# "@luca", "@ana.souza", "(@priya)"; not e-mail addresses ("ana@example.com")
MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9_][A-Za-z0-9_.+-]{0,149})")
MAX_MENTIONS = 20
SUGGESTIONS = 8


def usernames_in(text: str) -> list[str]:
    """The distinct names after an @, in order, without trailing punctuation."""
    names: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".-+")
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names[:MAX_MENTIONS]


def staff_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES)


def mentioned_users(text: str, *, author: Any = None) -> list[User]:
    """The colleagues `text` mentions (never its author), in the order they appear."""
    names = usernames_in(text)
    if not names:
        return []
    condition = Q()
    for name in names:
        condition |= Q(username__iexact=name)
    found = {u.username.lower(): u for u in staff_users().filter(condition)}
    users = [found[n.lower()] for n in names if n.lower() in found]
    return [u for u in users if author is None or u.pk != author.pk]


def suggestions(query: str, limit: int = SUGGESTIONS) -> list[User]:
    """Colleagues whose username or name starts with `query` (what follows the @)."""
    query = (query or "").strip().lstrip("@")[:60]
    qs = staff_users()
    if query:
        qs = qs.filter(
            Q(username__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(last_name__istartswith=query)
        )
    return list(qs.order_by("first_name", "last_name", "username")[:limit])
