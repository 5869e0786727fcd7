"""Rights requests: ask a creator, from the app, for the right to share their post, and keep
their answer as proof.

The request is a reply in the creator's thread, sent through the inbox's one reply path
(`inbox.service.reply`: permission, approval of sensitive replies, the send job after
commit). The answer is watched for where the inbox takes in what networks report
(`inbox.ingest` calls `on_ingested` with the new messages): a message in that thread,
written by the creator themself after the request and before it expires, that holds a
grant keyword (#yes, #oui by default) grants the rights, one with a refusal keyword (#no,
#non) refuses them. A message holding both, or neither, decides nothing. Someone else's
reply never decides. The creator is known by the network's id of their account when the
item came from the inbox, else by their handle (a listening mention gives no account id).

Saved requests (templates) exist per language; English and French ones ship with the
product (`DEFAULTS`) and a workspace's own, under the same language, are offered first.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox import ingest as inbox_ingest
from orchestre.inbox import replies as inbox_replies
from orchestre.inbox import service as inbox_service
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Direction, InboxAuthor, InboxMessage, Workspace
from orchestre.models.ugc import RightsRequest, RightsState, RightsTemplate, UgcItem, UgcStatus
from orchestre.ugc import repository as repo
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)

P = Permission
LANGUAGES = ("en", "fr")
GRANT = ("#yes", "#oui")
REFUSE = ("#no", "#non")
WAIT_DAYS = 14
MAX_WAIT_DAYS = 90
MAX_BODY = 2000
MAX_KEYWORDS = 10
# A reply dated a little before the request (clocks differ) still counts.
CLOCK_SKEW = timedelta(minutes=2)
ASKABLE = (UgcStatus.COLLECTED.value, UgcStatus.EXPIRED.value)


@dataclass(frozen=True)
class Template:
    """A saved request: the workspace's own (`id` set) or one shipped (`id` None)."""

    id: uuid.UUID | None
    name: str
    language: str
    body: str
    grant_keywords: tuple[str, ...] = GRANT
    refuse_keywords: tuple[str, ...] = REFUSE

    @property
    def shipped(self) -> bool:
        return self.id is None


DEFAULTS = {
    "en": Template(
        None,
        "Rights request",
        "en",
        "Hi {handle}, we love your post! May we share it on our channels, with credit to "
        "you? Reply #yes to agree, or #no if you prefer not.",
    ),
    "fr": Template(
        None,
        "Demande de droits",
        "fr",
        "Bonjour {handle}, nous adorons votre publication ! Pouvons-nous la partager sur nos "
        "réseaux en vous citant ? Répondez #oui pour accepter, ou #non si vous préférez que non.",
    ),
}


@dataclass(frozen=True)
class TemplateInput:
    name: str
    language: str
    body: str
    grant_keywords: Sequence[str] = GRANT
    refuse_keywords: Sequence[str] = REFUSE


@dataclass(frozen=True)
class RequestInput:
    """`text` as the person edited it; else the template (by id, else the shipped one of
    `language`) filled for the creator."""

    language: str = "en"
    text: str | None = None
    template_id: uuid.UUID | None = None
    wait_days: int = WAIT_DAYS
    values: dict[str, str] = field(default_factory=dict)


# --- templates -----------------------------------------------------------------------------------


def _template_of(row: RightsTemplate) -> Template:
    return Template(
        row.id,
        row.name,
        row.language,
        row.body,
        tuple(row.grant_keywords or GRANT),
        tuple(row.refuse_keywords or REFUSE),
    )


def list_templates(session: Session, actor: Actor) -> list[Template]:
    """The workspace's saved requests, then the shipped ones of languages it has none in."""
    actor.require(P.UGC_VIEW)
    own = [_template_of(r) for r in repo.templates(session, actor.workspace_id)]
    languages = {t.language for t in own}
    return own + [t for lang, t in DEFAULTS.items() if lang not in languages]


def _keywords(values: Sequence[str], name: str) -> tuple[list[str], list[FieldError]]:
    cleaned = list(dict.fromkeys(v.strip().casefold() for v in values if v.strip()))
    errors = []
    if not cleaned or len(cleaned) > MAX_KEYWORDS or any(len(v) > 40 for v in cleaned):
        message = "Give 1 to 10 words of at most 40 characters (such as #yes)."
        errors.append(FieldError(name, "keywords", message, limit=MAX_KEYWORDS))
    return cleaned, errors


