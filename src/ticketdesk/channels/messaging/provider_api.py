"""HTTP calls to a provider's API: bounded time and size, no redirects, and no private or
local address unless the account allows it (a local test server of the provider's API)."""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10.0
MAX_JSON_BYTES = 1024 * 1024
USER_AGENT = "Ticketdesk-Messaging/1"


class ApiError(Exception):
    """The provider could not be reached or answered with an error. `retry`: whether trying
    again later may help (network trouble, 429, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None, retry: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retry = retry


class TooBig(ApiError):
    def __init__(self, size: int) -> None:
        super().__init__(f"larger than allowed ({size} bytes or more)", retry=False)
        self.size = size


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def check_destination(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(f"not an http(s) URL: {url[:200]}", retry=False)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ApiError(f"{parts.hostname} does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise ApiError(f"refusing a private or local address ({address})", retry=False)


def call(
    url: str,
    *,
    method: str = "GET",
    payload: Any = None,
    headers: dict[str, str] | None = None,
    allow_private: bool = False,
    max_bytes: int = MAX_JSON_BYTES,
) -> Response:
    """One request; raises ApiError for network trouble, an error status, or a body past
    `max_bytes` (TooBig, read no further than that)."""
    check_destination(url, allow_private=allow_private)
    data = None
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    if payload is not None:
        data = json.dumps(payload).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=data, method=method, headers=all_headers
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise TooBig(declared)
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise TooBig(len(body))
            return Response(response.status, body, response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(2000).decode("utf-8", "replace")
        retry = exc.code == 429 or exc.code >= 500
        raise ApiError(f"HTTP {exc.code}: {excerpt}", status=exc.code, retry=retry) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ApiError(f"{type(exc).__name__}: {exc}"[:500]) from None
