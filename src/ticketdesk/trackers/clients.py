"""What each tracker's REST API expects and answers, as pure functions: the request that
creates or reads an issue, the issue read back from a response, and an issue's address.

- GitHub: POST /repos/{owner}/{repo}/issues, GET /repos/{owner}/{repo}/issues/{number}
  (Authorization: Bearer, X-GitHub-Api-Version 2022-11-28);
- GitLab: POST /projects/{id or url-encoded path}/issues, GET .../issues/{iid}
  (PRIVATE-TOKEN);
- Jira: POST /rest/api/2/issue, GET /rest/api/2/issue/{key} (Basic email:API token).

Remote states are normalised to open, closed and released (GitHub and GitLab: a "released"
label; Jira: a released fix version; Jira's "done" status category counts as closed).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from .models import RemoteState, TrackerConnection, TrackerKind

RELEASED_LABEL = "released"


@dataclass(frozen=True)
class ApiRequest:
    method: str
    url: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteIssue:
    remote_id: str
    url: str = ""
    title: str = ""
    state: str = RemoteState.OPEN
    remote_status: str = ""


def _base(connection: TrackerConnection) -> str:
    return connection.api_url.rstrip("/")


def _web(connection: TrackerConnection) -> str:
    return (connection.web_url or connection.api_url).rstrip("/")


def _headers(connection: TrackerConnection) -> dict[str, str]:
    if connection.kind == TrackerKind.GITHUB:
        return {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {connection.token}",
        }
    if connection.kind == TrackerKind.GITLAB:
        return {"PRIVATE-TOKEN": connection.token}
    pair = f"{connection.username}:{connection.token}".encode()
    return {
        "Authorization": "Basic " + base64.b64encode(pair).decode(),
        "Accept": "application/json",
    }


def _issues_url(connection: TrackerConnection) -> str:
    if connection.kind == TrackerKind.GITHUB:
        return f"{_base(connection)}/repos/{connection.project}/issues"
    if connection.kind == TrackerKind.GITLAB:
        return f"{_base(connection)}/projects/{quote(connection.project, safe='')}/issues"
    return f"{_base(connection)}/rest/api/2/issue"


def create_request(connection: TrackerConnection, title: str, body: str) -> ApiRequest:
    if connection.kind == TrackerKind.GITHUB:
        payload: dict[str, Any] = {"title": title, "body": body}
    elif connection.kind == TrackerKind.GITLAB:
        payload = {"title": title, "description": body}
    else:
        payload = {
            "fields": {
                "project": {"key": connection.project},
                "summary": title,
                "description": body,
                "issuetype": {"name": connection.issue_type or "Bug"},
            }
        }
    return ApiRequest(
        "POST", _issues_url(connection), json.dumps(payload).encode(), _headers(connection)
    )


def fetch_request(connection: TrackerConnection, remote_id: str) -> ApiRequest:
    url = f"{_issues_url(connection)}/{quote(remote_id, safe='')}"
    if connection.kind == TrackerKind.JIRA:
        url += "?fields=summary,status,fixVersions"
    return ApiRequest("GET", url, b"", _headers(connection))


def _labels(values: Any) -> set[str]:
    names = set()
    for label in values or []:
        name = label.get("name") or label.get("title") if isinstance(label, dict) else label
        names.add(str(name or "").lower())
    return names


def parse_issue(connection: TrackerConnection, data: dict[str, Any]) -> RemoteIssue:
    """The issue in an API answer or a webhook's issue object. Raises ValueError when the
    answer is not an issue."""
    if connection.kind == TrackerKind.GITHUB:
        number, state = data.get("number"), str(data.get("state") or "")
        if number is None:
            raise ValueError("no issue number")
        normal = RemoteState.CLOSED if state == "closed" else RemoteState.OPEN
        if RELEASED_LABEL in _labels(data.get("labels")):
            normal = RemoteState.RELEASED
        reason = str(data.get("state_reason") or "")
        return RemoteIssue(
            str(number),
            str(data.get("html_url") or ""),
            str(data.get("title") or "")[:250],
            normal,
            f"{state} ({reason})" if reason else state,
        )
    if connection.kind == TrackerKind.GITLAB:
        iid, state = data.get("iid"), str(data.get("state") or "")
        if iid is None:
            raise ValueError("no issue iid")
        normal = RemoteState.CLOSED if state == "closed" else RemoteState.OPEN
        if RELEASED_LABEL in _labels(data.get("labels")):
            normal = RemoteState.RELEASED
        return RemoteIssue(
            str(iid),
            str(data.get("web_url") or data.get("url") or ""),
            str(data.get("title") or "")[:250],
            normal,
            state,
        )
    key = data.get("key")
    if not key:
        raise ValueError("no issue key")
    fields = data.get("fields") or {}
    status = fields.get("status") or {}
    category = str((status.get("statusCategory") or {}).get("key") or "")
    normal = RemoteState.CLOSED if category == "done" else RemoteState.OPEN
    if any(v.get("released") for v in fields.get("fixVersions") or [] if isinstance(v, dict)):
        normal = RemoteState.RELEASED
    return RemoteIssue(
        str(key),
        f"{_web(connection)}/browse/{key}",
        str(fields.get("summary") or "")[:250],
        normal,
        str(status.get("name") or ""),
    )


def parse_created(connection: TrackerConnection, data: dict[str, Any], title: str) -> RemoteIssue:
    """The issue a create call answered (Jira answers only its id and key)."""
    if connection.kind == TrackerKind.JIRA:
        key = data.get("key")
        if not key:
            raise ValueError("no issue key")
        return RemoteIssue(str(key), f"{_web(connection)}/browse/{key}", title, RemoteState.OPEN)
    return parse_issue(connection, data)


URL_PATTERNS = {
    TrackerKind.GITHUB: re.compile(r"^/(?P<project>[^/]+/[^/]+)/issues/(?P<id>\d+)/?$"),
    TrackerKind.GITLAB: re.compile(r"^/(?P<project>.+?)/-/issues/(?P<id>\d+)/?$"),
    TrackerKind.JIRA: re.compile(r"^/browse/(?P<id>(?P<project>[A-Z][A-Z0-9_]+)-\d+)/?$"),
}


def parse_issue_url(url: str) -> tuple[str, str, str, str] | None:
    """(kind, host, project, remote id) of an issue's web address, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    for kind, pattern in URL_PATTERNS.items():
        match = pattern.match(parts.path)
        if match:
            host = parts.netloc.lower()
            return kind, host, match.group("project"), match.group("id")
    return None


def host_of(connection: TrackerConnection) -> str:
    return urlsplit(_web(connection)).netloc.lower()
