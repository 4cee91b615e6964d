"""A real webhook receiver: http.server in a thread on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # statuses to answer with, in order; afterwards 200
    script: list[int] = field(default_factory=list)
    response_body: bytes = b"ok"
    delay: float = 0.0
    location: str = ""


@pytest.fixture
def receiver():
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            recv = state["r"]
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            recv.requests.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if recv.delay:
                time.sleep(recv.delay)
            status = recv.script.pop(0) if recv.script else 200
            self.send_response(status)
            if recv.location:
                self.send_header("Location", recv.location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(recv.response_body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(recv.response_body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
