"""The Graph API client Facebook, Instagram and Threads share: one version, one error map.

Meta's Graph API (graph.facebook.com, and graph.threads.net which speaks the same
dialect) answers a refusal with `{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id", "is_transient"}}`, sometimes with HTTP 200. What each code means here:

- 190 (and 102): the token is invalid, expired or revoked: definitive `CredentialError`.
- 4, 17, 32, 341, 613 and 80000-80099: app, user, page or business use case rate limits:
  `RetryableError`, waiting `estimated_time_to_regain_access` minutes from the
  `X-Business-Use-Case-Usage` / `X-App-Usage` / `X-Page-Usage` headers when present.
- `is_transient: true`, 1 (unknown) and 2 (service unavailable): `RetryableError`.
- 506 (duplicate status message): `PermanentError` with code "duplicate", as X's.
- anything else (100 invalid parameter, 368 blocked for policy, 10 and 200-299
  permissions): `PermanentError` with Meta's message and its code.

Tokens travel in the `Authorization: Bearer` header, never in an address, so they stay
out of logs; `appsecret_proof` is added when the operator's app secret is known (Meta
requires it when the app enables "Require App Secret").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from orchestre.connectors.base import (
    ConnectorError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import (
    REASON_MAX,
    make_client,
    raise_for_answer,
    retry_after_seconds,
    transport_error,
)
from orchestre.connectors.oauth import bearer_client

# The one Graph API version every Meta call uses (Facebook Login, Pages, Instagram).
# Meta supports a version for about two years; move it here, and only here.
GRAPH_VERSION = "v24.0"
GRAPH_URL = f"https://graph.facebook.com/{GRAPH_VERSION}"
# Non-resumable video uploads go to the video host (Pages API, "Publish videos").
GRAPH_VIDEO_URL = f"https://graph-video.facebook.com/{GRAPH_VERSION}"

CREDENTIAL_CODES = frozenset({102, 190})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613})
TRANSIENT_CODES = frozenset({1, 2})
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage")

Json = dict[str, Any]
Sleep = Callable[[float], None]
Monotonic = Callable[[], float]


DUPLICATE_CODE = 506


class GraphRefusal(PermanentError):
    """A Graph refusal, with Meta's `error_subcode` (100/33: the object does not exist)."""

    def __init__(self, reason: str, *, network: str, code: str, subcode: int) -> None:
        super().__init__(reason, network=network, code=code)
        self.subcode = subcode

    @property
    def gone(self) -> bool:
        return self.code == "100" and self.subcode == 33


def is_rate_limit(code: int) -> bool:
    return code in RATE_LIMIT_CODES or 80000 <= code < 80100


def regain_access_seconds(headers: httpx.Headers) -> float | None:
    """The longest `estimated_time_to_regain_access` (minutes) in Meta's usage headers."""
    found: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            _collect_regain(json.loads(raw), found)
        except (json.JSONDecodeError, ValueError):
            continue
    return max(found) * 60.0 if found else None


