"""The load mix of the scale-out proof (issue 17), for Locust (`bench/load/run.py` drives it).

Four kinds of user, each on its own wait time, from a fixture that run.py writes
($TD_LOAD_FIXTURE: logins, tokens, ticket numbers):

- agents (workspace): their queue, their team's list, the rail counts, a ticket page, a search,
  a public reply (mail goes out through the outbox to a local SMTP sink), an internal note;
- customers (portal): their tickets, one ticket, a reply, a knowledge-base search;
- API clients (bearer token): a page of tickets, one ticket, a search, a new ticket;
- inbound email (SMTP to `ticketdesk mail serve`): new mail and replies to known tickets.

Every non-2xx answer (and a redirect to a login page) counts as a failure.
"""

from __future__ import annotations

import json
import os
import random
import smtplib
import time
import uuid
from email.message import EmailMessage
from typing import Any

from locust import HttpUser, User, between, events, task

FIXTURE: dict[str, Any] = json.loads(open(os.environ["TD_LOAD_FIXTURE"]).read())  # noqa: SIM115
WORDS = ["printer", "vpn", "password", "laptop", "invoice", "email", "wifi", "access"]
SUBJECTS = [
    "VPN drops every ten minutes",
    "Printer on floor 3 is offline",
    "Please reset my password",
    "Laptop battery swells",
    "Invoice shows the wrong amount",
]
_agent_slot = iter(range(10**9))
_customer_slot = iter(range(10**9))
_api_slot = iter(range(10**9))


def _csrf(user: HttpUser) -> str:
    return str(user.client.cookies.get("csrftoken", ""))


def _login(user: HttpUser, path: str, username: str, password: str) -> None:
    user.client.get(path, name=f"{path} (form)")
    with user.client.post(
        path,
        data={"username": username, "password": password, "csrfmiddlewaretoken": _csrf(user)},
        headers={"Referer": f"{user.host}{path}"},
        name=f"{path} (post)",
        catch_response=True,
    ) as answer:
        if "login" in answer.url:
            answer.failure(f"login of {username} failed: {answer.status_code}")


class Agent(HttpUser):
    weight = int(os.environ.get("TD_LOAD_AGENTS_WEIGHT", "6"))
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        agents = FIXTURE["agents"]
        me = agents[next(_agent_slot) % len(agents)]
        self.numbers: list[int] = me["numbers"]
        self.team = me["team"]
        _login(self, "/accounts/login/", me["username"], FIXTURE["password"])

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code == 200 and "/login/" in answer.url:
                answer.failure("signed out")

    @task(4)
    def my_queue(self) -> None:
        self._page("/?view=mine", "agent: list mine")

    @task(2)
    def team_list(self) -> None:
        self._page(f"/?view=team-{self.team}", "agent: list team")

    @task(2)
    def rail(self) -> None:
        self._page("/rail/?view=mine", "agent: rail counts")

    @task(6)
    def ticket_page(self) -> None:
        self._page(f"/t/{random.choice(self.numbers)}/", "agent: ticket page")

    @task(1)
    def search(self) -> None:
        self._page(f"/?view=team-{self.team}&q={random.choice(WORDS)}", "agent: search")

    @task(2)
    def reply(self) -> None:
        self._post_message("public", "agent: reply (mail out)")

    @task(1)
    def note(self) -> None:
        self._post_message("internal", "agent: internal note")

    def _post_message(self, kind: str, name: str) -> None:
        number = random.choice(self.numbers)
        self.client.post(
            f"/t/{number}/messages/",
            data={"kind": kind, "body": f"Load test {kind} {uuid.uuid4().hex[:8]}."},
            headers={"X-CSRFToken": _csrf(self), "Referer": f"{self.host}/t/{number}/"},
            name=name,
        )


