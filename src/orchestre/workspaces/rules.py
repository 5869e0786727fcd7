"""Input rules of the workspaces domain, shared by its use cases, the web forms and the CLI.

Each `*_errors` function returns the rules a value breaks (empty when it is fine), so a
form can show every problem at once instead of one per submit.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestre.errors import FieldError, Invalid
from orchestre.workspaces.permissions import Role


class Unset(enum.Enum):
    """Marks a field a partial update leaves alone (None can be a real value)."""

    UNSET = 0


UNSET: Final = Unset.UNSET

LOCALES: Final = ("en", "fr")
PASSWORD_MIN: Final = 10
PASSWORD_MAX: Final = 1024
NAME_MAX: Final = 200
WORKSPACE_NAME_MAX: Final = 120
TOKEN_NAME_MAX: Final = 120
EMAIL_MAX: Final = 320
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]+$")


def email_errors(email: str) -> list[FieldError]:
    if len(email) > EMAIL_MAX:
        return [
            FieldError(
                "email",
                "max_length",
                "This email address is too long.",
                limit=EMAIL_MAX,
                actual=len(email),
            )
        ]
    if not _EMAIL.match(email):
        return [
            FieldError(
                "email", "email", "Enter an email address such as ana@example.com.", actual=email
            )
        ]
    return []


def password_errors(password: str, field: str = "password") -> list[FieldError]:
    if len(password) < PASSWORD_MIN:
        return [
            FieldError(
                field,
                "min_length",
                f"Choose a password of at least {PASSWORD_MIN} characters.",
                limit=PASSWORD_MIN,
                actual=len(password),
            )
        ]
    if len(password) > PASSWORD_MAX:
        return [
            FieldError(
                field,
                "max_length",
                f"Choose a password of at most {PASSWORD_MAX} characters.",
                limit=PASSWORD_MAX,
                actual=len(password),
            )
        ]
    return []


def name_errors(name: str | None, field: str = "name", limit: int = NAME_MAX) -> list[FieldError]:
    if name is None or not name.strip():
        return [FieldError(field, "required", "Give a name; it cannot be empty.")]
    if len(name.strip()) > limit:
        return [
            FieldError(
                field,
                "max_length",
                f"Keep the name under {limit} characters.",
                limit=limit,
                actual=len(name.strip()),
            )
        ]
    return []


def timezone_errors(
    timezone: str | None, field: str = "timezone", nullable: bool = False
) -> list[FieldError]:
    if timezone is None and nullable:
        return []
    message = f"'{timezone}' is not a known time zone; use an IANA name such as Europe/Paris."
    if not timezone:
        return [FieldError(field, "timezone", message, actual=timezone)]
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [FieldError(field, "timezone", message, actual=timezone)]
    return []


def locale_errors(
    locale: str | None, field: str = "locale", nullable: bool = False
) -> list[FieldError]:
    if locale is None and nullable:
        return []
    if locale not in LOCALES:
        allowed = ", ".join(LOCALES) + (" or null" if nullable else "")
        return [
            FieldError(
                field,
                "locale",
                f"Choose a language among {allowed}.",
                limit=list(LOCALES),
                actual=locale,
            )
        ]
    return []


def raise_if(errors: list[FieldError], detail: str) -> None:
    if errors:
        raise Invalid(detail, code="validation_failed", errors=errors)


def valid_roles(names: Sequence[str]) -> list[str]:
    """Validated role names, deduplicated and sorted (as memberships store them)."""
    known = [r.value for r in Role]
    errors = [
        FieldError(
            "roles",
            "unknown_role",
            f"'{name}' is not a role. Choose among: {', '.join(known)}.",
            actual=name,
        )
        for name in names
        if name not in known
    ]
    if not names:
        errors.append(FieldError("roles", "required", "Give at least one role."))
    raise_if(errors, "The roles are invalid; see 'errors'.")
    return sorted(set(names))
