"""Importing a configuration file: one transaction that deletes the rows the file no longer
has, then creates and updates the rest kind by kind (each row validated by its model), and
records what changed. With `dry_run` the same work is done and rolled back, so a dry run
finds every error an import would."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.audit import log
from ticketdesk.audit.configuration import many_values, record_many_changes
from ticketdesk.core import outbox
from ticketdesk.core.errors import Conflict, PermissionDenied
from ticketdesk.tickets.config import invalidate

from .document import Item, Key, KeyIndex, key_label
from .kinds import KINDS
from .plan import ConfigurationError, KindPlan, Plan, load, make_plan

IMPORTED_TOPIC = "configuration.imported"


class _DryRun(Exception):
    pass


def import_configuration(
    text: str | bytes, *, actor: Any, dry_run: bool = False, expected: str = ""
) -> Plan:
    """Apply the file (or, with `dry_run`, only find what it would change and whether it
    applies). Raises ConfigurationError naming the YAML path of a bad value; then nothing
    is applied. `actor` None: the command line. `expected`: the fingerprint of the changes
    a preview showed; Conflict when the configuration has changed since."""
    if actor is not None and not policy.can(actor, policy.EXCHANGE_CONFIGURATION):
        raise PermissionDenied(_("Only administrators may import a configuration."))
    document = load(text)
    try:
        with transaction.atomic(), log.via("import"):
            plan = make_plan(document)
            if expected and plan.fingerprint() != expected:
                raise Conflict(
                    _("The configuration changed since the preview: look at the changes again.")
                )
            if plan.has_changes:
                _apply(plan, actor)
                log.record(
                    actor,
                    "config.imported",
                    log.Target("configuration", "", _("Configuration file")),
                    summary=plan.summary(),
                )
                outbox.publish(IMPORTED_TOPIC, {"summary": plan.summary()})
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    finally:
        invalidate()
    return plan


def _apply(plan: Plan, actor: Any) -> None:
    index = KeyIndex()
    for kind_plan in reversed(plan.kinds):
        _remove(kind_plan)
    for kind_plan in plan.kinds:
        index.forget(kind_plan.kind.name)
        _write(kind_plan, index, actor)


def _remove(kind_plan: KindPlan) -> None:
    model = kind_plan.kind.model
    for key, pk in kind_plan.removed.items():
        try:
            with transaction.atomic():
                for row in model._default_manager.filter(pk=pk):
                    row.delete()
        except (ProtectedError, RestrictedError, IntegrityError) as error:
            raise ConfigurationError(
                kind_plan.kind.name,
                _("“%(key)s” cannot be removed: other data still uses it (%(reason)s).")
                % {"key": key_label(key), "reason": type(error).__name__},
            ) from error


def _write(kind_plan: KindPlan, index: KeyIndex, actor: Any) -> None:
    kind = kind_plan.kind
    touched = [*kind_plan.added, *kind_plan.changed]
    touched_set = set(touched)
    later: list[tuple[Any, Item, str]] = []
    for key in kind_plan.wanted:  # sorted by key: a category's parent comes first
        if key not in touched_set:
            continue
        item = kind_plan.wanted[key]
        path = kind_plan.positions[key]
        instance = _instance(kind_plan, key)
        _assign(instance, kind_plan, key, item, index, path, self_refs=False)
        _save(instance, path)
        _set_many(instance, kind_plan, item, index, actor)
        if len(key) == 1:
            index.add(kind.name, key[0], instance.pk)
        later.append((instance, item, path))
    for instance, item, path in later:  # references between rows of the same kind
        if any(target == kind.name for target in kind.refs.values()):
            _assign(instance, kind_plan, (), item, index, path, self_refs=True)
            _save(instance, path)


def _instance(kind_plan: KindPlan, key: Key) -> Any:
    kind = kind_plan.kind
    manager = kind.model._default_manager
    if kind.singleton:
        return manager.get_or_create(pk=1)[0]
    pk = kind_plan.existing.get(key)
    if pk is not None:
        return manager.get(pk=pk)
    instance = kind.model()
    if kind.on_create is not None:
        kind.on_create(instance)
    return instance


def _assign(
    instance: Any,
    kind_plan: KindPlan,
    key: Key,
    item: Item,
    index: KeyIndex,
    path: str,
    *,
    self_refs: bool,
) -> None:
    kind = kind_plan.kind
    fields = {f.name: f for f in [*kind.key_fields(), *kind.columns()]}
    for name, value in item.items():
        model_field = fields[name]
        if model_field.many_to_many:
            continue
        if model_field.is_relation:
            target = kind.refs[name]
            if (target == kind.name) != self_refs:
                continue
            pk = index.pk_of(target, value)
            if value is not None and pk is None:
                raise ConfigurationError(f"{path}.{name}", _("The row it names was not found."))
            setattr(instance, model_field.attname, pk)
        elif not self_refs:
            setattr(instance, model_field.attname, model_field.to_python(value))
    if kind.derive is not None and not self_refs:
        kind.derive(instance, key, lambda target, value: index.pk_of(target, value))


def _save(instance: Any, path: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        found = getattr(error, "error_dict", {}) or {"": error.error_list}
        name, errors = next(iter(found.items()))
        where = f"{path}.{name}" if name and name != "__all__" else path
        raise ConfigurationError(where, " ".join(ValidationError(errors).messages)) from error
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ConfigurationError(path, _("This row conflicts with another one.")) from error


def _set_many(instance: Any, kind_plan: KindPlan, item: Item, index: KeyIndex, actor: Any) -> None:
    kind = kind_plan.kind
    many = [f for f in kind.columns() if f.many_to_many]
    if not many:
        return
    before = many_values(instance)
    for model_field in many:
        target = kind.refs[model_field.name]
        pks = [index.pk_of(target, key) for key in item[model_field.name]]
        getattr(instance, model_field.name).set([pk for pk in pks if pk is not None])
    record_many_changes(actor, instance, before, many_values(instance))


__all__ = ["KINDS", "import_configuration"]
