"""Where the audit log listens: configuration models' saves and deletes (whatever edits
them: the Django admin, the workspace's settings pages, the API, the CLI), the membership
and role of users, API tokens, and Django's sign-in signals.

A configuration change is recorded with a diff of the fields that changed. Secret fields
(passwords, webhook secrets, token hashes, every encrypted column, a messaging account's
webhook key) never enter the diff: they are named in `changed_secrets` without their values;
a webhook's URL is recorded without user, password or query, and a chat channel's incoming
webhook URL without its path (which is its secret).
The actor and IP address come from the request being served (`AuditContextMiddleware`), or
are empty for the CLI and background jobs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from ticketdesk.accounts.models import Role, Team, TeamMembership, User
from ticketdesk.accounts.ratelimit import client_ip
from ticketdesk.api.models import ApiToken
from ticketdesk.audit import log
from ticketdesk.audit.models import ComplianceSettings
from ticketdesk.automation.models import Macro, Rule
from ticketdesk.channels.chat.models import ChatWidgetSettings
from ticketdesk.channels.email.models import Mailbox
from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.core.encryption import EncryptedTextField
from ticketdesk.kb.models import KbCategory, Section
from ticketdesk.notifications.models import EndpointFormat, WebhookEndpoint
from ticketdesk.portal.models import PortalSettings
from ticketdesk.routing.models import AgentSkill
from ticketdesk.sla.models import (
    BusinessCalendar,
    Holiday,
    SLAPolicy,
    SLATarget,
    TeamCalendar,
    WorkingHours,
)
from ticketdesk.tickets.models import (
    BusinessArea,
    CannedResponse,
    Category,
    ChannelDefault,
    CustomFieldDefinition,
    PriorityRule,
    Status,
    TicketType,
    Transition,
    VerificationStep,
    WorkflowSettings,
)

CONFIGURATION_MODELS: tuple[type[models.Model], ...] = (
    Status,
    Transition,
    TicketType,
    VerificationStep,
    Category,
    ChannelDefault,
    BusinessArea,
    PriorityRule,
    CustomFieldDefinition,
    WorkflowSettings,
    Team,
    TeamMembership,
    SLAPolicy,
    SLATarget,
    BusinessCalendar,
    WorkingHours,
    Holiday,
    TeamCalendar,
    Rule,
    Macro,
    CannedResponse,
    Mailbox,
    ChannelAccount,
    WebhookEndpoint,
    PortalSettings,
    ChatWidgetSettings,
    ComplianceSettings,
    AgentSkill,
    KbCategory,
    Section,
)

# one-row settings, created with their defaults when first read
SINGLETONS = (WorkflowSettings, PortalSettings, ComplianceSettings, ChatWidgetSettings)
# the fields of a user that are configuration (who may do what); the rest is their profile
USER_FIELDS = ("role", "is_active", "is_staff", "is_superuser")
# bookkeeping columns that change on their own
IGNORED_FIELDS = {
    "last_polled_at",
    "last_error",
    "failure_count",
    "disabled_reason",
    "last_used_at",
    "fire_count",
    "last_fired_at",
    "time_cursor",
}
SECRET_WORDS = ("password", "secret", "token", "hash", "credential", "private_key")
# secrets whose names do not say so: a messaging account's webhook key is the unguessable
# part of the URL its provider posts to
SECRET_COLUMNS = {(ChannelAccount, "webhook_key")}
# URLs that may hold a token: recorded without it (see `_endpoint_url`)
URL_COLUMNS = {(WebhookEndpoint, "url")}

_OLD = "_audit_old_values"


def is_secret(field_name: str) -> bool:
    return any(word in field_name for word in SECRET_WORDS)


def _secret_columns(model: type[models.Model]) -> set[str]:
    """The columns of `model` recorded by name only: named like a secret, stored encrypted
    (whatever the name), or listed in SECRET_COLUMNS."""
    return {
        f.attname
        for f in model._meta.concrete_fields
        if is_secret(f.attname)
        or isinstance(f, EncryptedTextField)
        or (model, f.name) in SECRET_COLUMNS
    }


def masked_url(url: Any, *, keep_path: bool = False) -> Any:
    """A URL without what may be a secret: its user and password, query and fragment, and
    its path unless `keep_path`."""
    if not isinstance(url, str) or not url:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if not parts.scheme or not host:
        return "…"
    if keep_path:
        rest = parts.path + ("?…" if parts.query else "") + ("#…" if parts.fragment else "")
    else:
        rest = "/…" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{rest}"


def _endpoint_url(url: Any, row: dict[str, Any]) -> Any:
    """A webhook's URL as the log keeps it: a JSON receiver's with its path (where the
    events go), without user, password or query; a chat channel's incoming webhook (Slack,
    Teams, Mattermost, Rocket.Chat) without its path, which is its secret."""
    return masked_url(url, keep_path=row.get("format") == EndpointFormat.JSON)


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    fields = [f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS]
    if model is User:
        fields = [f for f in fields if f.name in USER_FIELDS]
    return fields


def _values(instance: models.Model) -> dict[str, Any]:
    return {f.attname: f.value_from_object(instance) for f in _fields(type(instance))}


def diff(
    old: dict[str, Any], new: dict[str, Any], model: type[models.Model] | None = None
) -> tuple[dict[str, list[Any]], list[str]]:
    """(field → [old, new]) of the changed fields, and the names of changed secrets (never
    their values); URLs that may hold a token are given without their path."""
    changes: dict[str, list[Any]] = {}
    secrets: list[str] = []
    hidden = _secret_columns(model) if model is not None else set()
    urls = {name for kind, name in URL_COLUMNS if kind is model}
    for name, value in new.items():
        before = old.get(name)
        if before == value:
            continue
        if is_secret(name) or name in hidden:
            secrets.append(name)
        elif name in urls:
            changes[name] = [_endpoint_url(before, old), _endpoint_url(value, new)]
        else:
            changes[name] = [before, value]
    return changes, secrets


def _remember_old(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if instance.pk is None or instance._state.adding or kwargs.get("raw"):
        return  # a new row has no old values to read
    names = [f.attname for f in _fields(sender)]
    setattr(instance, _OLD, sender._default_manager.filter(pk=instance.pk).values(*names).first())


def _action(instance: models.Model, verb: str) -> str:
    return f"config.{instance._meta.model_name}.{verb}"


def _saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    if created and isinstance(instance, SINGLETONS):
        return  # the settings row appearing with its defaults the first time it is read
    old = getattr(instance, _OLD, None)
    new = _values(instance)
    if isinstance(instance, User):
        if created and instance.role == Role.CUSTOMER and not instance.is_superuser:
            return  # a customer signing up is not a configuration change
        action = "user.created" if created or old is None else "user.permissions_changed"
    else:
        action = _action(instance, "created" if created or old is None else "updated")
    changes, secrets = diff(old or {}, new, type(instance))
    if not created and old is not None and not changes and not secrets:
        return
    details: dict[str, Any] = {"changes": changes}
    if secrets:
        details["changed_secrets"] = secrets
    log.record(None, action, instance, **details)


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # what the row held, so that a deletion can be read (and undone) from the log
    changes, _secrets = diff({}, _values(instance), type(instance))
    log.record(
        None, _action(instance, "deleted"), instance, before={k: v[1] for k, v in changes.items()}
    )


def _groups_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or not isinstance(instance, User):
        return
    log.record(
        None,
        "user.groups_changed",
        instance,
        change=action.removeprefix("post_"),
        group_ids=sorted(pk_set or []),
    )


def _token_saved(sender: Any, instance: ApiToken, created: bool, **kwargs: Any) -> None:
    old = getattr(instance, _OLD, None)
    details: dict[str, Any] = {
        "owner_id": instance.user_id,
        "scope": instance.scope,
        "prefix": instance.prefix,
    }
    if created:
        log.record(None, "api_token.created", instance, **details)
    elif old is not None and old.get("revoked_at") is None and instance.revoked_at is not None:
        log.record(None, "api_token.revoked", instance, **details)


def _token_old(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    if instance.pk is not None:
        setattr(
            instance,
            _OLD,
            ApiToken.objects.filter(pk=instance.pk).values("revoked_at").first(),
        )


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    log.record(user, "auth.login", user, ip=client_ip(request) if request is not None else None)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log.record(user, "auth.logout", user, ip=client_ip(request) if request else None)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # credentials are cleansed by Django (the password is ********); keep the name only
    username = str(credentials.get("username") or credentials.get("email") or "")[:150]
    log.record(
        None,
        "auth.login_failed",
        log.Target("user", "", username),
        ip=client_ip(request) if request is not None else None,
        username=username,
    )


def connect() -> None:
    models_list: list[type[models.Model]] = [*CONFIGURATION_MODELS, User]
    for model in models_list:
        uid = f"audit:{model._meta.label_lower}"
        pre_save.connect(_remember_old, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        if model is not User:
            post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="audit:groups")
    pre_save.connect(_token_old, sender=ApiToken, dispatch_uid="audit:token")
    post_save.connect(_token_saved, sender=ApiToken, dispatch_uid="audit:token")
    user_logged_in.connect(_logged_in, dispatch_uid="audit:login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit:logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit:login_failed")
