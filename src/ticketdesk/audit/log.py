"""Write audit entries.

    record(actor, action, target, **details)

`actor` is a user (or None: the system, or whoever the current request is signed in as);
`target` is a model instance, a `Target`, or None. The IP address comes from the request
being served (set by `ticketdesk.privacy.middleware.AuditContextMiddleware`) unless `ip=` is
given. Details must never carry secrets or passwords; callers pass only what an auditor
needs (a config change's diff leaves secret fields out, see `ticketdesk.privacy.tracking`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ticketdesk.core import clock

from .models import AuditEntry

VIEW_THROTTLE_SECONDS = 600  # a ticket view is recorded once per user, ticket and 10 minutes


@dataclass(frozen=True)
class Target:
    type: str
    id: str = ""
    label: str = ""


@dataclass(frozen=True)
class RequestContext:
    signed_in: Any = None  # a user, or a request whose `user` is read when needed
    ip: str | None = None

    @property
    def user(self) -> Any:
        # a request's user may be set after the middleware ran (the API's token auth)
        return getattr(self.signed_in, "user", self.signed_in)


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)
# where configuration changes come from ("admin", "import", "settings"), noted on their entries
_via: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="")


@contextmanager
def via(source: str) -> Iterator[None]:
    """Configuration entries written inside are marked `via: source`."""
    token = _via.set(source)
    try:
        yield
    finally:
        _via.reset(token)


@contextmanager
def request_context(signed_in: Any, ip: str | None) -> Iterator[None]:
    """Name the signed-in user (or the request, whose user is read when an entry is
    written) and the address of the request being served."""
    token = _context.set(RequestContext(signed_in=signed_in, ip=ip or None))
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> RequestContext:
    return _context.get() or RequestContext()


def _user(actor: Any) -> Any:
    if actor is None:
        actor = current_context().user
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _label(obj: models.Model) -> str:
    """The row's name; never an error (a row saved with raw values may not format)."""
    try:
        return str(obj)[:200]
    except Exception:  # any __str__ may fail on unconverted values
        return f"{obj._meta.verbose_name} {obj.pk}"[:200]


def target_of(obj: Any) -> Target:
    if obj is None:
        return Target(type="")
    if isinstance(obj, Target):
        return obj
    if isinstance(obj, models.Model):
        return Target(type=obj._meta.label_lower, id=str(obj.pk or ""), label=_label(obj))
    return Target(type=type(obj).__name__.lower(), label=str(obj)[:200])


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe details (dates, decimals, lazy strings become text)."""
    return dict(json.loads(json.dumps(details, cls=DjangoJSONEncoder, default=str)))


def _valid_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address

    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return ip


def _entry(
    actor: Any, action: str, target: Any, details: dict[str, Any], ip: str | None
) -> AuditEntry:
    user = _user(actor)
    aimed = target_of(target)
    source = _via.get()
    if source and action.startswith("config.") and "via" not in details:
        details = {**details, "via": source}
    return AuditEntry(
        created_at=clock.now(),
        actor=user,
        actor_label=(user.get_username() if user is not None else "")[:150],
        ip=_valid_ip(ip if ip is not None else current_context().ip),
        action=action[:60],
        target_type=aimed.type[:60],
        target_id=aimed.id[:64],
        target_label=aimed.label[:200],
        details=_clean(details),
    )


def record(
    actor: Any, action: str, target: Any = None, *, ip: str | None = None, **details: Any
) -> AuditEntry:
    """Write one audit entry (one INSERT) and return it."""
    entry = _entry(actor, action, target, details, ip)
    entry.save(force_insert=True)
    return entry


def record_view(actor: Any, ticket: Any, *, via: str = "workspace") -> None:
    """Note that a staff member read a ticket's private data, at most once per user, ticket
    and 10-minute window: one INSERT that the database ignores when the window's row exists
    (a fixed window: a reader who stays on the page is recorded every 10 minutes)."""
    user = _user(actor)
    if user is None:
        return
    window = int(clock.now().timestamp() // VIEW_THROTTLE_SECONDS)
    entry = _entry(user, "ticket.viewed", Target("ticket", str(ticket.number), ""), {}, None)
    entry.target_label = f"#{ticket.number}"
    entry.details = {"via": via}
    entry.dedupe_key = f"view:{user.pk}:{ticket.pk}:{window}"
    # the window's row is there already when the cache remembers it: no INSERT at all
    if not cache.add(f"audit:{entry.dedupe_key}", 1, VIEW_THROTTLE_SECONDS):
        return
    AuditEntry.objects.bulk_create([entry], ignore_conflicts=True)


def purge_older_than(days: int) -> int:
    """Delete entries older than `days`, in chunks; returns how many."""
    cutoff = clock.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            AuditEntry.objects.filter(created_at__lt=cutoff)
            .order_by("created_at", "id")
            .values_list("id", flat=True)[:5000]
        )
        if not ids:
            return deleted
        deleted += AuditEntry.objects.filter(pk__in=ids).delete()[0]