def _checked_template(data: TemplateInput) -> TemplateInput:
    errors: list[FieldError] = []
    name, body = data.name.strip(), data.body.strip()
    if not name or len(name) > 120:
        errors.append(FieldError("name", "length", "A name of 1 to 120 characters.", limit=120))
    if data.language not in LANGUAGES:
        errors.append(FieldError("language", "enum", "en or fr.", list(LANGUAGES), data.language))
    if not body or len(body) > MAX_BODY:
        errors.append(FieldError("body", "length", "A text of 1 to 2000 characters.", MAX_BODY))
    grant, grant_errors = _keywords(data.grant_keywords, "grant_keywords")
    refuse, refuse_errors = _keywords(data.refuse_keywords, "refuse_keywords")
    errors += grant_errors + refuse_errors
    if set(grant) & set(refuse):
        message = "A word cannot both grant and refuse."
        errors.append(FieldError("refuse_keywords", "distinct", message))
    if errors:
        raise Invalid("The rights request template is refused.", errors=errors)
    inbox_replies.variables_of(body)
    return TemplateInput(name, data.language, body, grant, refuse)


def _unique(session: Session, actor: Actor, data: TemplateInput, own: uuid.UUID | None) -> None:
    found = repo.template_named(session, actor.workspace_id, data.language, data.name)
    if found is not None and found.id != own:
        raise Conflict("A template of this name exists in this language.", code="duplicate")


def save_template(
    session: Session, actor: Actor, data: TemplateInput, template_id: uuid.UUID | None = None
) -> Template:
    """Create a template, or change one (`template_id`)."""
    actor.require(P.UGC_MANAGE)
    row = None
    if template_id is not None:  # a foreign id is a 404, whatever the input
        row = repo.template(session, actor.workspace_id, template_id)
        if row is None:
            raise NotFound("No such rights request template.", code="template_not_found")
    data = _checked_template(data)
    _unique(session, actor, data, template_id)
    before = snapshot(row) if row is not None else None
    if row is None:
        row = RightsTemplate(workspace_id=actor.workspace_id)
        session.add(row)
    row.name, row.language, row.body = data.name, data.language, data.body
    row.grant_keywords = list(data.grant_keywords)
    row.refuse_keywords = list(data.refuse_keywords)
    session.flush()
    action = "ugc.template.updated" if before else "ugc.template.created"
    record(session, actor, action, "ugc_template", row.id, before=before, after=snapshot(row))
    return _template_of(row)


def delete_template(session: Session, actor: Actor, template_id: uuid.UUID) -> None:
    actor.require(P.UGC_MANAGE)
    row = repo.template(session, actor.workspace_id, template_id)
    if row is None:
        raise NotFound("No such rights request template.", code="template_not_found")
    before = snapshot(row)
    repo.delete(session, row)
    record(session, actor, "ugc.template.deleted", "ugc_template", template_id, before=before)


def _template_for(session: Session, actor: Actor, data: RequestInput) -> Template:
    if data.template_id is not None:
        row = repo.template(session, actor.workspace_id, data.template_id)
        if row is None:
            raise NotFound("No such rights request template.", code="template_not_found")
        return _template_of(row)
    if data.language not in LANGUAGES:
        raise Invalid(
            "The language is en or fr.",
            errors=[FieldError("language", "enum", "en or fr.", list(LANGUAGES), data.language)],
        )
    own = [t for t in list_templates(session, actor) if t.language == data.language]
    return own[0]


def creator_values(session: Session, item: UgcItem) -> dict[str, str]:
    """What a request's variables are filled with: the creator's handle and name, the brand."""
    handle = item.author_handle.strip().lstrip("@")
    name = item.author_name.strip()
    workspace = session.get(Workspace, item.workspace_id)
    values = {
        "handle": f"@{handle}" if handle else "",
        "name": name or handle,
        "first_name": (name.split() or [handle])[0] if (name or handle) else "",
        "brand": workspace.name if workspace is not None else "",
    }
    return {k: v for k, v in values.items() if v}


def preview(session: Session, actor: Actor, item_id: uuid.UUID, data: RequestInput) -> str:
    """The request's text as it would go out (the template filled for this creator)."""
    actor.require(P.UGC_VIEW)
    item = _item(session, actor, item_id)
    template = _template_for(session, actor, data)
    return inbox_replies.fill(template.body, {**creator_values(session, item), **data.values})


