"""Semantic domain errors. app.py maps each kind to an HTTP status in one table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One broken rule: where, which rule, and what the user should know."""

    field: str
    rule: str
    message: str
    limit: Any = None
    actual: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "rule": self.rule, "message": self.message}
        if self.limit is not None:
            out["limit"] = self.limit
        if self.actual is not None:
            out["actual"] = self.actual
        return out


@dataclass
class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    detail: str
    code: str = "error"
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class NotFound(DomainError):
    """The thing does not exist, or not in this workspace (foreign ids look the same)."""


class Conflict(DomainError):
    """The request clashes with current state: a duplicate name, a stale version."""


class TransitionRefused(Conflict):
    """A state change that the state machine does not allow from where the thing is."""


class Forbidden(DomainError):
    """The caller is known but lacks the permission."""


class Unauthenticated(DomainError):
    """No valid session or token."""


class Invalid(DomainError):
    """The input breaks a rule; `errors` lists each broken rule."""


class TooLarge(DomainError):
    """The payload exceeds a size limit."""


class UnsupportedMedia(DomainError):
    """The file's content is not a type we accept."""


@dataclass
class RateLimited(DomainError):
    """Too many attempts; retry later."""

    retry_after: int = 60
