"""Sending one claimed publication: the only code that asks a network to publish.

Three steps, two transactions, and the network call between them:

1. Under the claim (one query reads the row, its variant, its channel and any pause):
   check the variant is still due as planned, the channel usable and the workspace not
   paused; take a rate-limit token; mark the row `sending` with
   `uncertain` set, and commit. From here on, a worker that dies leaves a row whose
   lease lapses and whose next holder must look on the network first.
2. Outside any transaction: if an earlier attempt may have reached the network, look
   for it, by our reference (`find_by_client_ref`) or, on networks that keep none, by
   content among the account's posts since that attempt (`find_by_fingerprint`);
   publish only if it is certainly not there. Unsure (the listing was cut short, or too
   fresh to trust) is an ambiguous outcome: look again later, then a person decides.
3. Record what the network said: published, retry later (backoff with jitter, never
   sooner than Retry-After), failed with the network's reason, or needs attention.

A claim whose token no longer matches was taken over after its lease lapsed: its
failures are not recorded (the new holder decides), but a success always is.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from orchestre.analytics.links import track_text, track_variant_links
from orchestre.channels import service as channels
from orchestre.connectors.base import (
    AmbiguousError,
    ConnectorError,
    CredentialError,
    DraftPost,
    Installation,
    PermanentError,
    PublishedRef,
    RetryableError,
)
from orchestre.delivery import events as delivery_events
from orchestre.kit.clock import utcnow
from orchestre.media.storage import MediaStorage
from orchestre.models import (
    Channel,
    ChannelStatus,
    PostVariant,
    VariantMedia,
    VariantState,
    Workspace,
)
from orchestre.models.delivery import WebhookEndpoint
from orchestre.models.publication import Publication, PublicationState, PublishingPause
from orchestre.posts import states
from orchestre.publishing import notices, recurrence
from orchestre.publishing.claims import still_held
from orchestre.publishing.gateway import Gateway, draft_of
from orchestre.publishing.policy import EnginePolicy, retry_delay
from orchestre.publishing.ratelimit import Limiter

log = logging.getLogger(__name__)
P = PublicationState
S = VariantState


@dataclass
class SendContext:
    """What sending needs besides the database: the way to the networks and the rules."""

    gateway: Gateway
    policy: EnginePolicy = field(default_factory=EnginePolicy)
    limiter: Limiter | None = None
    media_root: Path | None = None
    # Where media files are kept (None: the folder media_root).
    media_storage: MediaStorage | None = None
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    # Where the short-link redirector answers (None: links are never rewritten).
    link_base_url: str | None = None


@dataclass(frozen=True)
class _Loaded:
    publication: Publication
    variant: PostVariant | None
    channel: Channel | None
    paused: bool
    has_media: bool
    track_links: bool


def _load_statement() -> Select[Publication, PostVariant, Channel, bool, bool, bool]:
    paused = exists().where(
        PublishingPause.workspace_id == Publication.workspace_id,
        (PublishingPause.channel_id.is_(None))
        | (PublishingPause.channel_id == Publication.channel_id),
    )
    has_media = exists().where(VariantMedia.variant_id == Publication.variant_id)
    return (
        select(Publication, PostVariant, Channel, paused, has_media, Workspace.track_links)
        .outerjoin(PostVariant, PostVariant.id == Publication.variant_id)
        .outerjoin(Channel, Channel.id == Publication.channel_id)
        .join(Workspace, Workspace.id == Publication.workspace_id)
        .where(Publication.id.in_(bindparam("publication_ids", expanding=True)))
        .execution_options(populate_existing=True)
    )


# Built once: building a statement costs more CPU than SQLite takes to run it. PostgreSQL
# locks the publications' rows (in id order, so two workers never wait on each other in a
# circle); SQLite's BEGIN IMMEDIATE has locked the database already.
_LOAD = _load_statement()
_LOAD_LOCKED = _LOAD.order_by(Publication.id).with_for_update(of=Publication)


def _reload_statement() -> Select[Publication, PostVariant, bool]:
    """After the network call: the rows and whether any webhook endpoint of the workspace
    may want the event (none in most workspaces: then the event costs no query). The
    channel is not read again: the session keeps it from before the call."""
    listened = exists().where(
        WebhookEndpoint.workspace_id == Publication.workspace_id,
        WebhookEndpoint.enabled.is_(True),
    )
    return (
        select(Publication, PostVariant, listened)
        .outerjoin(PostVariant, PostVariant.id == Publication.variant_id)
        .where(Publication.id.in_(bindparam("publication_ids", expanding=True)))
        .execution_options(populate_existing=True)
    )


_RELOAD = _reload_statement()
_RELOAD_LOCKED = _RELOAD.order_by(Publication.id).with_for_update(of=Publication)


def _load_many(session: Session, publication_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Loaded]:
    """The publications under their row locks, each with its variant, its channel, whether
    its workspace or channel is paused and whether the variant has media: one query.

    Read afresh (sessions keep objects across commits): after the network call, another
    worker may have taken a row over, and the fencing check must see it."""
    if not publication_ids:
        return {}
    stmt = _LOAD_LOCKED if _postgres(session) else _LOAD
    found = {}
    for publication, variant, channel, paused_now, with_media, track in session.execute(
        stmt, {"publication_ids": list(publication_ids)}
    ):
        found[publication.id] = _Loaded(
            publication, variant, channel, bool(paused_now), bool(with_media), bool(track)
        )
    return found


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class _Reloaded:
    publication: Publication
    variant: PostVariant | None
    listened: bool


def _reload_many(
    session: Session, publication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, _Reloaded]:
    """The publications under their row locks again after their network calls, read
    afresh (another worker may have taken a row over, and the fencing check must see it)."""
    stmt = _RELOAD_LOCKED if _postgres(session) else _RELOAD
    return {
        publication.id: _Reloaded(publication, variant, bool(listened))
        for publication, variant, listened in session.execute(
            stmt, {"publication_ids": list(publication_ids)}
        )
    }


def _release(publication: Publication, not_before: datetime | None = None) -> None:
    publication.state = P.SCHEDULED.value
    publication.claim_token = None
    publication.claimed_by = None
    publication.lease_expires_at = None
    publication.not_before = not_before


def _still_planned(publication: Publication, variant: PostVariant) -> bool:
    """The variant is still scheduled for this publication's instant (or was being sent)."""
    if variant.state == S.PUBLISHING.value:
        return publication.uncertain
    return variant.state == S.SCHEDULED.value and variant.scheduled_at == publication.due_at