# --- asking --------------------------------------------------------------------------------------


def _item(session: Session, actor: Actor, item_id: uuid.UUID) -> UgcItem:
    found = repo.item(session, actor.workspace_id, item_id)
    if found is None:
        raise NotFound("No such item on the UGC board.", code="ugc_item_not_found")
    return found


def _answering_channel(session: Session, actor: Actor, item: UgcItem) -> Channel:
    channel = None
    if item.channel_id is not None:
        channel = repo.channel(session, actor.workspace_id, item.channel_id)
    if channel is None:
        connected = repo.connected_channels(session, actor.workspace_id, item.network)
        channel = connected[0] if connected else None
    if channel is None:
        raise Conflict(
            f"No connected {item.network} channel can answer this creator: connect one first.",
            code="no_channel",
        )
    return channel


def _thread_of(session: Session, actor: Actor, item: UgcItem) -> tuple[Channel, InboxMessage]:
    """The channel that asks and the creator's message it answers, in the inbox.

    A mention found by listening is not in the inbox unless the channel was mentioned; it
    is taken in there (as a mention of that channel, source "ugc"), so the request and the
    creator's answer form one conversation the team can read."""
    if item.source_kind == "inbox_message":
        message = repo.message(session, actor.workspace_id, item.source_id)
        if message is None:
            raise Conflict("The creator's message is no longer in the inbox.", code="source_gone")
        channel = _answering_channel(session, actor, item)
        return channel, message
    channel = _answering_channel(session, actor, item)
    found = repo.inbox_message_by_external(session, channel.id, item.external_id)
    if found is None:
        handle = item.author_handle.strip().lstrip("@")
        heard = Interaction(
            kind=InteractionKind.MENTION,
            external_id=item.external_id,
            author_id=item.author_external_id or f"handle:{handle}",
            author_handle=handle,
            author_name=item.author_name,
            text=item.text,
            created_at=item.published_at or item.collected_at,
            url=item.permalink,
        )
        inbox_ingest.ingest(session, channel, [heard], source="ugc")
        found = repo.inbox_message_by_external(session, channel.id, item.external_id)
    if found is None:  # pragma: no cover - the ingest above stores it or it was there
        raise Conflict("The creator's post could not be put in the inbox.", code="source_gone")
    return channel, found


def request_rights(
    session: Session, actor: Actor, item_id: uuid.UUID, data: RequestInput
) -> RightsRequest:
    """Ask the creator, in their thread, and wait `wait_days` for their answer."""
    actor.require(P.UGC_MANAGE)
    item = _item(session, actor, item_id)
    if item.status not in ASKABLE:
        raise Conflict(
            "The rights of this item were asked already; wait for the answer or its expiry.",
            code="already_requested",
        )
    if not 1 <= data.wait_days <= MAX_WAIT_DAYS:
        message = "Wait 1 to 90 days for the answer."
        raise Invalid(
            message,
            errors=[FieldError("wait_days", "range", message, [1, MAX_WAIT_DAYS], data.wait_days)],
        )
    template = _template_for(session, actor, data)
    if data.text is not None and data.text.strip():
        text = data.text.strip()
        language = data.language if data.language in LANGUAGES else template.language
    else:
        text = inbox_replies.fill(template.body, {**creator_values(session, item), **data.values})
        language = template.language
    channel, source = _thread_of(session, actor, item)
    reply = inbox_service.reply(
        session, actor, source.conversation_id, text, parent_message_id=source.id
    )
    now = utcnow()
    request = RightsRequest(
        workspace_id=actor.workspace_id,
        item_id=item.id,
        text=text,
        language=language,
        grant_keywords=list(template.grant_keywords),
        refuse_keywords=list(template.refuse_keywords),
        conversation_id=source.conversation_id,
        reply_message_id=reply.id,
        sent_by=actor.user_id,
        sent_at=now,
        expires_at=now + timedelta(days=data.wait_days),
        state=RightsState.WAITING.value,
    )
    repo.add(session, request)
    item.status = UgcStatus.RIGHTS_REQUESTED.value
    item.channel_id = channel.id
    record(
        session,
        actor,
        "ugc.rights.requested",
        "ugc_item",
        item.id,
        after={"request_id": request.id, "language": language, "text": text},
    )
    return request