class Customer(HttpUser):
    weight = int(os.environ.get("TD_LOAD_CUSTOMERS_WEIGHT", "3"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        customers = FIXTURE["customers"]
        me = customers[next(_customer_slot) % len(customers)]
        self.numbers = me["numbers"]
        _login(self, "/portal/login/", me["username"], FIXTURE["password"])

    @task(3)
    def my_tickets(self) -> None:
        self.client.get("/portal/tickets/", name="portal: my tickets")

    @task(4)
    def one_ticket(self) -> None:
        self.client.get(f"/portal/tickets/{random.choice(self.numbers)}/", name="portal: ticket")

    @task(1)
    def reply(self) -> None:
        number = random.choice(self.numbers)
        self.client.post(
            f"/portal/tickets/{number}/reply/",
            data={
                "body": f"Customer reply {uuid.uuid4().hex[:8]}",
                "csrfmiddlewaretoken": _csrf(self),
            },
            headers={"Referer": f"{self.host}/portal/tickets/{number}/"},
            name="portal: reply",
        )

    @task(2)
    def kb_search(self) -> None:
        self.client.get(f"/kb/search/?q={random.choice(WORDS)}", name="portal: KB search")


class ApiClient(HttpUser):
    weight = int(os.environ.get("TD_LOAD_API_WEIGHT", "2"))
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        tokens = FIXTURE["tokens"]
        self.client.headers["Authorization"] = f"Bearer {tokens[next(_api_slot) % len(tokens)]}"
        self.numbers = FIXTURE["api_numbers"]

    @task(4)
    def page(self) -> None:
        self.client.get("/api/v1/tickets?limit=25", name="api: list")

    @task(4)
    def one(self) -> None:
        self.client.get(f"/api/v1/tickets/{random.choice(self.numbers)}", name="api: get one")

    @task(1)
    def search(self) -> None:
        self.client.get(f"/api/v1/tickets?q={random.choice(WORDS)}&limit=25", name="api: search")

    @task(1)
    def create(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.client.post(
            "/api/v1/tickets",
            json={
                "subject": f"{random.choice(SUBJECTS)} ({tag})",
                "body": "Opened by the load test through the API.",
                "requester_email": f"api-{tag[:3]}@load.example",
                "requester_name": "API Load",
            },
            name="api: create",
        )


class InboundMail(User):
    """SMTP to `ticketdesk mail serve`; timed like an HTTP request (the 250 answer comes after
    the message is stored and ingested)."""

    weight = int(os.environ.get("TD_LOAD_MAIL_WEIGHT", "1"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.smtp_host, port = os.environ["TD_LOAD_SMTP"].split(":")
        self.smtp_port = int(port)
        self.numbers = FIXTURE["mail_numbers"]

    def _send(self, message: EmailMessage, name: str) -> None:
        began = time.perf_counter()
        error: Exception | None = None
        try:
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=60) as smtp:
                smtp.send_message(message)
        except Exception as exc:
            error = exc
        events.request.fire(
            request_type="SMTP",
            name=name,
            response_time=(time.perf_counter() - began) * 1000,
            response_length=len(message.as_bytes()),
            exception=error,
            context={},
        )

    @task(2)
    def new_mail(self) -> None:
        tag = uuid.uuid4().hex[:8]
        message = EmailMessage()
        message["From"] = f"Mail Load <mail-{tag[:3]}@load.example>"
        message["To"] = "support@example.com"
        message["Subject"] = f"{random.choice(SUBJECTS)} ({tag})"
        message["Message-ID"] = f"<{tag}@load.example>"
        message.set_content("Sent by the load test.\n\nRegards,\nMail Load")
        self._send(message, "mail: new ticket")

    @task(1)
    def reply_mail(self) -> None:
        entry = random.choice(self.numbers)
        tag = uuid.uuid4().hex[:8]
        message = EmailMessage()
        message["From"] = entry["from"]
        message["To"] = "support@example.com"
        message["Subject"] = f"Re: [#{entry['number']}] {entry['subject']}"
        message["Message-ID"] = f"<{tag}.reply@load.example>"
        message.set_content("Still happening, see below.\n\n> earlier text")
        self._send(message, "mail: reply")