def _planned(session: Session, publication: Publication, variant: PostVariant) -> bool:
    """Queueing: a repeating variant's occurrences (> 0) are checked by the recurrence
    rules (the variant stays published between copies); a one-off as above."""
    if publication.occurrence > 0:
        return recurrence.repeat_planned(session, publication, variant)
    return _still_planned(publication, variant)


def send(session: Session, ctx: SendContext, publication_id: uuid.UUID, token: str) -> str:
    """Send one claimed publication; returns what happened (for logs, tests and benchmarks).

    The caller commits the outcome (the worker's job transaction)."""
    return send_many(session, ctx, [(publication_id, token)])[0]


def send_many(
    session: Session, ctx: SendContext, claims: Sequence[tuple[uuid.UUID, str]]
) -> list[str]:
    """Send several claimed publications with one transaction before the network calls
    and one after, instead of two each: in a burst, what a send costs is mostly those
    transactions (and, with SQLite, its one writer). Returns each one's outcome, in order.

    Every publication goes through the same three steps as alone; if recording the
    outcomes together fails, each is recorded again in its own transaction, so one bad row
    never loses another's outcome (a row left `sending` is looked up on the network by its
    next holder, never sent twice). The caller commits the last transaction."""
    now = ctx.clock()
    loaded = _load_many(session, [publication_id for publication_id, _ in claims])
    outcomes: dict[uuid.UUID, str] = {}
    ready: list[_Ready] = []
    for publication_id, token in claims:
        prepared = _prepare(session, ctx, loaded.get(publication_id), token, now)
        if isinstance(prepared, str):
            outcomes[publication_id] = prepared
        else:
            ready.append(prepared)
    if not ready:
        session.flush()
        return [outcomes[publication_id] for publication_id, _ in claims]
    session.commit()

    answers = _ask_all(ready, ctx.clock)
    try:
        outcomes.update(_finish_all(session, ctx, answers))
        session.flush()
    except Exception:
        if len(answers) == 1:
            raise
        log.exception("recording %d outcomes together failed; recording each alone", len(answers))
        session.rollback()
        for answer in answers:
            try:
                outcomes.update(_finish_all(session, ctx, [answer]))
                session.commit()
            except Exception:
                log.exception("recording publication %s failed", answer[0].publication_id)
                session.rollback()
                outcomes[answer[0].publication_id] = "unrecorded"
    return [outcomes[publication_id] for publication_id, _ in claims]


