"""API test helpers: a JSON client authenticated with a personal token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ticketdesk.api import tokens


class ApiClient:
    """Django's test client speaking JSON with `Authorization: Bearer`."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.secret = secret

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.secret:
            out.setdefault("Authorization", f"Bearer {self.secret}")
        return out

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.get(path, params or {}, headers=self._headers(kw.pop("headers", None)))

    def _send(self, method: str, path: str, data: Any = None, headers: Any = None) -> Any:
        return getattr(self.client, method)(
            path,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path: str, data: Any = None, headers: Any = None) -> Any:
        return self._send("post", path, data, headers)

    def patch(self, path: str, data: Any = None, headers: Any = None) -> Any:
        return self._send("patch", path, data, headers)

    def delete(self, path: str, headers: Any = None) -> Any:
        return self.client.delete(path, headers=self._headers(headers))


def client_for(user: Any, scope: str = "write") -> ApiClient:
    if user is None:
        return ApiClient(None)
    _token, secret = tokens.create_token(user, name="test", scope=scope)
    return ApiClient(secret)


@pytest.fixture
def api_for():
    return client_for


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 makes every factory user cost ~0.5 s on a busy machine; these tests are not
    # about password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
