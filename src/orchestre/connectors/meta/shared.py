"""What the three Meta connectors share beyond the client: media addresses, pages, insights."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from orchestre.connectors.base import (
    AmbiguousError,
    ConnectorError,
    Interaction,
    InteractionPage,
    MediaRef,
    Metric,
    MetricSample,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.meta.graph import Graph, GraphRefusal, Json, parse_time
from orchestre.kit.clock import utcnow

log = logging.getLogger("orchestre.connectors.meta")

# Meta documents its token exchanges with the secrets in the query string; httpx logs each
# request's address at INFO. Scrub them from those records so no secret reaches a log.
_SECRET_PARAMS = re.compile(
    r"((?:access_token|client_secret|fb_exchange_token|appsecret_proof|code)=)[^&\s\"']+"
)


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            # Only text and addresses are rewritten: numbers keep their %d.
            record.args = tuple(_scrub(a) for a in record.args)
        record.msg = _scrub(record.msg)
        return True


def _scrub(value: Any) -> Any:
    if isinstance(value, int | float) or value is None:
        return value
    text = str(value)
    return _SECRET_PARAMS.sub(r"\1[redacted]", text) if "=" in text else value


_redactor = _RedactSecrets()
if _redactor not in logging.getLogger("httpx").filters:
    logging.getLogger("httpx").addFilter(_redactor)


def is_video(media: MediaRef) -> bool:
    return media.content_type.split("/", 1)[0] == "video"


def public_url(media: MediaRef, *, network: str) -> str:
    """The media's https address: Meta fetches Instagram and Threads media itself."""
    if urlparse(media.uri).scheme == "https":
        return media.uri
    raise PermanentError(
        f"{network} fetches media from a public https address; "
        f"'{Path(unquote(urlparse(media.uri).path)).name}' is not one. "
        "Publish it from Orchestre's public media address.",
        network=network,
        code="media_not_public",
    )


def local_file(media: MediaRef, *, network: str) -> Path | None:
    """The local file behind a `file:` address or a plain path; None for an https address."""
    parsed = urlparse(media.uri)
    if parsed.scheme == "https":
        return None
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme == "" or (len(parsed.scheme) == 1 and media.uri[1:3] == ":\\"):
        path = Path(media.uri)
    else:
        raise PermanentError(
            f"{network} takes media as a local file or an https address, not {parsed.scheme}.",
            network=network,
            code="media_address",
        )
    if not path.is_file():
        raise PermanentError(
            f"The media file {path.name} is missing.", network=network, code="media_missing"
        )
    return path


def page(
    answer: Mapping[str, Any],
    parse: Callable[[Mapping[str, Any]], Iterable[Interaction]],
) -> InteractionPage:
    """A Graph page (`data` and `paging`) as interactions, oldest first."""
    items = [i for entry in answer.get("data") or () for i in parse(entry)]
    items.sort(key=lambda i: (i.created_at, i.external_id))
    paging = answer.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    return InteractionPage(
        items=items,
        next_cursor=str(after) if after else None,
        has_more=bool(paging.get("next")),
    )


def insight_values(answer: Mapping[str, Any]) -> dict[str, float]:
    """Insights `data` entries by name: `values[0].value` or `total_value.value`."""
    found: dict[str, float] = {}
    for entry in answer.get("data") or ():
        name = entry.get("name")
        values = entry.get("values") or []
        value: Any = None
        if values and isinstance(values[-1], dict):
            value = values[-1].get("value")
        if value is None and isinstance(entry.get("total_value"), dict):
            value = entry["total_value"].get("value")
        if isinstance(name, str) and isinstance(value, int | float):
            found[name] = float(value)
    return found


def optional_insights(graph: Graph, path: str, metrics: Iterable[str]) -> dict[str, float]:
    """Insights by name, or none when Meta refuses them (too few viewers or followers, an
    expired story, a metric the object lacks): the counts asked beside them still hold."""
    try:
        return insight_values(graph.get(path, {"metric": ",".join(metrics)}))
    except GraphRefusal as exc:
        log.info("%s: no insights at %s: %s", exc.network, path, exc.reason)
        return {}


def account_figures(
    graph: Graph,
    account: str,
    followers: int | None,
    visits_metric: str,
    params: Mapping[str, Any],
) -> list[MetricSample]:
    """An account's followers now and its profile visits over the last whole day (UTC),
    said at the end of that day: `visits_metric` from `/{account}/insights`, period day.
    Insights refused (too few followers, a permission missing) leave the visits out."""
    now = utcnow()
    samples = []
    if followers is not None:
        samples.append(MetricSample(account, Metric.FOLLOWERS.value, float(followers), now))
    until = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = until - timedelta(days=1)
    query = {"metric": visits_metric, "period": "day", **params}
    query |= {"since": int(since.timestamp()), "until": int(until.timestamp())}
    try:
        found = insight_values(graph.get(f"/{account}/insights", query))
    except GraphRefusal as exc:
        log.info("%s: no account insights for %s: %s", exc.network, account, exc.reason)
        return samples
    if visits_metric in found:
        samples.append(
            MetricSample(account, Metric.PROFILE_VISITS.value, found[visits_metric], until)
        )
    return samples


