"""Reading a configuration file: its shape and values are checked against the models (an
error names the YAML path of the bad value, e.g. `statuses[2].category`), then compared
with the configuration now in the database, kind by kind: what would be added, changed
and removed. Nothing is written here (see actions.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .document import Item, Key, KeyIndex, key_label, plain, read_kind, sort_key
from .kinds import BY_NAME, FORMAT_VERSION, KINDS, Kind

MAX_BYTES = 5 * 1024 * 1024


class ConfigurationError(ValidationFailed):
    """A bad file: `path` is where in the YAML document."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(
            f"{path}: {message}" if path else message, fields={path or "file": [message]}
        )
        self.path = path
        self.reason = message


@dataclass
class KindPlan:
    kind: Kind
    added: dict[Key, Item] = field(default_factory=dict)
    changed: dict[Key, dict[str, list[Any]]] = field(default_factory=dict)
    removed: dict[Key, Any] = field(default_factory=dict)  # key → pk
    wanted: dict[Key, Item] = field(default_factory=dict)
    existing: dict[Key, Any] = field(default_factory=dict)  # key → pk
    positions: dict[Key, str] = field(default_factory=dict)  # key → YAML path

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[tuple[str, str, str]]:
        """(sign, row, detail) for a readable diff."""
        out = [("+", key_label(k), "") for k in self.added]
        for key, changes in self.changed.items():
            detail = "; ".join(
                f"{name}: {before!r} → {after!r}" for name, (before, after) in changes.items()
            )
            out.append(("~", key_label(key), detail))
        out += [("-", key_label(k), "") for k in self.removed]
        return out


@dataclass
class Plan:
    kinds: list[KindPlan]

    @property
    def has_changes(self) -> bool:
        return any(k.has_changes for k in self.kinds)

    def fingerprint(self) -> str:
        """Names these exact changes: an import applies only what its preview showed."""
        lines = [(k.kind.name, k.lines()) for k in self.kinds if k.has_changes]
        return hashlib.sha256(repr(lines).encode()).hexdigest()[:32]

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            k.kind.name: {
                "added": len(k.added),
                "changed": len(k.changed),
                "removed": len(k.removed),
            }
            for k in self.kinds
            if k.has_changes
        }

    def text(self) -> str:
        lines = []
        for kind_plan in self.kinds:
            if not kind_plan.has_changes:
                continue
            lines.append(
                f"{kind_plan.kind.name}: {len(kind_plan.added)} added, "
                f"{len(kind_plan.changed)} changed, {len(kind_plan.removed)} removed"
            )
            for sign, row, detail in kind_plan.lines():
                lines.append(f"  {sign} {row}" + (f": {detail}" if detail else ""))
        return "\n".join(lines) if lines else _("No changes.")


def load(text: str | bytes) -> dict[str, Any]:
    if len(text) > MAX_BYTES:
        raise ConfigurationError("", _("The file is larger than 5 MB."))
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigurationError(where, _("This is not valid YAML.")) from error
    if not isinstance(document, dict):
        raise ConfigurationError("", _("The file must hold a mapping of sections."))
    if document.get("version") != FORMAT_VERSION:
        raise ConfigurationError(
            "version", _("Only version %(v)s is understood.") % {"v": FORMAT_VERSION}
        )
    for name in document:
        if name != "version" and (name not in BY_NAME or not BY_NAME[name].exported):
            raise ConfigurationError(str(name), _("Unknown section."))
    return document


