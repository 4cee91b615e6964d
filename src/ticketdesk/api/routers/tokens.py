"""/tokens: the session user's personal API tokens (session only, so a leaked token cannot
mint more tokens)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Router
from ninja import Status as HttpStatus

from .. import tokens
from ..auth import session_auth
from ..models import ApiToken
from ..schemas import MAX_ID, TokenCreated, TokenIn, TokenOut
from .tickets import ERRORS, WRITE_ERRORS, user_of

router = Router(tags=["tokens"], auth=[session_auth])


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("", response={200: list[TokenOut], **ERRORS}, summary="My API tokens")
def list_tokens(request: HttpRequest) -> Any:
    return [token_out(t) for t in tokens.tokens_of(user_of(request))[:200]]


@router.post(
    "",
    response={201: TokenCreated, **WRITE_ERRORS},
    summary="Create an API token",
    description="The secret is in this response only; it is stored hashed.",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    token, secret = tokens.create_token(user_of(request), name=payload.name, scope=payload.scope)
    return HttpStatus(201, {**token_out(token), "secret": secret})


@router.delete("/{token_id}", response={204: None, **WRITE_ERRORS}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    tokens.revoke(user_of(request), token_id)
    return HttpStatus(204, None)
