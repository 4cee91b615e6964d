"""Inbound webhooks, one address per connection (/trackers/hooks/<id>/): who sent it and
which issue changed.

- GitHub signs the body: X-Hub-Signature-256: sha256=<HMAC-SHA256(secret, body)>; the
  `issues` event carries the issue (closed, reopened, labeled...);
- GitLab sends the secret token itself: X-Gitlab-Token; the "Issue Hook" carries
  object_attributes (iid, state) and labels;
- Jira: a webhook with a secret signs the body like GitHub (X-Hub-Signature:
  sha256=...); older Jira sends no signature, so the shared secret may instead be given in
  the webhook's URL (?secret=...). `jira:issue_updated` carries the issue with its fields.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from .clients import RemoteIssue, parse_issue
from .models import TrackerConnection, TrackerKind


def _hmac_matches(secret: str, body: bytes, header: str) -> bool:
    if not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def verify(
    connection: TrackerConnection, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
) -> bool:
    """Is this delivery from the tracker (signed or carrying our shared secret)? A
    connection without a secret accepts nothing."""
    secret = connection.webhook_secret
    if not secret:
        return False
    if connection.kind == TrackerKind.GITHUB:
        return _hmac_matches(secret, body, headers.get("X-Hub-Signature-256", ""))
    if connection.kind == TrackerKind.GITLAB:
        return hmac.compare_digest(secret.encode(), headers.get("X-Gitlab-Token", "").encode())
    signature = headers.get("X-Hub-Signature", "")
    if signature:
        return _hmac_matches(secret, body, signature)
    return hmac.compare_digest(secret.encode(), query.get("secret", "").encode())


def issue_of(
    connection: TrackerConnection, headers: Mapping[str, str], data: Any
) -> RemoteIssue | None:
    """The issue this delivery reports on, as it is now; None for other events (pushes,
    comments, other projects)."""
    if not isinstance(data, dict):
        return None
    try:
        if connection.kind == TrackerKind.GITHUB:
            if headers.get("X-GitHub-Event") != "issues":
                return None
            repository = str((data.get("repository") or {}).get("full_name") or "")
            if repository.lower() != connection.project.lower():
                return None
            return parse_issue(connection, data.get("issue") or {})
        if connection.kind == TrackerKind.GITLAB:
            if data.get("object_kind") != "issue":
                return None
            project = data.get("project") or {}
            names = {str(project.get("path_with_namespace") or "").lower(), str(project.get("id"))}
            if connection.project.lower() not in names:
                return None
            attributes = dict(data.get("object_attributes") or {})
            attributes.setdefault("labels", data.get("labels") or [])
            return parse_issue(connection, attributes)
        if not str(data.get("webhookEvent") or "").startswith("jira:issue_"):
            return None
        issue = data.get("issue") or {}
        if not str(issue.get("key") or "").upper().startswith(connection.project.upper() + "-"):
            return None
        return parse_issue(connection, issue)
    except (ValueError, AttributeError, TypeError):
        return None
