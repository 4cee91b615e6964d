"""Changes to how tickets are classified, made in the workspace's Settings → Classification:
ticket types, the category tree, business areas, the team each channel starts in, and tags
(rename, merge two into one, delete).

Each function asks the policy (`manage_settings`), validates, and writes in one transaction
with ordinary `save()`/`delete()` calls, so that the audit log's configuration tracking
(`ticketdesk.privacy.tracking`) records every row changed with its before/after values and
the per-process configuration cache is cleared (tickets/apps.py). Tags are not configuration
rows (agents add them on the fly): their renames, merges and deletions are recorded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team
from ticketdesk.audit import log
from ticketdesk.core.config_cache import invalidate
from ticketdesk.core.errors import ValidationFailed

from ..models import BusinessArea, Category, Channel, ChannelDefault, Tag, Ticket, TicketType


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)


def _name_errors(name: str, limit: int) -> list[str]:
    if not name.strip():
        return [_("This field is required.")]
    if len(name.strip()) > limit:
        return [_("Use at most %(n)s characters.") % {"n": limit}]
    return []


# ---------------------------------------------------------------- ticket types


@dataclass
class TicketTypeSpec:
    key: str
    name: str
    order: int = 0
    active: bool = True
    default_team: Team | None = None
    translations: dict[str, Any] = field(default_factory=dict)


def save_ticket_type(
    *, actor: Any, spec: TicketTypeSpec, ticket_type: TicketType | None = None
) -> TicketType:
    """Create a ticket type or change `ticket_type`; one type at least stays active."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", spec.key or ""):
        errors["key"] = [_("Use 1 to 40 lower-case letters, digits, - or _.")]
    elif (
        TicketType.objects.filter(key=spec.key)
        .exclude(pk=ticket_type.pk if ticket_type else 0)
        .exists()
    ):
        errors["key"] = [_("Another ticket type has this key.")]
    if problems := _name_errors(spec.name, 60):
        errors["name"] = problems
    if not 0 <= spec.order <= 32767:
        errors["order"] = [_("Use a number from 0 to 32767.")]
    if (
        ticket_type is not None
        and ticket_type.active
        and not spec.active
        and not TicketType.objects.filter(active=True).exclude(pk=ticket_type.pk).exists()
    ):
        errors["active"] = [_("At least one ticket type must stay active.")]
    _fail(errors)
    with transaction.atomic():
        ticket_type = ticket_type or TicketType()
        ticket_type.key = spec.key
        ticket_type.name = spec.name.strip()
        ticket_type.order = spec.order
        ticket_type.active = spec.active
        ticket_type.default_team = spec.default_team
        ticket_type.translations = spec.translations
        ticket_type.save()
    return ticket_type


# ---------------------------------------------------------------- categories


@dataclass
class CategorySpec:
    name: str
    parent: Category | None = None
    active: bool = True
    default_team: Team | None = None
    translations: dict[str, Any] = field(default_factory=dict)


def descendant_ids(category_id: int) -> set[int]:
    """The ids of every category below `category_id` (read fresh, not from the cache)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    waiting = list(children.get(category_id, []))
    while waiting:
        pk = waiting.pop()
        if pk not in found:
            found.add(pk)
            waiting.extend(children.get(pk, []))
    return found


def _category_errors(spec: CategorySpec, category: Category | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if problems := _name_errors(spec.name, 100):
        errors["name"] = problems
    elif "/" in spec.name:
        errors["name"] = [_("A name cannot hold “/”: it separates the levels of a path.")]
    if category is not None and spec.parent is not None:
        if spec.parent.pk == category.pk or spec.parent.pk in descendant_ids(category.pk):
            errors["parent"] = [_("A category cannot be moved under itself or its subcategories.")]
    if "name" not in errors:
        siblings = Category.objects.filter(parent=spec.parent, name__iexact=spec.name.strip())
        if siblings.exclude(pk=category.pk if category else 0).exists():
            errors["name"] = [_("Another category at this place has this name.")]
    return errors


def save_category(*, actor: Any, spec: CategorySpec, category: Category | None = None) -> Category:
    """Create a category or change `category` (its name, its place in the tree, whether it
    is offered); the paths of its subcategories follow."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    _fail(_category_errors(spec, category))
    with transaction.atomic():
        category = category or Category()
        moved_or_renamed = category.pk is not None and (
            category.name != spec.name.strip()
            or category.parent_id != getattr(spec.parent, "pk", None)
        )
        category.name = spec.name.strip()
        category.parent = spec.parent
        category.active = spec.active
        category.default_team = spec.default_team
        category.translations = spec.translations
        category.save()
        if moved_or_renamed:
            _refresh_paths(category)
    return category