class Reader:
    """Checks the items of a document and turns them into the canonical form `read_kind`
    produces, so that the two compare field by field."""

    def __init__(self, document: dict[str, Any], index: KeyIndex) -> None:
        self.document = document
        self.index = index
        self.file_keys: dict[str, set[Any]] = {}

    def known_keys(self, kind_name: str) -> set[Any]:
        kind = BY_NAME[kind_name]
        keys = set(self.file_keys.get(kind_name, set()))
        if kind_name not in self.document or not kind.prune or not kind.exported:
            keys |= self.index.keys(kind_name)
        return keys

    def items(self, kind: Kind) -> tuple[dict[Key, Item], dict[Key, str]]:
        raw = self.document[kind.name]
        if kind.singleton:
            entries = [(kind.name, raw if raw is not None else {})]
        else:
            if raw is None:
                raw = []
            if not isinstance(raw, list):
                raise ConfigurationError(kind.name, _("Expected a list."))
            entries = [(f"{kind.name}[{i}]", entry) for i, entry in enumerate(raw)]
        if len(kind.key) == 1:  # rows of the kind may name each other (escalation teams)
            self.file_keys[kind.name] = {
                str(e[kind.key[0]])
                for _p, e in entries
                if isinstance(e, dict) and e.get(kind.key[0])
            }
        wanted: dict[Key, Item] = {}
        positions: dict[Key, str] = {}
        for path, entry in entries:
            key, item = self.item(kind, path, entry)
            if key in wanted:
                raise ConfigurationError(
                    path, _("Same key as %(other)s.") % {"other": positions[key]}
                )
            wanted[key] = item
            positions[key] = path
        order = sorted(wanted, key=sort_key)
        return {k: wanted[k] for k in order}, {k: positions[k] for k in order}

    def item(self, kind: Kind, path: str, entry: Any) -> tuple[Key, Item]:
        if not isinstance(entry, dict):
            raise ConfigurationError(path, _("Expected a mapping of fields."))
        fields = {f.name: f for f in [*kind.key_fields(), *kind.columns()]}
        for name in entry:
            if name not in fields:
                raise ConfigurationError(f"{path}.{name}", _("Unknown field."))
        for name in kind.key:
            if name not in entry:
                raise ConfigurationError(f"{path}.{name}", _("This key field is missing."))
        item: Item = {}
        for name, model_field in fields.items():
            item[name] = self.value(kind, f"{path}.{name}", model_field, entry, name)
        return tuple(item[name] for name in kind.key), item

    def value(self, kind: Kind, path: str, model_field: Any, entry: Item, name: str) -> Any:
        if model_field.many_to_many:
            values = entry.get(name) or []
            if not isinstance(values, list):
                raise ConfigurationError(path, _("Expected a list."))
            return sorted(
                {self.ref(kind.refs[name], f"{path}[{i}]", v) for i, v in enumerate(values)}
            )
        if model_field.is_relation:
            value = entry.get(name)
            if value is None or value == "":
                if not model_field.null:
                    raise ConfigurationError(path, _("This field is required."))
                return None
            return self.ref(kind.refs[name], path, value)
        if name not in entry:
            return plain(model_field.get_default())
        try:
            return plain(model_field.clean(entry[name], None))
        except ValidationError as error:
            raise ConfigurationError(path, " ".join(error.messages)) from error

    def ref(self, kind_name: str, path: str, value: Any) -> Any:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ConfigurationError(path, _("Expected the key of a row."))
        value = str(value)
        if value not in self.known_keys(kind_name):
            raise ConfigurationError(
                path,
                _("No %(kind)s “%(key)s” in the file or this installation.")
                % {"kind": BY_NAME[kind_name].label, "key": value},
            )
        return value


def _changes(before: Item, after: Item) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def make_plan(document: dict[str, Any]) -> Plan:
    """Compare the document with the database (raises ConfigurationError)."""
    index = KeyIndex()
    reader = Reader(document, index)
    plans = []
    for kind in KINDS:
        if kind.name not in document:
            continue
        wanted, positions = reader.items(kind)
        current = read_kind(kind, index)
        plan = KindPlan(kind, wanted=wanted, positions=positions)
        plan.existing = {key: pk for key, (pk, _item) in current.items()}
        for key, item in wanted.items():
            if key not in current:
                plan.added[key] = item
            else:
                changes = _changes(current[key][1], item)
                if changes:
                    plan.changed[key] = changes
        if kind.prune and not kind.singleton:
            plan.removed = {key: pk for key, (pk, _item) in current.items() if key not in wanted}
        plans.append(plan)
    return Plan(plans)
