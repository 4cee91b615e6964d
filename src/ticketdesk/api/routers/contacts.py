"""/contacts: agents look up and create requesters."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router
from ninja import Status as HttpStatus

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core.errors import NotFound, PermissionDenied

from ..paging import page_of
from ..schemas import MAX_ID, ContactIn, ContactOut, ContactPage, In
from .tickets import ERRORS, WRITE_ERRORS, user_of

router = Router(tags=["contacts"])


class ContactParams(In):
    q: str | None = Field(None, max_length=200, description="Part of the name or email.")
    organization: int | None = Field(None, ge=1, le=MAX_ID)
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=100)


def require_staff(user: Any) -> None:
    if not policy.is_staff_member(user):
        raise PermissionDenied(_("Only agents can do this."))


def contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "language": contact.language,
        "organization_ids": [o.pk for o in contact.organizations.all()],
        "has_login": contact.user_id is not None,
        "created_at": contact.created_at,
    }


def _contacts() -> Any:
    return Contact.objects.prefetch_related(
        Prefetch("organizations", queryset=Organization.objects.only("id"))
    )


@router.get("", response={200: ContactPage, **ERRORS}, summary="List contacts")
def list_contacts(request: HttpRequest, params: Query[ContactParams]) -> Any:
    require_staff(user_of(request))
    qs = _contacts()
    if params.q and params.q.strip():
        text = params.q.strip()
        qs = qs.filter(Q(email__icontains=text) | Q(name__icontains=text))
    if params.organization is not None:
        qs = qs.filter(organizations__id=params.organization)
    page = page_of(qs, ["id"], cursor=params.cursor, limit=params.limit)
    return {"items": [contact_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Read a contact")
def read_contact(request: HttpRequest, contact_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    require_staff(user_of(request))
    contact = _contacts().filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact_out(contact)


@router.post(
    "",
    response={200: ContactOut, 201: ContactOut, **WRITE_ERRORS},
    summary="Find or create a contact by email",
    description="201 when created, 200 when a contact with that email already existed.",
)
def create_contact(request: HttpRequest, payload: ContactIn) -> Any:
    user = user_of(request)
    policy.require(user, policy.CREATE_FOR_OTHERS)
    existed = account_actions.find_contact(payload.email) is not None
    contact = account_actions.get_or_create_contact(payload.email, payload.name)
    contact = _contacts().get(pk=contact.pk)
    return HttpStatus((200 if existed else 201), contact_out(contact))
