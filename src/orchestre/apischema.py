"""What every domain's API schemas share: strict JSON input types, cursor pages, problem docs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

T = TypeVar("T")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class InputModel(BaseModel):
    """A request body: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        # PostgreSQL cannot store U+0000 in text, and no person types it: refuse it as input.
        if _has_nul(value):
            raise ValueError("text cannot contain the NUL character (U+0000)")
        return value


class OutputModel(BaseModel):
    """A response body, read from ORM rows or plain objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


# FastAPI validates bodies in Python mode, where strict=True refuses UUIDs, dates, datetimes
# and enums sent as JSON strings; these fields alone parse their text form (Lax[Role] too).
Lax = Annotated[T, Field(strict=False)]
LaxUUID = Lax[uuid.UUID]
LaxDate = Lax[date]


def _iso_text_only(value: object) -> object:
    # Lax datetime parsing would also take a bare number as a Unix time: refuse it.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("give an ISO 8601 date-time with its offset, e.g. 2030-03-15T10:00:00+01:00")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "this date-time has no time zone: add an offset such as +01:00 or Z, "
            "e.g. 2030-03-15T10:00:00+01:00"
        )
    return value


AwareDatetime = Annotated[
    datetime, BeforeValidator(_iso_text_only), Field(strict=False), AfterValidator(_aware)
]


class CursorPage(BaseModel, Generic[T]):
    """One page of a list; each list names its own subclass so the OpenAPI reads well."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: end")


PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed JSON",
    401: "Not signed in, or the session or token is unknown, revoked or expired",
    403: "Your role does not allow this, or the CSRF token is missing",
    404: "Not found in this workspace (another workspace's ids look the same)",
    409: "Conflicts with the current state (stale version, refused transition, duplicate)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input: 'errors' lists each broken rule",
    429: "Too many attempts; see Retry-After",
}
IN_WORKSPACE = (401, 403, 404)


def problems(
    *statuses: int, in_workspace: bool = True, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem details (RFC 9457) a route may answer.

    A route under /workspaces/{workspace_id} can always answer 401, 403 and 404, so they are
    added unless `in_workspace=False`; `described` words a status for this route alone.
    """
    wording = {**PROBLEM_DESCRIPTIONS, **(described or {})}
    codes = sorted({*statuses, *(IN_WORKSPACE if in_workspace else ())})
    # The body schema (Problem, application/problem+json) is set for every error answer
    # by orchestre.openapi.install.
    return {code: {"description": wording[code]} for code in codes}
