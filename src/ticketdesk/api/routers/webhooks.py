"""/webhooks: admins register webhook and chat endpoints, read the delivery log, redeliver."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as HttpStatus

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team
from ticketdesk.core.errors import NotFound
from ticketdesk.notifications import webhooks
from ticketdesk.notifications.models import WebhookDelivery, WebhookEndpoint

from ..lookups import optional_pick
from ..paging import page_of
from ..schemas import MAX_ID, Id, In
from .tickets import ERRORS, WRITE_ERRORS, user_of

router = Router(tags=["webhooks"])


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    format: str
    events: list[str]
    team_id: int | None
    active: bool
    allow_private: bool
    failure_count: int
    disabled_reason: str
    created_at: dt.datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(..., description="Signing secret of JSON endpoints (shown once).")


class EndpointIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    url: str = Field(..., min_length=8, max_length=1000)
    format: Literal["json", "slack", "teams", "mattermost", "rocketchat"] = "json"
    events: list[str] = Field(default_factory=list, max_length=20)
    team_id: Id | None = None
    allow_private: bool = False


class DeliveryOut(Schema):
    id: int
    event_id: str
    topic: str
    status: str
    attempt: int
    response_status: int | None
    response_excerpt: str
    error: str
    duration_ms: int | None
    created_at: dt.datetime
    next_retry_at: dt.datetime | None
    delivered_at: dt.datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryParams(In):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=100)


def _endpoint_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "name": endpoint.name,
        "url": endpoint.url,
        "format": endpoint.format,
        "events": list(endpoint.events or []),
        "team_id": endpoint.team_id,
        "active": endpoint.active,
        "allow_private": endpoint.allow_private,
        "failure_count": endpoint.failure_count,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
    }


def _delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        field: getattr(delivery, field) for field in DeliveryOut.model_fields if field != "id"
    } | {"id": delivery.pk}


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    policy.require(user_of(request), policy.ADMINISTER)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


EndpointId = Path(..., ge=1, le=MAX_ID)


@router.get("", response={200: list[EndpointOut], **ERRORS}, summary="Webhook endpoints")
def list_endpoints(request: HttpRequest) -> Any:
    policy.require(user_of(request), policy.ADMINISTER)
    return [_endpoint_out(e) for e in WebhookEndpoint.objects.order_by("name", "id")[:500]]


@router.post("", response={201: EndpointCreated, **WRITE_ERRORS}, summary="Register an endpoint")
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Any:
    endpoint = webhooks.create_endpoint(
        actor=user_of(request),
        name=payload.name,
        url=payload.url,
        events=payload.events,
        endpoint_format=payload.format,
        team=optional_pick(Team.objects.all(), "team_id", payload.team_id),
        allow_private=payload.allow_private,
    )
    return HttpStatus(201, {**_endpoint_out(endpoint), "secret": endpoint.secret})


@router.delete("/{endpoint_id}", response={204: None, **WRITE_ERRORS}, summary="Remove an endpoint")
def delete_endpoint(request: HttpRequest, endpoint_id: int = EndpointId) -> Any:
    _endpoint(request, endpoint_id).delete()
    return HttpStatus(204, None)


@router.post(
    "/{endpoint_id}/enable", response={200: EndpointOut, **WRITE_ERRORS}, summary="Re-enable"
)
def enable_endpoint(request: HttpRequest, endpoint_id: int = EndpointId) -> Any:
    endpoint = webhooks.reactivate(_endpoint(request, endpoint_id), actor=user_of(request))
    return _endpoint_out(endpoint)


@router.get(
    "/{endpoint_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    summary="Delivery log (newest first)",
)
def list_deliveries(
    request: HttpRequest, params: Query[DeliveryParams], endpoint_id: int = EndpointId
) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    page = page_of(
        WebhookDelivery.objects.filter(endpoint=endpoint),
        ["-id"],
        cursor=params.cursor,
        limit=params.limit,
    )
    return {"items": [_delivery_out(d) for d in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response={201: DeliveryOut, **WRITE_ERRORS},
    summary="Send a delivery's event again",
)
def redeliver(
    request: HttpRequest,
    endpoint_id: int = EndpointId,
    delivery_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, endpoint=endpoint).first()
    if delivery is None:
        raise NotFound(_("No such delivery."))
    copy = webhooks.redeliver(delivery, actor=user_of(request))
    return HttpStatus(201, _delivery_out(copy))