@dataclass(frozen=True)
class _Ready:
    """A publication marked `sending`, with what its network call needs."""

    publication_id: uuid.UUID
    token: str
    channel_id: uuid.UUID
    installation: Installation
    draft: DraftPost
    lookup_ref: str
    # When the attempt that may have reached the network started (None: none may have).
    since: datetime | None
    # The network call must start before this instant (half the send lease after the
    # mark), else it is not made: a lease that lapses mid-call lets another worker in.
    call_by: datetime


def _prepare(
    session: Session, ctx: SendContext, loaded: _Loaded | None, token: str, now: datetime
) -> _Ready | str:
    """Step 1 for one publication: its checks, a rate-limit token and the `sending` mark
    (committed by the caller); or the outcome when it is not to be sent now."""
    if loaded is None or loaded.publication.state != P.CLAIMED.value:
        return "fenced"
    publication, variant, channel = loaded.publication, loaded.variant, loaded.channel
    if not still_held(publication, token, now):
        return "fenced"
    if variant is None or channel is None or not _planned(session, publication, variant):
        publication.state = P.CANCELLED.value
        publication.claim_token = None
        return "cancelled"
    if loaded.paused:
        _release(publication)
        return "paused"
    if channel.status != ChannelStatus.CONNECTED.value:
        reason = channel.status_reason or "The channel is not connected."
        _needs_attention(session, publication, variant, channel, "channel", reason)
        return "needs_attention"
    if ctx.limiter is not None:
        wait = ctx.limiter.acquire(channel.network, str(channel.id), now)
        if wait > 0:
            _release(publication, now + timedelta(seconds=wait))
            return "throttled"
    look_first = publication.uncertain
    # The attempt that may have reached the network; later ones did not (each published
    # only after finding nothing), so the account's posts since it are enough to look at.
    earlier_attempt = publication.sending_started_at or publication.due_at
    draft = draft_of(
        session,
        variant,
        publication.client_ref,
        ctx.media_root,
        media=loaded.has_media,
        storage=ctx.media_storage,
    )
    if loaded.track_links and ctx.link_base_url:
        # The same short links on every attempt, so a lookup by content still matches.
        draft = _tracked(session, draft, variant, channel, publication.id, ctx.link_base_url)
    try:
        installation = ctx.gateway.open(session, channel)
    except RetryableError as exc:  # the token refresh could not be done now: later
        delay = retry_delay(
            publication.attempts + 1,
            retry_after=exc.retry_after,
            base=ctx.policy.base_delay,
            ceiling=ctx.policy.max_delay,
            rng=ctx.rng,
        )
        _release(publication, now + timedelta(seconds=delay))
        publication.last_error, publication.last_error_kind = exc.message[:2000], "retryable"
        return "retry"
    except Exception as exc:  # refused credentials, unknown network: a person must act
        log.warning(
            "publication %s: channel %s cannot be opened: %s", publication.id, channel.id, exc
        )
        _needs_attention(session, publication, variant, channel, "channel", str(exc))
        return "needs_attention"
    publication.state = P.SENDING.value
    publication.uncertain = True
    publication.attempts += 1
    # Kept while we only look: a lookup cut short must leave the window where it was.
    publication.sending_started_at = earlier_attempt if look_first else now
    publication.lease_expires_at = now + ctx.policy.send_lease
    if variant.state == S.SCHEDULED.value:
        _move_variant(variant, S.PUBLISHING)
    return _Ready(
        publication_id=publication.id,
        token=token,
        channel_id=channel.id,
        installation=installation,
        draft=draft,
        lookup_ref=publication.network_ref or publication.client_ref,
        since=earlier_attempt if look_first else None,
        call_by=now + ctx.policy.send_lease / 2,
    )


