"""Tracked links' addresses: the destinations we accept, their UTM tags, short codes, referrers.

Pure functions. A destination is an absolute http(s) address with a host and no user name
or password in it (`https://google.com@evil.example` is a classic way to disguise where a
link goes). UTM tags are added to the query string where missing: a tag already on the
address is kept as it is (the author chose it), the other query parameters keep their
order and spelling, and the fragment stays last.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from orchestre.errors import FieldError, Invalid

# base62: a code of 8 is one of 62**8 (2.2e14, about 47 bits), drawn by `secrets`, so
# codes cannot be walked or guessed; a collision is retried by the caller.
ALPHABET = string.digits + string.ascii_letters
CODE_LENGTH = 8
CODE = re.compile(r"[0-9A-Za-z]{4,16}")
# The destination as written fits a variant's link column; tagged, the tracked link's.
MAX_SOURCE = 2048
MAX_TARGET = 4096
SCHEMES = ("http", "https")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
UTM_MEDIUM = "social"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_code(value: str) -> bool:
    return CODE.fullmatch(value) is not None


def _(message: str) -> str:
    """Marks a message for the catalog (scripts/i18n.sh extracts `_`); pages translate it."""
    return message


def _refused(
    field: str, rule: str, message: str, actual: object = None, limit: object = None
) -> Invalid:
    return Invalid(
        message,
        code="link_refused",
        errors=[FieldError(field, rule, message, limit=limit, actual=actual)],
    )


def destination(url: str, field: str = "url") -> str:
    """The address, trimmed, if links to it can be tracked; Invalid says why not."""
    value = url.strip()
    if not value:
        raise _refused(field, "required", _("Give the web address the link leads to."))
    if _CONTROL.search(value):
        raise _refused(
            field, "spaces", _("A web address cannot contain spaces or control characters.")
        )
    if len(value) > MAX_SOURCE:
        message = _("This web address is too long to track (2,048 characters at most).")
        raise _refused(field, "max_length", message, actual=len(value), limit=MAX_SOURCE)
    try:
        parts = urlsplit(value)
        _port = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise _refused(field, "url", _("This is not a valid web address.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _refused(
            field,
            "scheme",
            _("Only web addresses starting with http:// or https:// can be tracked."),
            actual=scheme or None,
        )
    if not parts.hostname:
        raise _refused(field, "host", _("This web address has no site name after its http(s)://."))
    if parts.username is not None or parts.password is not None:
        raise _refused(
            field,
            "credentials",
            _(
                "An address with a user name or password in it cannot be tracked: "
                "it is a common way to disguise where a link goes."
            ),
        )
    return value


def with_utm(url: str, utm: Mapping[str, str]) -> str:
    """`url` with each UTM tag of `utm` it does not carry yet (any case) appended."""
    parts = urlsplit(url)
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    missing = [(key, value) for key, value in utm.items() if value and key.lower() not in present]
    if not missing:
        return url
    query = "&".join(q for q in (parts.query.rstrip("&"), urlencode(missing)) if q)
    return urlunsplit(parts._replace(query=query))


def utm_of(url: str) -> dict[str, str]:
    """The UTM tags an address carries (its first value for each)."""
    found: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in UTM_KEYS:
            found.setdefault(key.lower(), value)
    return found


def referrer_host(referer: str | None) -> str | None:
    """Only the host of the page the click came from (never its path: it may hold ids)."""
    if not referer:
        return None
    try:
        host = urlsplit(referer.strip()).hostname
    except ValueError:
        return None
    if not host or _CONTROL.search(host):
        return None
    return host[:255]