def _refresh_paths(category: Category) -> None:
    """Save each subcategory (parents first) so that its stored path names the new levels."""
    waiting = list(Category.objects.filter(parent=category).order_by("pk"))
    while waiting:
        child = waiting.pop(0)
        child.save()
        waiting.extend(Category.objects.filter(parent=child).order_by("pk"))


def delete_category(*, actor: Any, category: Category) -> None:
    """Remove a category nothing uses; one that tickets or subcategories use is switched off
    instead (raises, saying so)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    if Category.objects.filter(parent=category).exists():
        raise ValidationFailed(
            _("“%(c)s” has subcategories: move or delete them first, or switch it off.")
            % {"c": category.name}
        )
    if Ticket.objects.filter(category=category).exists():
        raise ValidationFailed(
            _("Tickets use “%(c)s”: switch it off instead, so that they keep it.")
            % {"c": category.name}
        )
    with transaction.atomic():
        category.delete()


# ---------------------------------------------------------------- business areas


@dataclass
class BusinessAreaSpec:
    name: str
    active: bool = True
    translations: dict[str, Any] = field(default_factory=dict)


def save_business_area(
    *, actor: Any, spec: BusinessAreaSpec, area: BusinessArea | None = None
) -> BusinessArea:
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    if problems := _name_errors(spec.name, 100):
        errors["name"] = problems
    elif (
        BusinessArea.objects.filter(name__iexact=spec.name.strip())
        .exclude(pk=area.pk if area else 0)
        .exists()
    ):
        errors["name"] = [_("Another business area has this name.")]
    _fail(errors)
    with transaction.atomic():
        area = area or BusinessArea()
        area.name = spec.name.strip()
        area.active = spec.active
        area.translations = spec.translations
        area.save()
    return area


# ---------------------------------------------------------------- channel defaults


def set_channel_defaults(*, actor: Any, teams: dict[str, Team | None]) -> int:
    """The team each channel's new tickets start in ({channel: team or None}); channels not
    named keep theirs. Returns how many channels changed."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    unknown = sorted(set(teams) - set(Channel.values))
    if unknown:
        _fail({"channels": [_("Unknown channels: %(c)s") % {"c": ", ".join(unknown)}]})
    changed = 0
    with transaction.atomic():
        rows = {row.channel: row for row in ChannelDefault.objects.select_for_update()}
        for channel, team in sorted(teams.items()):
            row = rows.get(channel)
            if team is None:
                if row is not None:
                    row.delete()
                    changed += 1
            elif row is None:
                ChannelDefault.objects.create(channel=channel, team=team)
                changed += 1
            elif row.team_id != team.pk:
                row.team = team
                row.save()
                changed += 1
    return changed


# ---------------------------------------------------------------- tags


def _tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if problems := _name_errors(name, 60):
        _fail({"name": problems})
    return name


def rename_tag(*, actor: Any, tag: Tag, name: str) -> Tag:
    """Give `tag` another name (another tag with that name: merge them instead)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    name = _tag_name(name)
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        _fail({"name": [_("Another tag has this name: merge the two instead.")]})
    before = tag.name
    if before == name:
        return tag
    with transaction.atomic():
        tag.name = name
        tag.save(update_fields=["name"])
        log.record(actor, "config.tag.updated", tag, changes={"name": [before, name]})
    return tag


def merge_tags(*, actor: Any, source: Tag, target: Tag) -> int:
    """Move `source` onto every ticket it is on as `target`, then delete `source`. Returns
    how many tickets gained `target`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    if source.pk == target.pk:
        _fail({"target": [_("Choose another tag to merge into.")]})
    through = Ticket.tags.through
    with transaction.atomic():
        locked = {
            t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        if len(locked) != 2:
            _fail({"target": [_("One of the tags no longer exists.")]})
        having_source = set(
            through.objects.filter(tag_id=source.pk).values_list("ticket_id", flat=True)
        )
        having_target = set(
            through.objects.filter(tag_id=target.pk, ticket_id__in=having_source).values_list(
                "ticket_id", flat=True
            )
        )
        gained = sorted(having_source - having_target)
        through.objects.bulk_create(
            [through(ticket_id=ticket_id, tag_id=target.pk) for ticket_id in gained],
            batch_size=500,
        )
        log.record(
            actor,
            "config.tag.merged",
            target,
            merged={"id": source.pk, "name": source.name},
            tickets=len(having_source),
        )
        source.delete()
    invalidate()
    return len(gained)


def delete_tag(*, actor: Any, tag: Tag) -> None:
    """Remove `tag` from every ticket and delete it."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        log.record(
            actor,
            "config.tag.deleted",
            tag,
            before={"name": tag.name},
            tickets=Ticket.tags.through.objects.filter(tag_id=tag.pk).count(),
        )
        tag.delete()