def _tracked(
    session: Session,
    draft: DraftPost,
    variant: PostVariant,
    channel: Channel,
    publication_id: uuid.UUID,
    base_url: str,
) -> DraftPost:
    """The draft with its addresses (text, link, first comment, thread parts) replaced by
    tracked short links, the same ones on every attempt."""
    text, link = track_variant_links(
        session, variant=variant, channel=channel, publication_id=publication_id, base_url=base_url
    )

    def track(other: str) -> str:
        return track_text(
            session,
            variant=variant,
            channel=channel,
            publication_id=publication_id,
            base_url=base_url,
            text=other,
        )

    first = draft.first_comment
    return replace(
        draft,
        text=text,
        link=link,
        first_comment=track(first) if first else first,
        thread=[track(part) for part in draft.thread],
    )


_Reply = tuple[PublishedRef | BaseException, bool, datetime | None]
_Answer = tuple[_Ready, _Reply | None]
# The network calls of a job of several publications run side by side, so each starts
# right after the `sending` mark whatever its place in the job (its send lease runs from
# that mark). Shared by the process's jobs; a call that would start too late is not made.
_CALLS: ThreadPoolExecutor | None = None
_CALLS_LOCK = threading.Lock()


def _calls() -> ThreadPoolExecutor:
    global _CALLS
    with _CALLS_LOCK:
        if _CALLS is None:
            _CALLS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="orchestre-send")
        return _CALLS


def _ask_all(ready: list[_Ready], clock: Callable[[], datetime]) -> list[_Answer]:
    def ask(item: _Ready) -> _Reply | None:
        if clock() >= item.call_by:
            return None  # its lease is running out before the call could start: not now
        return _ask_network(item.installation, item.lookup_ref, item.since, item.draft, clock)

    if len(ready) == 1:
        return [(ready[0], ask(ready[0]))]
    futures = [(item, _calls().submit(ask, item)) for item in ready]
    return [(item, future.result()) for item, future in futures]


def _finish_all(session: Session, ctx: SendContext, answers: list[_Answer]) -> dict[uuid.UUID, str]:
    """Step 3 for each answered publication, read afresh under its lock (another worker
    may have taken a row over during the call, and the fencing check must see it)."""
    reloaded = _reload_many(session, [item.publication_id for item, _ in answers])
    outcomes: dict[uuid.UUID, str] = {}
    for item, reply in answers:
        found = reloaded.get(item.publication_id)
        if found is None or found.variant is None:
            outcomes[item.publication_id] = "vanished"
            continue
        publication = found.publication
        if reply is None:
            outcomes[item.publication_id] = _not_asked(publication, found.variant, item)
            continue
        result, from_lookup, sent_at = reply
        if sent_at is not None and publication.claim_token == item.token:
            publication.sending_started_at = sent_at  # the attempt a next lookup starts from
        outcomes[item.publication_id] = _record(
            session,
            ctx,
            publication,
            found.variant,
            item.channel_id,
            item.token,
            result,
            from_lookup,
            listened=found.listened,
        )
    return outcomes