def absolute(url: Any) -> str | None:
    """Facebook gives some permalinks as paths (`/page/videos/1/`)."""
    if not isinstance(url, str) or not url:
        return None
    return f"https://www.facebook.com{url}" if url.startswith("/") else url


def unverifiable(network: str, where: str) -> PermanentError:
    """What `find_by_client_ref` raises: Meta keeps no idempotency key, so an earlier
    attempt cannot be looked up by Orchestre's reference, and guessing could publish twice."""
    return PermanentError(
        f"{network} cannot look a post up by Orchestre's reference; check {where} "
        "before publishing again.",
        network=network,
        code="unverifiable",
    )


def publish_container(
    graph: Graph,
    path: str,
    container: str,
    *,
    client_ref: str | None,
    status_field: str,
    recent_path: str,
    text_field: str,
    text: str,
) -> Json:
    """Publish a container; when the answer is lost, ask the container before giving up.

    A container whose status says PUBLISHED went out: its post is the newest of the
    account's recent ones with the same text. Anything less certain stays an
    `AmbiguousError` (Meta may still be publishing it).
    """
    try:
        return graph.post(path, {"creation_id": container}, client_ref=client_ref)
    except AmbiguousError:
        found = _published_after_all(graph, container, status_field, recent_path, text_field, text)
        if found is None:
            raise
        log.info("%s: container %s was published after all", graph.network, container)
        return found


def _published_after_all(
    graph: Graph, container: str, status_field: str, recent_path: str, text_field: str, text: str
) -> Json | None:
    try:
        status = graph.get(f"/{container}", {"fields": status_field}).get(status_field)
        if str(status or "").upper() != "PUBLISHED":
            return None
        recent = graph.get(recent_path, {"fields": f"id,{text_field}", "limit": 10})
    except ConnectorError:
        return None
    for item in recent.get("data") or ():
        if item.get("id") and str(item.get(text_field) or "") == text:
            return {"id": str(item["id"])}
    return None


def check_publishing_limit(graph: Graph, limit_path: str, posts_path: str, name: str) -> None:
    """Refuse with a `RetryableError` when the 24-hour API publishing limit is reached
    (Instagram's `content_publishing_limit`, Threads' `threads_publishing_limit`), waiting
    until the oldest post of the window leaves it."""
    answer = graph.get(limit_path, {"fields": "quota_usage,config"})
    entry: Mapping[str, Any] = (answer.get("data") or [{}])[0]
    config = entry.get("config") or {}
    usage, total = entry.get("quota_usage"), config.get("quota_total")
    if not isinstance(usage, int) or not isinstance(total, int) or usage < total:
        return
    window = float(config.get("quota_duration") or 86400)
    frees = _slot_frees_at(graph, posts_path, window)
    when = (
        f"a post can go out again at {frees:%Y-%m-%d %H:%M} UTC"
        if frees
        else "a post can go out again within 24 hours"
    )
    raise RetryableError(
        f"The {name} limit of {total} posts published through the API in "
        f"{int(window // 3600)} hours is reached; {when}.",
        retry_after=max(0.0, (frees - utcnow()).total_seconds()) if frees else None,
        network=graph.network,
    )


def _slot_frees_at(graph: Graph, posts_path: str, window: float) -> datetime | None:
    since = utcnow() - timedelta(seconds=window)
    answer = graph.get(
        posts_path, {"fields": "id,timestamp", "since": int(since.timestamp()), "limit": 100}
    )
    times = [parse_time(m["timestamp"]) for m in answer.get("data") or () if m.get("timestamp")]
    in_window = [t for t in times if t >= since]
    return min(in_window) + timedelta(seconds=window) if in_window else None


def lookup_published(graph: Graph, object_id: str, fields: str) -> Json:
    """Where a post that is already live can be seen. Its publication succeeded: a failure
    to read its address is logged and leaves the address out, never raised (a retry
    would publish it twice)."""
    try:
        return graph.get(f"/{object_id}", {"fields": fields})
    except ConnectorError as exc:
        log.warning("%s: post %s is live but could not be read: %s", graph.network, object_id, exc)
        return {"id": object_id}
