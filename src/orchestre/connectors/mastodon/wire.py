"""Mastodon's wire: its error answers as typed errors, its HTML as text, its entities as ours."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from orchestre.connectors.base import (
    CredentialError,
    Interaction,
    InteractionKind,
    PermanentError,
    PublicPost,
)
from orchestre.connectors.http import (
    IDEMPOTENT_METHODS,
    error_reason,
    raise_for_answer,
    transport_error,
)

NETWORK = "mastodon"

# Refusals that mean the account (not the post) cannot act: a person must reconnect or
# sort the account out on the instance. Mastodon answers them with 403 or 422.
_ACCOUNT_REFUSALS = (
    "this method requires an authenticated user",
    "your login is currently disabled",
    "your login is missing a confirmed e-mail address",
    "your login is currently pending approval",
)


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    idempotent: bool | None = None,
    client_ref: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request to the instance; return a success or raise the typed error it means.

    On top of the shared mapping (429 with X-RateLimit-Reset, 5xx, 401, timeouts): a
    refusal that names the account itself (an app token without a user, a disabled or
    unconfirmed login) is a `CredentialError`, whatever its status.
    """
    if idempotent is None:
        idempotent = method.upper() in IDEMPOTENT_METHODS
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=NETWORK, idempotent=idempotent, client_ref=client_ref
        ) from exc
    if response.status_code in (403, 422):
        reason = error_reason(response)
        if reason.lower().startswith(_ACCOUNT_REFUSALS):
            raise CredentialError(
                f"{NETWORK} refused the account: {reason}", definitive=True, network=NETWORK
            )
    raise_for_answer(response, network=NETWORK)
    return response


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or a `PermanentError` saying the instance sent something else."""
    body = _json(response)
    if not isinstance(body, dict):
        raise PermanentError(
            f"{NETWORK} answered {response.request.url.path} with something that is not an object.",
            network=NETWORK,
        )
    return body


def json_list(response: httpx.Response) -> list[dict[str, Any]]:
    body = _json(response)
    if not isinstance(body, list):
        raise PermanentError(
            f"{NETWORK} answered {response.request.url.path} with something that is not a list.",
            network=NETWORK,
        )
    return [item for item in body if isinstance(item, dict)]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PermanentError(
            f"{NETWORK} answered {response.request.url.path} with something that is not JSON.",
            network=NETWORK,
        ) from exc


def link_cursor(response: httpx.Response, rel: str, param: str) -> str | None:
    """A page parameter (`min_id`, `max_id`) from the answer's Link header, if it has one."""
    link = response.links.get(rel)
    if not link or "url" not in link:
        return None
    values = parse_qs(urlsplit(link["url"]).query).get(param)
    return values[0] if values else None


# HTML -----------------------------------------------------------------------------------


class _TextOf(HTMLParser):
    """Status HTML to plain text: paragraphs become blank lines, <br> new lines. A link's
    parts that Mastodon hides for display (class "invisible": the scheme and the tail
    of a long address) are kept, so the text carries the whole address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees in a status's HTML `content`."""
    parser = _TextOf()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts).strip()


# Entities -------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime:
    """A Mastodon datetime (ISO 8601, UTC) as an aware datetime."""
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PermanentError(
            f"{NETWORK} sent a status without a valid date ({str(value)[:40]!r}).",
            network=NETWORK,
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def full_acct(account: Mapping[str, Any], host: str) -> str:
    """user@instance for everyone: a local account's `acct` is only its user name."""
    acct = str(account.get("acct") or account.get("username") or "")
    return acct if "@" in acct or not host else f"{acct}@{host}"


def status_text(status: Mapping[str, Any]) -> str:
    text = html_to_text(str(status.get("content") or ""))
    warning = str(status.get("spoiler_text") or "")
    return f"{warning}\n\n{text}" if warning else text


def interaction(
    status: Mapping[str, Any],
    kind: InteractionKind,
    *,
    own_id: str,
    host: str,
    post_external_id: str | None = None,
    parent_external_id: str | None = None,
) -> Interaction:
    account = status.get("account") or {}
    return Interaction(
        kind=kind,
        external_id=str(status["id"]),
        author_id=str(account.get("id", "")),
        author_handle=full_acct(account, host),
        author_name=str(account.get("display_name") or ""),
        text=status_text(status),
        created_at=parse_time(status.get("created_at")),
        language=status.get("language") or None,
        post_external_id=post_external_id,
        parent_external_id=parent_external_id,
        url=status.get("url") or status.get("uri") or None,
        own=str(account.get("id", "")) == own_id,
    )


def public_post(status: Mapping[str, Any], host: str) -> PublicPost:
    return PublicPost(
        external_id=str(status["id"]),
        author_handle=full_acct(status.get("account") or {}, host),
        text=status_text(status),
        created_at=parse_time(status.get("created_at")),
        url=status.get("url") or status.get("uri") or None,
        language=status.get("language") or None,
        metrics=counts(status),
    )


def counts(status: Mapping[str, Any]) -> dict[str, float]:
    """A status's public counters under our `Metric` names."""
    found: dict[str, float] = {}
    for key, metric in (
        ("favourites_count", "likes"),
        ("reblogs_count", "reposts"),
        ("replies_count", "comments"),
    ):
        value = status.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[metric] = float(value)
    return found