def _not_asked(publication: Publication, variant: PostVariant, item: _Ready) -> str:
    """The network was not asked (the call would have started too late): back to the queue
    as it was before this attempt, unless another worker holds it now."""
    if publication.claim_token != item.token or publication.state != P.SENDING.value:
        return "fenced"
    _release(publication)
    publication.attempts = max(0, publication.attempts - 1)
    publication.uncertain = item.since is not None
    if variant.state == S.PUBLISHING.value and not publication.uncertain:
        _move_variant(variant, S.SCHEDULED)
    return "postponed"


def _ask_network(
    installation: Installation,
    client_ref: str,
    since: datetime | None,
    draft: DraftPost,
    clock: Callable[[], datetime],
) -> tuple[PublishedRef | BaseException, bool, datetime | None]:
    """The network's answer: a reference, or the error it raised; whether it came from
    looking for an earlier attempt (so we still do not know); when we asked to publish
    (None: we did not).

    `since` is when the attempt that may have reached the network started (None: no
    attempt may have, publish straight away)."""
    if since is not None:
        try:
            found = _look_for_earlier(installation, client_ref, since, draft)
        except ConnectorError as exc:
            return exc, True, None
        except Exception as exc:
            log.exception("looking for publication %s on the network failed", client_ref)
            return exc, True, None
        if found is not None:
            return found, True, None
    sent_at = clock()
    try:
        return installation.publish(draft), False, sent_at
    except PermanentError as exc:
        # Refused as a duplicate right after a lookup found nothing: the earlier attempt
        # may have landed after all, so this is no failure of ours; a person checks.
        return exc, since is not None and exc.code == "duplicate", sent_at
    except ConnectorError as exc:
        return exc, False, sent_at
    except Exception as exc:  # a connector bug: whether the request left is unknown
        log.exception("publishing %s raised an unexpected error", client_ref)
        return AmbiguousError(f"Unexpected error while publishing: {exc}"), False, sent_at


def _look_for_earlier(
    installation: Installation, client_ref: str, since: datetime, draft: DraftPost
) -> PublishedRef | None:
    """Our earlier attempt's post, by reference, else by content; None when certainly
    absent. Raises what the network said when it cannot tell."""
    try:
        return installation.find_by_client_ref(client_ref)
    except PermanentError as exc:
        if exc.code != "unverifiable":
            raise
    found = installation.find_by_fingerprint(draft, since)
    if found is not None:
        log.info("publication %s: found on the network by its content", client_ref)
    return found


def _record(
    session: Session,
    ctx: SendContext,
    publication: Publication,
    variant: PostVariant,
    channel_id: uuid.UUID,
    token: str,
    result: PublishedRef | BaseException,
    from_lookup: bool,
    *,
    listened: bool = True,
) -> str:
    now = ctx.clock()
    if isinstance(result, PublishedRef):
        return _published(session, publication, variant, result, now, listened=listened)
    if publication.claim_token != token or publication.state != P.SENDING.value:
        return "fenced"  # taken over after our lease lapsed: the new holder decides
    if isinstance(result, CredentialError) and result.definitive:
        reason = result.message
        _needs_attention(session, publication, variant, None, "credentials", reason)
        channels.mark_needs_reconnection(session, channel_id, reason)
        return "needs_attention"
    if isinstance(result, PermanentError) and from_lookup:
        # An earlier attempt may be live and the network cannot be asked: a person checks.
        why = (
            "The network may have published it after an unanswered request, and it cannot "
            f"be checked from here ({result.reason}). Look at the account: if the post is "
            "not there, publish it now."
        )
        _needs_attention(session, publication, variant, None, "unverifiable", why)
        return "needs_attention"
    if isinstance(result, PermanentError):
        _failed(session, publication, variant, "permanent", result.reason)
        return "failed"
    if isinstance(result, AmbiguousError) and result.client_ref not in (
        None,
        publication.client_ref,
    ):
        publication.network_ref = (result.client_ref or "")[:255]
    ambiguous = isinstance(result, AmbiguousError) or from_lookup
    retry_after = result.retry_after if isinstance(result, RetryableError) else None
    message = result.message if isinstance(result, ConnectorError) else str(result)
    if publication.attempts >= ctx.policy.max_attempts:
        if ambiguous:
            why = (
                "We could not tell whether the network published it after "
                f"{publication.attempts} attempts; check the account before publishing again. "
                f"Last answer: {message}"
            )
            _needs_attention(session, publication, variant, None, "ambiguous", why)
            return "needs_attention"
        _failed(session, publication, variant, "retryable", message)
        return "failed"
    delay = retry_delay(
        publication.attempts,
        retry_after=retry_after,
        base=ctx.policy.base_delay,
        ceiling=ctx.policy.max_delay,
        rng=ctx.rng,
    )
    if ambiguous:
        delay = max(delay, ctx.policy.reconcile_delay)
    _release(publication, now + timedelta(seconds=delay))
    publication.uncertain = ambiguous
    publication.last_error = message[:2000]
    publication.last_error_kind = "ambiguous" if ambiguous else "retryable"
    if variant.state == S.PUBLISHING.value:
        _move_variant(variant, S.SCHEDULED)
    return "retry"


