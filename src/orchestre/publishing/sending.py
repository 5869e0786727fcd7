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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

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
from orchestre.models import Channel, ChannelStatus, PostVariant, VariantMedia, VariantState
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
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class _Loaded:
    publication: Publication
    variant: PostVariant | None
    channel: Channel | None
    paused: bool
    has_media: bool


def _load_statement() -> Select[Publication, PostVariant, Channel, bool, bool]:
    paused = exists().where(
        PublishingPause.workspace_id == Publication.workspace_id,
        (PublishingPause.channel_id.is_(None))
        | (PublishingPause.channel_id == Publication.channel_id),
    )
    has_media = exists().where(VariantMedia.variant_id == Publication.variant_id)
    return (
        select(Publication, PostVariant, Channel, paused, has_media)
        .outerjoin(PostVariant, PostVariant.id == Publication.variant_id)
        .outerjoin(Channel, Channel.id == Publication.channel_id)
        .where(Publication.id == bindparam("publication_id"))
        .execution_options(populate_existing=True)
    )


# Built once: building a statement costs more CPU than SQLite takes to run it. PostgreSQL
# locks the publication's row; SQLite's BEGIN IMMEDIATE has locked the database already.
_LOAD = _load_statement()
_LOAD_LOCKED = _LOAD.with_for_update(of=Publication)


def _load(session: Session, publication_id: uuid.UUID) -> _Loaded | None:
    """The publication under its row lock, with its variant, its channel, whether its
    workspace or channel is paused and whether the variant has media: one query.

    Read afresh (sessions keep objects across commits): after the network call, another
    worker may have taken the row over, and the fencing check must see it."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = _LOAD_LOCKED if postgres else _LOAD
    row = session.execute(stmt, {"publication_id": publication_id}).one_or_none()
    if row is None:
        return None
    publication, variant, channel, paused_now, with_media = row
    return _Loaded(publication, variant, channel, bool(paused_now), bool(with_media))


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
    outcome = _send(session, ctx, publication_id, token)
    session.flush()
    return outcome


def _send(session: Session, ctx: SendContext, publication_id: uuid.UUID, token: str) -> str:
    now = ctx.clock()
    loaded = _load(session, publication_id)
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
        session, variant, publication.client_ref, ctx.media_root, media=loaded.has_media
    )
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
    lookup_ref = publication.network_ref or publication.client_ref
    channel_id = channel.id
    session.commit()

    since = earlier_attempt if look_first else None
    result, from_lookup, sent_at = _ask_network(installation, lookup_ref, since, draft, ctx.clock)

    reloaded = _load(session, publication_id)
    if reloaded is None or reloaded.variant is None:
        return "vanished"
    publication, again = reloaded.publication, reloaded.variant
    if sent_at is not None and publication.claim_token == token:
        publication.sending_started_at = sent_at  # the attempt a next lookup starts from
    return _record(session, ctx, publication, again, channel_id, token, result, from_lookup)


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
) -> str:
    now = ctx.clock()
    if isinstance(result, PublishedRef):
        return _published(session, publication, variant, result, now)
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
) -> str:
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
    delivery_events.publication_published(session, publication, variant)
    session.flush()
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
