"""Configuration lists: statuses, ticket types, categories, tags, custom fields."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ticketdesk.accounts import policy
from ticketdesk.core.translatable import site_languages
from ticketdesk.tickets import custom_fields, workflow
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    CustomFieldDefinition,
    FieldType,
    Status,
    Tag,
    TicketType,
)

from ..paging import page_of
from ..schemas import (
    BusinessAreaOut,
    CategoryOut,
    CustomFieldOut,
    In,
    StatusOut,
    TagOut,
    TypeOut,
)
from .contacts import require_staff
from .tickets import ERRORS, user_of

router = Router(tags=["configuration"])


@router.get("/statuses", response={200: list[StatusOut], **ERRORS}, summary="Statuses")
def list_statuses(request: HttpRequest) -> Any:
    return [
        {
            "id": s.pk,
            "key": s.key,
            "name": str(s),
            "category": s.category,
            "order": s.order,
            "is_default": s.is_default,
            "active": s.active,
            "colour": s.colour,
            "translations": s.all_texts(),
        }
        for s in workflow.all_statuses()
    ]


class TransitionOut(Schema):
    key: str
    name: str
    category: str


@router.get(
    "/statuses/{key}/transitions",
    response={200: list[TransitionOut], **ERRORS},
    summary="Where a status may move",
)
def list_transitions(request: HttpRequest, key: str) -> Any:
    from ..lookups import pick

    status = pick(Status.objects.all(), "key", key=key[:40])
    return [
        {"key": s.key, "name": str(s), "category": s.category}
        for s in workflow.allowed_targets(status)
    ]


@router.get("/types", response={200: list[TypeOut], **ERRORS}, summary="Ticket types")
def list_types(request: HttpRequest) -> Any:
    return [
        {
            "id": t.pk,
            "key": t.key,
            "name": str(t),
            "active": t.active,
            "translations": t.all_texts(),
        }
        for t in TicketType.objects.order_by("order", "id")
    ]


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="Categories")
def list_categories(request: HttpRequest) -> Any:
    rows = []
    for c in Category.objects.order_by("path")[:2000]:
        translations = c.all_texts()
        for language, texts in translations.items():
            texts["path"] = c.localized_path(language)
        rows.append(
            {
                "id": c.pk,
                "name": c.translated(),
                "path": c.localized_path(),
                "parent_id": c.parent_id,
                "active": c.active,
                "translations": translations,
            }
        )
    return rows


@router.get(
    "/business-areas", response={200: list[BusinessAreaOut], **ERRORS}, summary="Business areas"
)
def list_business_areas(request: HttpRequest) -> Any:
    return [
        {"id": a.pk, "name": str(a), "active": a.active, "translations": a.all_texts()}
        for a in BusinessArea.objects.order_by("name")[:2000]
    ]


def custom_field_texts(definition: CustomFieldDefinition) -> dict[str, dict[str, Any]]:
    texts: dict[str, dict[str, Any]] = {
        language: dict(fields) for language, fields in definition.all_texts().items()
    }
    for language, _name in site_languages():
        texts[language]["choices"] = dict(definition.choice_options(language))
    return texts


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None


class TagParams(In):
    q: str | None = Field(None, max_length=60)
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(100, ge=1, le=500)


@router.get("/tags", response={200: TagPage, **ERRORS}, summary="Tags")
def list_tags(request: HttpRequest, params: Query[TagParams]) -> Any:
    require_staff(user_of(request))
    qs = Tag.objects.all()
    if params.q and params.q.strip():
        qs = qs.filter(name__icontains=params.q.strip())
    page = page_of(qs, ["id"], cursor=params.cursor, limit=params.limit)
    return {
        "items": [{"id": t.pk, "name": t.name} for t in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/custom-fields", response={200: list[CustomFieldOut], **ERRORS}, summary="Custom fields"
)
def list_custom_fields(request: HttpRequest) -> Any:
    qs = (
        CustomFieldDefinition.objects.filter(active=True)
        .select_related("section")
        .prefetch_related(Prefetch("ticket_types", queryset=TicketType.objects.only("id", "key")))
    )
    if not policy.is_staff_member(user_of(request)):
        qs = qs.filter(visible_to_customers=True)
    return [
        {
            "id": d.pk,
            "key": d.key,
            "label": d.translated("label"),
            "field_type": d.field_type,
            "choices": [{"value": v, "label": label} for v, label in d.choice_options()],
            "required": d.required,
            "help_text": d.translated("help_text"),
            "ticket_types": [t.key for t in d.ticket_types.all()],
            "visible_to_customers": d.visible_to_customers,
            "section": d.section.translated() if d.section else None,
            "allowed_file_types": custom_fields.file_type_rules(d.allowed_file_types),
            "max_file_bytes": custom_fields.file_size_limit(d)
            if d.field_type == FieldType.FILE
            else None,
            "translations": custom_field_texts(d),
        }
        for d in qs.order_by("order", "id")
    ]