# --- watching for the answer ---------------------------------------------------------------------


def _bare(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def same_creator(item: UgcItem, author: InboxAuthor | None) -> bool:
    if author is None or author.network != item.network:
        return False
    if item.author_external_id:
        return author.external_id == item.author_external_id
    return bool(_bare(item.author_handle)) and _bare(author.handle) == _bare(item.author_handle)


def _holds(text: str, keyword: str) -> bool:
    pattern = r"(?<![\w#])" + re.escape(keyword.casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def verdict(text: str, grant: Sequence[str], refuse: Sequence[str]) -> RightsState | None:
    """Granted, refused, or None when the words say neither (or both)."""
    yes = any(_holds(text, k) for k in grant)
    no = any(_holds(text, k) for k in refuse)
    if yes == no:
        return None
    return RightsState.GRANTED if yes else RightsState.REFUSED


def on_ingested(session: Session, messages: Sequence[InboxMessage]) -> list[RightsRequest]:
    """Decide the requests these new inbox messages answer; the inbox's ingest calls this.

    One query when nothing waits in these conversations (the usual case)."""
    inbound = [
        m for m in messages if m.direction == Direction.INBOUND.value and m.author_id is not None
    ]
    if not inbound:
        return []
    waiting = repo.waiting_in(session, {m.conversation_id for m in inbound})
    if not waiting:
        return []
    try:
        # A failure here must not lose the messages the inbox is taking in.
        with session.begin_nested():
            return _decide_answered(session, waiting, inbound)
    except Exception:
        log.exception("rights requests: answers in %d message(s) not read", len(inbound))
        return []


def _decide_answered(
    session: Session, waiting: Sequence[RightsRequest], inbound: Sequence[InboxMessage]
) -> list[RightsRequest]:
    items = repo.items_by_ids(session, {r.item_id for r in waiting})
    authors = repo.authors_by_ids(session, {m.author_id for m in inbound if m.author_id})
    decided = []
    for request in waiting:
        item = items[request.item_id]
        for message in sorted(inbound, key=lambda m: (m.created_at, m.external_id)):
            if message.conversation_id != request.conversation_id:
                continue
            if not request.sent_at - CLOCK_SKEW <= message.created_at <= request.expires_at:
                continue
            author = authors.get(message.author_id) if message.author_id else None
            if not same_creator(item, author):
                continue
            state = verdict(message.text, request.grant_keywords, request.refuse_keywords)
            if state is None:
                continue
            _decide(session, request, item, message, state)
            decided.append(request)
            break
    return decided


def _decide(
    session: Session,
    request: RightsRequest,
    item: UgcItem,
    answer: InboxMessage,
    state: RightsState,
) -> None:
    request.state = state.value
    request.answer_text = answer.text
    request.answer_at = answer.created_at
    request.answer_url = answer.url
    request.answer_external_id = answer.external_id
    request.answer_message_id = answer.id
    request.decided_at = utcnow()
    if request.reply_message_id is not None and request.sent_external_id is None:
        ours = session.get(InboxMessage, request.reply_message_id)
        if ours is not None and not ours.external_id.startswith("pending:"):
            request.sent_external_id = ours.external_id
    item.status = (UgcStatus.GRANTED if state is RightsState.GRANTED else UgcStatus.REFUSED).value
    session.flush()
    record(
        session,
        None,
        f"ugc.rights.{state.value}",
        "ugc_item",
        item.id,
        after={
            "request_id": request.id,
            "answer_text": answer.text,
            "answer_at": answer.created_at.isoformat(),
            "answer_url": answer.url,
        },
        workspace_id=item.workspace_id,
    )


def expire_overdue(session: Session, workspace_id: uuid.UUID | None, now: datetime) -> int:
    """Requests whose wait ended without an answer expire; their items may be asked again."""
    overdue = repo.overdue(session, workspace_id, now)
    if not overdue:
        return 0
    items = repo.items_by_ids(session, {r.item_id for r in overdue})
    for request in overdue:
        request.state = RightsState.EXPIRED.value
        request.decided_at = now
        item = items[request.item_id]
        if item.status == UgcStatus.RIGHTS_REQUESTED.value:
            item.status = UgcStatus.EXPIRED.value
    session.flush()
    return len(overdue)
