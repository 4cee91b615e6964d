"""Local fakes of the providers' HTTP APIs: http.server in a thread on 127.0.0.1, answering
the requests Ticketdesk makes with the payload shapes of the providers' documentation, and
recording them. Each account under test points its API base URL at its fake."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ticketdesk.channels.messaging import inbound_queue


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


Answer = tuple[int, bytes, str]


@dataclass
class FakeApi:
    url: str
    calls: list[Call] = field(default_factory=list)
    # statuses for the next POSTs (e.g. [500]: the next send fails once), then normal answers
    fail_posts: list[int] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    respond: Callable[[FakeApi, Call], Answer] | None = None

    def posts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]


def json_answer(data: Any, status: int = 200) -> Answer:
    return status, json.dumps(data).encode(), "application/json"


@pytest.fixture
def fake_api():
    state: dict[str, FakeApi] = {}

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            fake = state["api"]
            length = int(self.headers.get("Content-Length", "0") or 0)
            parts = urlsplit(self.path)
            call = Call(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            fake.calls.append(call)
            if self.command == "POST" and fake.fail_posts:
                status, body, content_type = json_answer(
                    {"error": {"message": "Service temporarily unavailable", "code": 2}},
                    fake.fail_posts.pop(0),
                )
            else:
                assert fake.respond is not None
                status, body, content_type = fake.respond(fake, call)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["api"] = FakeApi(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["api"]
    finally:
        server.shutdown()
        server.server_close()


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def drain() -> int:
    """What the outbox worker's sender does after a webhook stored its messages."""
    return inbound_queue.process_due()


def deliver(
    client: Any, account: Any, payload: Any, headers: dict[str, str], *, process: bool = True
) -> Any:
    """POST a delivery to the webhook; then (unless `process` is False) take in what it
    stored, as the worker would."""
    body = json.dumps(payload).encode()
    response = client.post(
        f"/channels/messaging/{account.webhook_key}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    if process:
        drain()
    return response


def deliver_signed(
    client: Any, account: Any, payload: Any, secret: str = "app-secret", *, process: bool = True
) -> Any:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": meta_signature(secret, body)}
    response = client.post(
        f"/channels/messaging/{account.webhook_key}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    if process:
        drain()
    return response
