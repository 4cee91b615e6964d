"""Smoke test of a running installation, from the outside (HTTP, and `ticketdesk mail
ingest` through the command given). Used by deploy/smoke-podman.sh; works against any
installation:

    python deploy/smoke.py --url http://127.0.0.1:18000 --token tdk_... \
        --ingest "podman exec -i td-web ticketdesk mail ingest" --password secret
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import time
import uuid

import requests


def wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{url}/ready", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            sys.exit("not ready in time")
        time.sleep(1)


def step(text: str) -> None:
    print(f"- {text}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True, help="a write API token of an admin")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--user-id", type=int, required=True, help="that admin's user id")
    parser.add_argument("--password", required=True)
    parser.add_argument("--ingest", required=True, help="command that reads one mail on stdin")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {args.token}"
    tag = uuid.uuid4().hex[:8]

    wait_ready(url)
    step("ready")

    web = requests.Session()
    page = web.get(f"{url}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf, "no CSRF token on the login page"
    answer = web.post(
        f"{url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "username": args.user,
            "password": args.password,
        },
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=10,
    )
    assert answer.status_code == 200 and "/accounts/login/" not in answer.url, answer.url
    step(f"logged in as {args.user}")

    created = api.post(
        f"{url}/api/v1/tickets",
        json={
            "subject": f"Smoke {tag}: VPN drops",
            "body": "Every ten minutes.",
            "requester_email": f"smoke-{tag}@example.org",
            "requester_name": "Smoke Test",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    step(f"ticket #{number} opened by API")

    payload = uuid.uuid4().bytes * 1000
    uploaded = api.post(
        f"{url}/api/v1/tickets/{number}/attachments",
        files={"files": ("trace.bin", payload, "application/octet-stream")},
        data={"body": "The trace.", "kind": "internal"},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    link = uploaded.json()["attachments"][0]["url"]
    download = api.get(link if link.startswith("http") else f"{url}{link}", timeout=30)
    assert download.status_code == 200 and download.content == payload, download.status_code
    step(f"attachment stored and downloaded ({len(payload)} bytes identical)")

    assign = api.post(
        f"{url}/api/v1/tickets/{number}/assign", json={"assignee_id": args.user_id}, timeout=10
    )
    assert assign.status_code == 200, assign.text
    step(f"assigned to {args.user}")
    mail = (
        f"From: Smoke Test <smoke-{tag}@example.org>\r\nTo: support@example.com\r\n"
        f"Subject: Re: [#{number}] Smoke {tag}: VPN drops\r\n"
        f"Message-ID: <{tag}.reply@example.org>\r\n\r\nStill dropping.\r\n"
    )
    subprocess.run(shlex.split(args.ingest), input=mail.encode(), check=True, timeout=120)
    new_mail = (
        f"From: Other Person <other-{tag}@example.org>\r\nTo: support@example.com\r\n"
        f"Subject: Smoke {tag}: printer\r\nMessage-ID: <{tag}.new@example.org>\r\n\r\n"
        "The printer is offline.\r\n"
    )
    subprocess.run(shlex.split(args.ingest), input=new_mail.encode(), check=True, timeout=120)
    deadline = time.monotonic() + 60
    while True:
        messages = api.get(f"{url}/api/v1/tickets/{number}/messages", timeout=10).json()
        items = messages["items"] if isinstance(messages, dict) else messages
        found = api.get(f"{url}/api/v1/tickets", params={"q": f"printer {tag}"}, timeout=10)
        hits = found.json().get("items", []) if found.ok else []
        if any("Still dropping" in (m.get("body_text") or "") for m in items) and any(
            f"{tag}: printer" in hit["subject"] for hit in hits
        ):
            break
        if time.monotonic() > deadline:
            sys.exit(f"mail not seen: {items!r} {found.text[:300]}")
        time.sleep(1)
    step("a mail reply threaded into the ticket, a new mail opened a ticket (found by search)")

    deadline = time.monotonic() + 60
    while True:
        bell = web.get(f"{url}/notifications/", timeout=10)
        if f"#{number}" in bell.text or f"{number}" in bell.text:
            break
        if time.monotonic() > deadline:
            sys.exit("no notification about the ticket reached the bell")
        time.sleep(1)
    step(f"the agent sees a notification about #{number}")
    health = requests.get(f"{url}/healthz", timeout=10).json()
    step(f"/healthz: {health['status']}, workers {health['workers']}")
    print("OK")


if __name__ == "__main__":
    main()
