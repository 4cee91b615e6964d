"""/organizations (agents)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from ticketdesk.accounts.models import Organization
from ticketdesk.core.errors import NotFound

from ..paging import page_of
from ..schemas import MAX_ID, In, OrganizationOut
from .contacts import require_staff
from .tickets import ERRORS, user_of

router = Router(tags=["organizations"])


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class OrganizationParams(In):
    q: str | None = Field(None, max_length=200)
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=100)


def organization_out(org: Organization) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "domains": org.domains,
        "shared_tickets": org.shared_tickets,
        "tier": org.tier,
    }


@router.get("", response={200: OrganizationPage, **ERRORS}, summary="List organizations")
def list_organizations(request: HttpRequest, params: Query[OrganizationParams]) -> Any:
    require_staff(user_of(request))
    qs = Organization.objects.all()
    if params.q and params.q.strip():
        qs = qs.filter(name__icontains=params.q.strip())
    page = page_of(qs, ["id"], cursor=params.cursor, limit=params.limit)
    return {"items": [organization_out(o) for o in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{organization_id}", response={200: OrganizationOut, **ERRORS}, summary="Read an organization"
)
def read_organization(
    request: HttpRequest, organization_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    require_staff(user_of(request))
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        raise NotFound(_("No such organization."))
    return organization_out(org)