def _published(
    session: Session,
    publication: Publication,
    variant: PostVariant,
    ref: PublishedRef,
    now: datetime,
    *,
    listened: bool = True,
) -> str:
    """`listened` False: no webhook endpoint of the workspace is enabled, so the
    `publication.published` event would reach nobody (and is not looked up)."""
    if publication.state == P.PUBLISHED.value:
        if publication.external_id != ref.external_id:
            log.error(
                "publication %s was published twice: %s and %s",
                publication.id,
                publication.external_id,
                ref.external_id,
            )
        return "already_published"
    publication.state = P.PUBLISHED.value
    publication.uncertain = False
    publication.published_at = ref.published_at or now
    publication.external_id = ref.external_id
    publication.external_url = ref.url
    publication.claim_token = None
    publication.lease_expires_at = None
    publication.last_error = None
    publication.last_error_kind = None
    if variant.state != S.PUBLISHED.value:
        if variant.state != S.PUBLISHING.value:
            _move_variant(variant, S.PUBLISHING)
        _move_variant(variant, S.PUBLISHED)
    variant.published_at = publication.published_at
    variant.external_id = ref.external_id
    variant.external_url = ref.url
    variant.last_error = None
    # Queueing: a repeating variant's next occurrence is planned now.
    recurrence.after_published(session, publication, variant, now)
    if listened:
        delivery_events.publication_published(session, publication, variant)
    # Flushed with the job's other outcomes (one UPDATE for the rows of a batch).
    return "published"


def _failed(
    session: Session, publication: Publication, variant: PostVariant, kind: str, reason: str
) -> None:
    publication.state = P.FAILED.value
    publication.uncertain = False
    _settle(publication, variant, kind, reason)
    notices.publication_failed(session, publication, variant, reason)


def _needs_attention(
    session: Session,
    publication: Publication,
    variant: PostVariant,
    channel: Channel | None,
    kind: str,
    reason: str,
) -> None:
    publication.state = P.NEEDS_ATTENTION.value
    _settle(publication, variant, kind, reason)
    notices.publication_failed(session, publication, variant, reason)


def _settle(publication: Publication, variant: PostVariant, kind: str, reason: str) -> None:
    publication.claim_token = None
    publication.lease_expires_at = None
    publication.last_error = reason[:2000]
    publication.last_error_kind = kind
    if variant.state == S.SCHEDULED.value:
        _move_variant(variant, S.PUBLISHING)
    if variant.state == S.PUBLISHING.value:
        _move_variant(variant, S.FAILED)
    variant.last_error = reason[:2000]


def _move_variant(variant: PostVariant, target: VariantState) -> None:
    states.move(variant, target)
