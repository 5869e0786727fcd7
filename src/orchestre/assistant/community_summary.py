"""Summaries of long inbox conversations, in the reader's language.

Offline, a summary is extractive: who wrote and how much, over how long, what is still
asked, where the conversation stands, and the thread's key sentences (the most central
by TF-IDF similarity, in their order). With a provider it is abstractive, and checked:
every name and number it cites must appear in the thread (or the facts given with it),
and it must be in the reader's language; otherwise the offline summary is shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.assistant import gateway
from orchestre.assistant.community import intent_of
from orchestre.assistant.community_text import (
    LANGUAGES,
    allowed_numbers,
    central,
    json_points,
    language_of,
    sentences,
    unknown_names,
    unknown_numbers,
)
from orchestre.assistant.gateway import Message
from orchestre.inbox import repository as inbox_repository
from orchestre.inbox import service as inbox
from orchestre.models import InboxMessage
from orchestre.workspaces.permissions import Actor, Permission

FEATURE = "community.thread_summary"
PROMPT_ID = "community.thread_summary/1"
LONG_THREAD = 6  # more messages than this: the inbox offers a summary
READ_MESSAGES = 200
KEY_SENTENCES = 3
EXCERPT = 160

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "who": "{count} messages: {inbound} from {people}, {outbound} from the team, over {span}.",
        "asks": "Still waiting for an answer ({intent}): “{excerpt}”",
        "answered": "The team answered last; nothing waits for an answer.",
        "unanswered": "The team has not answered yet.",
        "status": "Status: {status}.",
        "hours": "{n} hours",
        "days": "{n} days",
        "minutes": "{n} minutes",
        "author": "the author",
        "and": " and ",
        "others": "{n} people",
    },
    "fr": {
        "who": "{count} messages : {inbound} de {people}, {outbound} de l’équipe, sur {span}.",
        "asks": "Attend toujours une réponse ({intent}) : « {excerpt} »",
        "answered": "L’équipe a répondu en dernier ; rien n’attend de réponse.",
        "unanswered": "L’équipe n’a pas encore répondu.",
        "status": "Statut : {status}.",
        "hours": "{n} heures",
        "days": "{n} jours",
        "minutes": "{n} minutes",
        "author": "l’auteur",
        "and": " et ",
        "others": "{n} personnes",
    },
}
INTENTS = {
    "en": {
        "question": "a question",
        "complaint": "a complaint",
        "request": "a request",
        "praise": "praise",
        "other": "a message",
    },
    "fr": {
        "question": "une question",
        "complaint": "une réclamation",
        "request": "une demande",
        "praise": "un compliment",
        "other": "un message",
    },
}
STATUSES = {
    "en": {"new": "new", "assigned": "assigned", "waiting": "answered", "done": "done"},
    "fr": {"new": "nouvelle", "assigned": "assignée", "waiting": "répondue", "done": "terminée"},
}
LANGUAGE_NAMES = {"en": "English", "fr": "French"}


@dataclass(frozen=True)
class Quote:
    """A key sentence of the thread, with who wrote it and when."""

    who: str
    at: datetime
    text: str


@dataclass(frozen=True)
class Summary:
    points: list[str]
    quotes: list[Quote] = field(default_factory=list)


@dataclass(frozen=True)
class DraftedSummary:
    summary: Summary
    language: str
    source: str
    prompt_id: str
    fell_back: str | None = None
    call_id: uuid.UUID | None = None


@dataclass(frozen=True)
class _Thread:
    messages: list[InboxMessage]
    names: dict[uuid.UUID, str]  # author id -> name
    status: str
    awaiting: bool

    def who(self, message: InboxMessage, language: str) -> str:
        if message.direction == "outbound":
            return "team" if language == "en" else "équipe"
        return self.names.get(message.author_id, "") if message.author_id else ""


def summarize_conversation(
    session: Session, actor: Actor, conversation_id: uuid.UUID, *, language: str = "en"
) -> DraftedSummary:
    """A summary of the conversation in `language` (the reader's), as a draft."""
    actor.require(Permission.INBOX_VIEW)
    actor.require(Permission.ASSISTANT_USE)
    language = language if language in LANGUAGES else "en"
    thread = _thread(session, actor, conversation_id)
    drafted = gateway.draft(
        session,
        actor,
        feature=FEATURE,
        prompt_id=PROMPT_ID,
        messages=_prompt(thread, language),
        parse=lambda text: Summary(points=json_points(text)),
        offline=lambda: offline_summary(thread, language),
        check=lambda value: _check(value, thread, language),
        max_tokens=600,
        json_mode=True,
    )
    return DraftedSummary(
        summary=drafted.value,
        language=language,
        source=drafted.source,
        prompt_id=drafted.prompt_id,
        fell_back=drafted.fell_back,
        call_id=drafted.call_id,
    )


def _thread(session: Session, actor: Actor, conversation_id: uuid.UUID) -> _Thread:
    conversation = inbox.load_conversation(session, actor, conversation_id)
    page = inbox.list_messages(session, actor, conversation.id, limit=READ_MESSAGES)
    messages = [m for m in reversed(page.items) if not m.deleted and m.text.strip()]
    ids = {m.author_id for m in messages if m.author_id}
    names = inbox_repository.authors_by_ids(session, actor.workspace_id, ids)
    return _Thread(
        messages=messages,
        names={k: (a.name or a.handle).strip() for k, a in names.items()},
        status=conversation.status,
        awaiting=conversation.awaiting_since is not None,
    )


def _span(messages: Sequence[InboxMessage], language: str) -> str:
    words = PHRASES[language]
    if not messages:
        return words["minutes"].format(n=0)
    seconds = (messages[-1].created_at - messages[0].created_at).total_seconds()
    if seconds >= 2 * 86400:
        return words["days"].format(n=round(seconds / 86400))
    if seconds >= 2 * 3600:
        return words["hours"].format(n=round(seconds / 3600))
    return words["minutes"].format(n=max(1, round(seconds / 60)))


def _people(thread: _Thread, language: str) -> str:
    words = PHRASES[language]
    names = list(
        dict.fromkeys(thread.names.get(m.author_id, "") for m in thread.messages if m.author_id)
    )
    names = [n for n in names if n]
    if not names:
        return words["author"]
    if len(names) > 3:
        return words["others"].format(n=len(names))
    return words["and"].join(names)


def offline_summary(thread: _Thread, language: str) -> Summary:
    """Who, how long, what is asked, where it stands, and the key sentences."""
    words = PHRASES[language]
    inbound = [m for m in thread.messages if m.direction == "inbound"]
    outbound = len(thread.messages) - len(inbound)
    points = [
        words["who"].format(
            count=len(thread.messages),
            inbound=len(inbound),
            people=_people(thread, language),
            outbound=outbound,
            span=_span(thread.messages, language),
        )
    ]
    last = thread.messages[-1] if thread.messages else None
    if last is not None and last.direction == "inbound" and thread.awaiting:
        excerpt = " ".join(last.text.split())
        excerpt = excerpt if len(excerpt) <= EXCERPT else excerpt[: EXCERPT - 1] + "…"
        intent = INTENTS[language][intent_of(last)]
        points.append(words["asks"].format(intent=intent, excerpt=excerpt))
    elif outbound:
        points.append(words["answered"])
    else:
        points.append(words["unanswered"])
    points.append(
        words["status"].format(status=STATUSES[language].get(thread.status, thread.status))
    )
    return Summary(points=points, quotes=_key_sentences(thread, language))


def _key_sentences(thread: _Thread, language: str) -> list[Quote]:
    found: list[Quote] = []
    for message in thread.messages:
        for sentence in sentences(message.text):
            found.append(Quote(thread.who(message, language), message.created_at, sentence))
    keep = central([q.text for q in found], KEY_SENTENCES)
    return [found[i] for i in keep]


# --- provider -------------------------------------------------------------------------------


def _prompt(thread: _Thread, language: str) -> list[Message]:
    system = (
        "You summarise a conversation between a brand's community team and the people who "
        f"wrote to it, for a team member who has not read it. Write in {LANGUAGE_NAMES[language]}. "
        "Three to five short points: who wrote and what about, what is asked, what the team "
        "answered or promised, what is still open. Cite only names and numbers that appear "
        "in the conversation. Answer with JSON only: "
        '{"points": ["...", "..."]}.'
    )
    lines = [
        f"{m.created_at:%Y-%m-%d %H:%M} [{thread.who(m, 'en') or 'author'}] {m.text}"
        for m in thread.messages
    ]
    user = "\n".join(["Conversation, oldest first:", *lines])
    return [Message("system", system), Message("user", user)]


def _check(value: Summary, thread: _Thread, language: str) -> str | None:
    text = " ".join(value.points)
    source = " ".join(
        [m.text for m in thread.messages] + list(thread.names.values()) + ["team", "équipe"]
    )
    names = unknown_names(text, source)
    if names:
        return "names not in the conversation: " + ", ".join(names)
    counts = [float(len(thread.messages)), float(len({m.author_id for m in thread.messages}))]
    allowed = allowed_numbers(
        counts, [source, *(f"{m.created_at:%Y-%m-%d %H:%M}" for m in thread.messages)]
    )
    numbers = unknown_numbers(text, allowed)
    if numbers:
        return "numbers not in the conversation: " + ", ".join(numbers)
    found = language_of(text)
    if found is not None and found != language:
        return f"written in {found}, not in {language}"
    return None