def _collect_regain(value: Any, found: list[float]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "estimated_time_to_regain_access" and isinstance(item, int | float):
                found.append(float(item))
            else:
                _collect_regain(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_regain(item, found)


def graph_error(response: httpx.Response, body: Any, *, network: str) -> ConnectorError | None:
    """The typed error a Graph answer carries, or None when it carries none."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    message = str(error.get("error_user_msg") or error.get("message") or "")[:REASON_MAX]
    message = message or f"{network} refused the request."
    try:
        code = int(error.get("code") or 0)
    except (TypeError, ValueError):
        code = 0
    if code in CREDENTIAL_CODES:
        return CredentialError(
            f"{network} refused the account's access token: {message}",
            definitive=True,
            network=network,
        )
    if is_rate_limit(code):
        wait = regain_access_seconds(response.headers)
        if wait is None:
            wait = retry_after_seconds(response)
        return RetryableError(
            f"{network} asks us to slow down: {message}", retry_after=wait, network=network
        )
    if error.get("is_transient") is True or code in TRANSIENT_CODES or response.status_code >= 500:
        return RetryableError(
            f"{network} had a temporary problem: {message}",
            retry_after=retry_after_seconds(response),
            network=network,
        )
    try:
        subcode = int(error.get("error_subcode") or 0)
    except (TypeError, ValueError):
        subcode = 0
    # 506 "Duplicate status message": the same words went out already, maybe by our own
    # earlier attempt; the engine's common code lets it hold such a post for a person.
    refused_as = "duplicate" if code == DUPLICATE_CODE else str(code or response.status_code)
    return GraphRefusal(message, network=network, code=refused_as, subcode=subcode)


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the token keyed by the app secret, as Meta's "Require App Secret" asks."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def parse_time(value: Any) -> datetime:
    """A Graph timestamp (`2030-03-15T09:00:00+0000`) or a Unix time, in UTC."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    at = datetime.fromisoformat(str(value))
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


class Graph:
    """An authenticated Graph client for one token; every answer is JSON or a typed error."""

    def __init__(
        self,
        access_token: str,
        *,
        network: str,
        base_url: str = GRAPH_URL,
        transport: httpx.BaseTransport | None = None,
        app_secret: str | None = None,
    ) -> None:
        self.network = network
        self._token = access_token
        # No token: the app's own calls (token exchanges) that carry their secrets in the body.
        self._client = (
            bearer_client(access_token, base_url=base_url, transport=transport)
            if access_token
            else make_client(base_url=base_url, transport=transport)
        )
        self._proof = (
            appsecret_proof(access_token, app_secret) if app_secret and access_token else None
        )

    def upload_auth(self) -> dict[str, str]:
        """The `Authorization: OAuth <token>` header Meta's upload host documents."""
        return {"Authorization": f"OAuth {self._token}"}

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Json:
        return self.call("GET", path, params=params)

    def post(
        self,
        path: str,
        data: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, Any] | None = None,
        idempotent: bool = False,
        client_ref: str | None = None,
    ) -> Json:
        return self.call(
            "POST", path, data=data, files=files, idempotent=idempotent, client_ref=client_ref
        )

    def delete(self, path: str) -> Json:
        return self.call("DELETE", path)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        client_ref: str | None = None,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
    ) -> Json:
        """Send one call; `idempotent` says whether a timeout after sending is harmless.
        `headers` and a raw `content` body serve the upload hosts (rupload)."""
        query = {k: _form_value(v) for k, v in (params or {}).items() if v is not None}
        if self._proof and not path.startswith("https://rupload."):
            # The upload host authenticates by header alone.
            query["appsecret_proof"] = self._proof
        form = {k: _form_value(v) for k, v in (data or {}).items() if v is not None}
        if idempotent is None:
            idempotent = method in {"GET", "DELETE"}
        try:
            response = self._client.request(
                method,
                path,
                params=query or None,
                data=form or None,
                files=files,
                headers=headers,
                content=content,
            )
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, network=self.network, idempotent=idempotent, client_ref=client_ref
            ) from exc
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            body = None
        error = graph_error(response, body, network=self.network)
        if error is not None:
            raise error
        raise_for_answer(response, network=self.network)
        if not isinstance(body, dict):
            # Meta answers every call with a JSON object; anything else is an outage page.
            raise RetryableError(
                f"{self.network} answered something that is not JSON.", network=self.network
            )
        return body


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass(frozen=True)
class Poller:
    """How long to wait for a media container: injectable so tests never sleep."""

    sleep: Sleep = time.sleep
    monotonic: Monotonic = time.monotonic
    interval: float = 3.0
    deadline: float = 300.0


def wait_for_container(
    graph: Graph,
    container_id: str,
    *,
    poller: Poller,
    field: str,
    error_field: str | None = None,
) -> None:
    """Poll a container until Meta says FINISHED; ERROR or EXPIRED is a `PermanentError`,
    and a container still processing at the deadline a `RetryableError`."""
    fields = field if error_field is None else f"{field},{error_field}"
    started = poller.monotonic()
    while True:
        answer = graph.get(f"/{container_id}", {"fields": fields})
        status = str(answer.get(field) or "").upper()
        if status in {"FINISHED", "PUBLISHED"}:
            return
        if status in {"ERROR", "EXPIRED"}:
            detail = str(answer.get(error_field) or "") if error_field else ""
            reason = f"{graph.network} could not process the media ({status.lower()})"
            raise PermanentError(
                f"{reason}: {detail}." if detail else f"{reason}.",
                network=graph.network,
                code=status.lower(),
            )
        if poller.monotonic() - started >= poller.deadline:
            raise RetryableError(
                f"{graph.network} is still processing the media after "
                f"{int(poller.deadline)} seconds; nothing was published.",
                network=graph.network,
            )
        poller.sleep(poller.interval)
