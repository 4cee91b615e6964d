"""Domain errors: raised by actions, mapped to the same HTTP codes in the UI and the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error an action raises on purpose."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_failed"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The object changed since the caller read it (stale version)."""

    status_code = 409
    code = "conflict"


class InvalidTransition(ValidationFailed):
    code = "invalid_transition"


class FieldsRequired(ValidationFailed):
    """A workflow move needs fields the ticket does not have yet (`missing`: their keys)."""

    code = "fields_required"


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"
