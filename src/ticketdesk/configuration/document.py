"""The configuration as plain data: every kind's rows keyed by their natural keys, and the
YAML text of it (`export_text`). Reading is a few queries per kind: the rows, one query per
many-to-many column, and the keys of the kinds it refers to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml
from django.db import models
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .kinds import FORMAT_VERSION, KINDS, Kind

Key = tuple[Any, ...]


class DuplicateKey(ValidationFailed):
    """Two rows of a kind share their natural key (names that are not unique: rules, SLA
    policies, webhooks): the file could not tell them apart."""


Item = dict[str, Any]


def plain(value: Any) -> Any:
    """A column's value as YAML-safe data (dates and times as ISO text)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def sort_key(key: Key) -> tuple[Any, ...]:
    return tuple((part is None, "" if part is None else part) for part in key)


def key_label(key: Key) -> str:
    return " · ".join("—" if part is None else str(part) for part in key) or "—"


class KeyIndex:
    """Natural key ↔ primary key of the rows of each kind, read once per kind."""

    def __init__(self) -> None:
        self._by_pk: dict[str, dict[Any, Any]] = {}
        self._by_key: dict[str, dict[Any, Any]] = {}

    def _load(self, kind_name: str) -> None:
        from .kinds import BY_NAME

        kind = BY_NAME[kind_name]
        (field_name,) = kind.key  # a kind others refer to has a one-column key
        rows = kind.queryset().values_list("pk", field_name)
        self._by_pk[kind_name] = dict(rows)
        self._by_key[kind_name] = {key: pk for pk, key in self._by_pk[kind_name].items()}

    def key_of(self, kind_name: str, pk: Any) -> Any:
        if pk is None:
            return None
        if kind_name not in self._by_pk:
            self._load(kind_name)
        return self._by_pk[kind_name].get(pk)

    def pk_of(self, kind_name: str, key: Any) -> Any:
        if key is None or key == "":
            return None
        if kind_name not in self._by_key:
            self._load(kind_name)
        return self._by_key[kind_name].get(key)

    def keys(self, kind_name: str) -> set[Any]:
        if kind_name not in self._by_key:
            self._load(kind_name)
        return set(self._by_key[kind_name])

    def add(self, kind_name: str, key: Any, pk: Any) -> None:
        if kind_name in self._by_key:
            self._by_key[kind_name][key] = pk
            self._by_pk[kind_name][pk] = key

    def forget(self, kind_name: str) -> None:
        self._by_pk.pop(kind_name, None)
        self._by_key.pop(kind_name, None)


def _many(kind: Kind, model_field: Any, pks: list[Any], index: KeyIndex) -> dict[Any, list[Any]]:
    """{row pk: sorted keys of the related rows} for one many-to-many column."""
    through = model_field.remote_field.through
    source = model_field.m2m_field_name()
    target = model_field.m2m_reverse_field_name()
    found: dict[Any, list[Any]] = {pk: [] for pk in pks}
    rows = through._default_manager.filter(**{f"{source}__in": pks}).values_list(
        f"{source}_id", f"{target}_id"
    )
    target_kind = kind.refs[model_field.name]
    for owner, related in rows:
        found[owner].append(index.key_of(target_kind, related))
    return {pk: sorted(k for k in keys if k is not None) for pk, keys in found.items()}


def _value(kind: Kind, model_field: Any, row: dict[str, Any], index: KeyIndex) -> Any:
    if model_field.is_relation:
        return index.key_of(kind.refs[model_field.name], row[model_field.attname])
    return plain(row[model_field.attname])


def read_kind(kind: Kind, index: KeyIndex) -> dict[Key, tuple[Any, Item]]:
    """{natural key: (pk, item)} of the kind's rows now, sorted by key."""
    key_fields = kind.key_fields()
    columns = kind.columns()
    simple = [f for f in columns if not f.many_to_many]
    many = [f for f in columns if f.many_to_many]
    if kind.singleton:
        kind.model._default_manager.get_or_create(pk=1)
    attnames = ["pk", *{f.attname for f in [*key_fields, *simple]}]
    rows = list(kind.queryset().values(*attnames))
    related = {f.name: _many(kind, f, [r["pk"] for r in rows], index) for f in many}
    found: dict[Key, tuple[Any, Item]] = {}
    for row in rows:
        key = tuple(_value(kind, f, row, index) for f in key_fields)
        item: Item = {f.name: v for f, v in zip(key_fields, key, strict=True)}
        for model_field in columns:
            if model_field.many_to_many:
                item[model_field.name] = related[model_field.name][row["pk"]]
            else:
                item[model_field.name] = _value(kind, model_field, row, index)
        if key in found:
            raise DuplicateKey(
                _(
                    "Two %(kind)s have the same key “%(key)s”: "
                    "rename one (the file names rows by it)."
                )
                % {"kind": kind.label, "key": key_label(key)},
                fields={kind.name: [key_label(key)]},
            )
        found[key] = (row["pk"], item)
    return dict(sorted(found.items(), key=lambda pair: sort_key(pair[0])))


def export_data() -> dict[str, Any]:
    index = KeyIndex()
    document: dict[str, Any] = {"version": FORMAT_VERSION}
    for kind in KINDS:
        if not kind.exported:
            continue
        items = [item for _pk, item in read_kind(kind, index).values()]
        document[kind.name] = items[0] if kind.singleton else items
    return document


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(
        document, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def export_text() -> str:
    return dump(export_data())


def model_fields(model: type[models.Model]) -> dict[str, Any]:
    return {f.name: f for f in [*model._meta.concrete_fields, *model._meta.many_to_many]}
