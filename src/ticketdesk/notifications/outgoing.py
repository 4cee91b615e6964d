"""Outgoing HTTP requests that cannot be aimed at our own network (SSRF guard).

The host is resolved once; every address must be public (no loopback, private, link-local,
multicast, reserved, shared or unspecified ranges, also inside IPv4-mapped IPv6) unless the
caller explicitly allows private destinations. The connection then goes to that checked
address (no second lookup an attacker's DNS could answer differently), with the original host
name for TLS verification and the Host header. Redirects are never followed; the time spent
and the response read are both capped.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 2000
USER_AGENT = "Ticketdesk-Webhooks/1"


class UnsafeDestination(ValidationFailed):
    code = "unsafe_destination"


_RAW_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*: ")


def plain_failure(error: str) -> str:
    """A failed request's `error` in plain words in the active language: a raw exception
    ("ConnectionRefusedError: [Errno 111] Connection refused", as `post` records it) becomes
    connection refused / timed out / TLS / DNS / other; our own messages (an unsafe
    destination, a redirect) are already plain words and stay as they are."""
    if not error or not _RAW_EXCEPTION.match(error):
        return error
    text = error.lower()
    if "refused" in text:
        return _("The receiver refused the connection: nothing is listening at that address.")
    if "timeout" in text or "timed out" in text:
        return _("The receiver did not answer in time.")
    if "ssl" in text or "certificate" in text or "tls" in text:
        return _("The secure (TLS) connection failed, for example an invalid certificate.")
    if "gaierror" in text or "name or service" in text or "resolve" in text:
        return _("The host name could not be found (DNS).")
    return _("The connection to the receiver failed.")


@dataclass
class HttpResult:
    ok: bool
    status_code: int | None = None
    body_excerpt: str = ""
    duration_ms: int = 0
    error: str = ""
    refused: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _is_public(mapped)
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not address.is_unspecified
    )


def resolve_destination(url: str, *, allow_private: bool = False) -> tuple[Any, str]:
    """Check `url` and return (parsed url, the IP address to connect to); raise
    UnsafeDestination when it is not allowed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination(
            _("Use an http:// or https:// URL."), fields={"url": [_("Invalid URL.")]}
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeDestination(_("Invalid port."), fields={"url": [_("Invalid URL.")]}) from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeDestination(
            _("The host name does not resolve."), fields={"url": [_("Unknown host.")]}
        ) from None
    addresses = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise UnsafeDestination(_("The host name does not resolve."))
    if not allow_private:
        blocked = [a for a in addresses if not _is_public(a)]
        if blocked:
            raise UnsafeDestination(
                _("Refusing to send to a private or local address (%(a)s).") % {"a": blocked[0]},
                fields={"url": [_("Private, loopback and link-local addresses are not allowed.")]},
            )
    return parts, str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), timeout=self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    allow_private: bool = False,
    timeout: float = READ_TIMEOUT,
    method: str = "POST",
) -> HttpResult:
    """POST `body` to `url` (or another `method`: the developer trackers' API calls GET
    and PUT too). Never raises for network trouble: the result says what happened
    (refused=True when the SSRF guard said no)."""
    started = time.monotonic()
    try:
        parts, address = resolve_destination(url, allow_private=allow_private)
    except UnsafeDestination as exc:
        return HttpResult(ok=False, error=str(exc.message), refused=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address, min(CONNECT_TIMEOUT, timeout))
    request_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Content-Length": str(len(body)),
        **(headers or {}),
    }
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        connection.request(method, path, body=body, headers=request_headers)
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE_BYTES)
        status = response.status
        response_headers = {k.lower(): v for k, v in response.getheaders()}
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        return HttpResult(
            ok=False,
            error=f"{type(exc).__name__}: {exc}"[:500],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    finally:
        connection.close()
    excerpt = data.decode("utf-8", "replace")[:EXCERPT_CHARS]
    error = ""
    if 300 <= status < 400:
        error = _("Redirects are not followed (to %(loc)s).") % {
            "loc": response_headers.get("location", "?")[:200]
        }
    return HttpResult(
        ok=200 <= status < 300,
        status_code=status,
        body_excerpt=excerpt,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=error,
        headers=response_headers,
    )
