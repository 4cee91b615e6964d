"""A local fake of the GitHub, GitLab and Jira REST APIs (the parts Ticketdesk calls),
answering with the documented shapes, and the webhook payloads each tracker sends.

- GitHub REST: POST /repos/{owner}/{repo}/issues -> 201 {number, html_url, state, title,
  labels}; GET /repos/{owner}/{repo}/issues/{number}.
  Webhook "issues" event: {action, issue, repository: {full_name}} with
  X-GitHub-Event: issues and X-Hub-Signature-256: sha256=HMAC(secret, body).
- GitLab REST v4: POST /api/v4/projects/{id}/issues -> 201 {iid, web_url, state: "opened",
  title}; GET /api/v4/projects/{id}/issues/{iid}.
  Webhook "Issue Hook": {object_kind: "issue", project: {path_with_namespace},
  object_attributes: {iid, state, action, url, title}, labels} with X-Gitlab-Token.
- Jira REST v2: POST /rest/api/2/issue -> 201 {id, key, self}; GET /rest/api/2/issue/{key}
  -> {key, fields: {summary, status: {name, statusCategory: {key}}, fixVersions}}.
  Webhook: {webhookEvent: "jira:issue_updated", issue, changelog}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeTrackers:
    url: str
    calls: list[Call] = field(default_factory=list)
    issues: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer first
    counter: int = 0

    def add_github(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        issue = {
            "number": number,
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "state": "open",
            "state_reason": None,
            "title": "Existing issue",
            "labels": [],
            **fields,
        }
        self.issues[("github", f"{repo}#{number}")] = issue
        return issue

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if self.fail_next:
            return self.fail_next.pop(0), {"message": "Server Error"}
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues", path):
            self.counter += 1
            issue = {
                "number": self.counter,
                "html_url": f"https://github.com/{m.group(1)}/issues/{self.counter}",
                "state": "open",
                "state_reason": None,
                "title": body["title"],
                "body": body["body"],
                "labels": [],
            }
            self.issues[("github", f"{m.group(1)}#{self.counter}")] = issue
            return 201, issue
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)", path):
            found = self.issues.get(("github", f"{m.group(1)}#{m.group(2)}"))
            return (200, found) if found else (404, {"message": "Not Found"})
        if m := re.fullmatch(r"/api/v4/projects/([^/]+)/issues", path):
            self.counter += 1
            project = unquote(m.group(1))
            issue = {
                "id": 1000 + self.counter,
                "iid": self.counter,
                "project_id": 7,
                "web_url": f"https://gitlab.example.com/{project}/-/issues/{self.counter}",
                "state": "opened",
                "title": body["title"],
                "description": body["description"],
                "labels": [],
            }
            self.issues[("gitlab", f"{project}#{self.counter}")] = issue
            return 201, issue
        if path == "/rest/api/2/issue":
            self.counter += 1
            key = f"{body['fields']['project']['key']}-{self.counter}"
            self.issues[("jira", key)] = {
                "key": key,
                "fields": {
                    "summary": body["fields"]["summary"],
                    "status": {"name": "To Do", "statusCategory": {"key": "new"}},
                    "fixVersions": [],
                },
            }
            return 201, {
                "id": str(10000 + self.counter),
                "key": key,
                "self": f"{self.url}/rest/api/2/issue/{key}",
            }
        if m := re.fullmatch(r"/rest/api/2/issue/([A-Z0-9]+-\d+)", path):
            found = self.issues.get(("jira", m.group(1)))
            return (200, found) if found else (404, {"errorMessages": ["Issue does not exist"]})
        return 404, {"message": "Not Found"}


def start() -> tuple[FakeTrackers, ThreadingHTTPServer]:
    state: dict[str, FakeTrackers] = {}

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            fake = state["f"]
            length = int(self.headers.get("Content-Length", "0") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            path = self.path.split("?", 1)[0]
            fake.calls.append(Call(self.command, self.path, dict(self.headers.items()), body))
            status, answer = fake.handle(self.command, path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["f"] = FakeTrackers(url=f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state["f"], server


# --- webhook payloads, as each tracker documents them ----------------------------------------


def github_issues_event(repo: str, issue: dict[str, Any], action: str) -> dict[str, Any]:
    return {
        "action": action,
        "issue": issue,
        "repository": {"full_name": repo, "name": repo.split("/")[1]},
        "sender": {"login": "octocat"},
    }


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def gitlab_issue_hook(
    project: str, iid: int, state: str, action: str, labels: list[str] = ()
) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": {"username": "root"},
        "project": {"id": 7, "path_with_namespace": project},
        "object_attributes": {
            "iid": iid,
            "state": state,
            "action": action,
            "title": "Crash on export",
            "url": f"https://gitlab.example.com/{project}/-/issues/{iid}",
        },
        "labels": [{"title": name} for name in labels],
    }


def jira_issue_updated(
    key: str, status: str, category: str, released: bool = False
) -> dict[str, Any]:
    return {
        "timestamp": 1733475600000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {
            "id": "10001",
            "key": key,
            "fields": {
                "summary": "Crash on export",
                "status": {"name": status, "statusCategory": {"key": category}},
                "fixVersions": [{"name": "2.4.1", "released": released}],
            },
        },
        "changelog": {"items": [{"field": "status", "toString": status}]},
    }
