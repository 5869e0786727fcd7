"""Signed outgoing webhooks: the signature, the address rule, one attempt, the retry delay.

Every delivery is a POST of a JSON body with three headers:

- `Orchestre-Event`: the event type, e.g. `publication.failed`;
- `Orchestre-Delivery`: the delivery's id, the same on every retry of it (a receiver that
  stores the ids it has handled can drop a repeat);
- `Orchestre-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is the HMAC-SHA256 of
  `"<t>.<raw body>"` keyed with the endpoint's secret (the whole `whsec_...` string).

To verify on the receiving side (Python; any language with HMAC-SHA256 does the same):

    t, v1 = (dict(p.split("=", 1) for p in header.split(","))[k] for k in ("t", "v1"))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + raw_body, hashlib.sha256)
    ok = hmac.compare_digest(expected.hexdigest(), v1) and abs(time.time() - int(t)) < 300

Compare against the raw bytes received, before any JSON parsing, and refuse an old
timestamp so a captured request cannot be replayed later. `verify()` below does exactly
this and is what the tests use.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from orchestre import __version__

EVENTS = (
    "publication.failed",
    "publication.needs_attention",
    "publication.published",
    "channel.needs_reconnection",
    "inbox.response_overdue",
    "moderation.escalated",
    "crisis.alert",
)
SIGNATURE_HEADER = "Orchestre-Signature"
EVENT_HEADER = "Orchestre-Event"
DELIVERY_HEADER = "Orchestre-Delivery"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
TOLERANCE_SECONDS = 300
URL_MAX = 2048
ERROR_MAX = 500
USER_AGENT = f"Orchestre-Webhooks/{__version__}"
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _(message: str) -> str:
    """Marks a message for the catalog; pages translate it when they show it."""
    return message


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """Enough of the secret to tell two apart, far too little to guess it."""
    return secret[: len(SECRET_PREFIX) + 4]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Orchestre-Signature` header value for this body at this instant."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance` seconds old."""
    parts: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def url_problem(url: str) -> str | None:
    """Why this address cannot receive webhooks, or None: https, or http to this machine."""
    if len(url) > URL_MAX:
        return _("The address is too long (at most 2048 characters).")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _port = parts.port  # a port that is not a number raises here
    except ValueError:
        return _("The address is not a valid URL.")
    if parts.scheme not in ("https", "http") or not host:
        return _("The address must start with https:// and name a host.")
    if parts.username or parts.password:
        return _("The address must not carry a user name or password; use the signing secret.")
    if parts.scheme == "http" and not _local(host):
        return _("The address must use https (http is allowed only for localhost and 127.0.0.1).")
    return None


def _local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Outcome:
    """What one attempt got back."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    secret: str,
    event: str,
    delivery_id: str,
    timestamp: int,
    monotonic: Callable[[], float] = time.monotonic,
) -> Outcome:
    """One signed POST. 2xx is delivered; 5xx, 429, timeouts and refused connections are
    worth another try; any other answer (4xx) is the receiver refusing, and is not."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    started = monotonic()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return Outcome(
            None, _ms(monotonic() - started), "The receiver did not answer in time.", True
        )
    except httpx.TransportError as exc:
        why = f"Could not reach the receiver ({type(exc).__name__})."
        return Outcome(None, _ms(monotonic() - started), why, True)
    elapsed = _ms(monotonic() - started)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(code, elapsed)
    snippet = response.text[:200].strip()
    error = f"HTTP {code}" + (f": {snippet}" if snippet else "")
    retryable = code == 429 or code >= 500
    return Outcome(code, elapsed, error[:ERROR_MAX], retryable, _retry_after(response))


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `max_attempts` tries, waiting base, 2 base, 4 base ... (at most `ceiling`),
    each delay drawn between half and all of it (jitter, so receivers coming back from an
    outage are not hit by every sender at once), never sooner than Retry-After.

    The waits happen inside the delivery's job, on a worker thread that publishing shares:
    the defaults keep one delivery under about 30 s of waiting, and an endpoint that
    already failed gets one attempt per delivery until it answers again (see dispatch)."""

    max_attempts: int = 5
    base: float = 2.0
    ceiling: float = 30.0
    # Consecutive failed deliveries after which the endpoint is switched off.
    disable_after: int = 5

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        full = float(min(self.ceiling, self.base * 2 ** max(0, attempt - 1)))
        jittered = full / 2 + rng.random() * full / 2
        if retry_after is not None:
            jittered = max(jittered, min(retry_after, self.ceiling))
        return jittered
