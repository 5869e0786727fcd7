"""Reply suggestions for the inbox: up to three drafts in the author's language and the
brand's tone, grounded in the workspace's saved replies and in the answers the team sent
to similar messages.

Offline, the suggestions are the best-matching saved replies (in the author's language,
variables filled for this conversation) and past answers (re-addressed to this author),
then a short reply written for the message's intent (question, complaint, request,
praise). With a provider, the prompt carries those same examples and the editorial line's
tone notes. Every suggestion is checked before it is shown (the author's language, no
banned word, the network's reply length, no unfilled variable); a provider's answer that
fails is replaced by the offline one. A suggestion is never sent: it goes into the reply
box, a person edits it and sends it through the inbox's normal reply (and its approval).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from sqlalchemy.orm import Session

from orchestre.assistant import community_repository as repository
from orchestre.assistant import gateway
from orchestre.assistant.community_text import (
    LANGUAGES,
    json_of,
    language_of,
    reply_limit,
    reply_problem,
    similarities,
)
from orchestre.assistant.gateway import Message
from orchestre.errors import Invalid, NotFound
from orchestre.inbox import replies
from orchestre.inbox import repository as inbox_repository
from orchestre.inbox import service as inbox
from orchestre.kit.text import fold
from orchestre.ml.response import needs_response
from orchestre.models import Conversation, InboxMessage, SavedReply
from orchestre.posts import editorial
from orchestre.posts.validation import EditorialRules
from orchestre.workspaces.permissions import Actor, Permission

FEATURE = "community.reply"
PROMPT_ID = "community.reply/1"
MAX_SUGGESTIONS = 3
SAVED_MIN_SCORE = 0.08
PAST_MIN_SCORE = 0.25
INTENT_BONUS = 0.15
CONTEXT_MESSAGES = 12
ORDER_NUMBER = re.compile(r"#?\b([A-Z]{0,4}-?\d{4,12})\b", re.IGNORECASE)

Intent = Literal["question", "complaint", "request", "praise", "other"]
GroundingKind = Literal["saved_reply", "past_answer", "template"]

# Short replies for a message's intent, when nothing of the workspace's own fits; {hi} is
# the greeting with the author's first name (or without a name).
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "question": "{hi} thanks for your question! We are looking into it and will get "
        "back to you here very soon.",
        "complaint": "{hi} we are sorry about this and we understand your frustration. "
        "Could you send us a direct message with the details so we can sort it out?",
        "request": "{hi} thanks for your message. We have noted your request and will "
        "come back to you shortly.",
        "praise": "{hi} thank you so much! We are really glad you enjoyed it.",
        "other": "{hi} thanks for your message!",
    },
    "fr": {
        "question": "{hi} merci pour votre question ! Nous regardons cela et revenons vers "
        "vous ici très vite.",
        "complaint": "{hi} nous sommes désolés pour ce désagrément et comprenons votre "
        "agacement. Pouvez-vous nous écrire en message privé avec les détails, afin que "
        "nous puissions régler cela ?",
        "request": "{hi} merci pour votre message. Nous avons bien noté votre demande et "
        "revenons vers vous rapidement.",
        "praise": "{hi} merci beaucoup ! Nous sommes ravis que cela vous ait plu.",
        "other": "{hi} merci pour votre message !",
    },
}
GREETING = {"en": ("Hi {name},", "Hi,"), "fr": ("Bonjour {name},", "Bonjour,")}
LANGUAGE_NAMES = {"en": "English", "fr": "French"}


@dataclass(frozen=True)
class Grounding:
    """What a suggestion draws on: a saved reply, a past answer, or a template."""

    kind: GroundingKind
    label: str  # the saved reply's name, or the start of the message a past answer answered
    id: uuid.UUID | None = None  # the saved reply's or the past answer's id
    score: float = 0.0


@dataclass(frozen=True)
class Suggestion:
    text: str
    grounding: tuple[Grounding, ...] = ()


@dataclass(frozen=True)
class ReplySuggestions:
    """A set of drafts for one message, with who produced them (provider and prompt)."""

    conversation_id: uuid.UUID
    answering_id: uuid.UUID | None
    language: str
    intent: Intent
    suggestions: list[Suggestion]
    source: str
    prompt_id: str
    fell_back: str | None = None
    call_id: uuid.UUID | None = None
    examples: list[Grounding] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    conversation: Conversation
    answering: InboxMessage | None
    language: str
    intent: Intent
    network: str
    rules: EditorialRules
    tone_notes: str
    values: dict[str, str]


def suggest_replies(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    *,
    message_id: uuid.UUID | None = None,
    fallback_language: str = "en",
) -> ReplySuggestions:
    """Up to three checked drafts answering `message_id` (by default the latest inbound
    message); never sent from here."""
    actor.require(Permission.INBOX_VIEW)
    actor.require(Permission.ASSISTANT_USE)
    ctx = _context(session, actor, conversation_id, message_id, fallback_language)
    saved = _saved_candidates(session, actor, ctx)
    past = _past_candidates(session, actor, ctx)
    offline = _offline(ctx, saved, past)
    examples = [g for s in saved + past for g in s.grounding]
    drafted = gateway.draft(
        session,
        actor,
        feature=FEATURE,
        prompt_id=PROMPT_ID,
        messages=_prompt(session, actor, ctx, saved, past),
        parse=lambda text: _parse(text, {_key(i, g): g for i, g in enumerate(examples)}),
        offline=lambda: offline,
        check=lambda value: _check(value, ctx),
        max_tokens=700,
        json_mode=True,
    )
    return ReplySuggestions(
        conversation_id=ctx.conversation.id,
        answering_id=ctx.answering.id if ctx.answering else None,
        language=ctx.language,
        intent=ctx.intent,
        suggestions=drafted.value,
        source=drafted.source,
        prompt_id=drafted.prompt_id,
        fell_back=drafted.fell_back,
        call_id=drafted.call_id,
        examples=examples,
    )


# --- what the reply answers -----------------------------------------------------------------


def _context(
    session: Session,
    actor: Actor,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID | None,
    fallback_language: str,
) -> _Context:
    conversation = inbox.load_conversation(session, actor, conversation_id)
    answering: InboxMessage | None
    if message_id is not None:
        answering = inbox.load_message(session, actor, message_id)
        if answering.conversation_id != conversation.id:
            raise NotFound("That message is not in this conversation.", code="message_not_found")
    else:
        answering = inbox_repository.latest_inbound(session, conversation.id)
    channel = inbox_repository.channel(session, actor.workspace_id, conversation.channel_id)
    line = editorial.get_line(session, actor)
    values = replies.conversation_values(session, conversation, actor.user_id, answering)
    if answering is not None:
        found = ORDER_NUMBER.search(answering.text)
        if found:
            values.setdefault("order_id", found.group(1))
            values.setdefault("order_number", found.group(1))
    return _Context(
        conversation=conversation,
        answering=answering,
        language=author_language(answering, fallback_language),
        intent=intent_of(answering),
        network=channel.network if channel is not None else "",
        rules=EditorialRules.from_line(line),
        tone_notes=line.tone_notes or "",
        values=values,
    )


def author_language(message: InboxMessage | None, fallback: str) -> str:
    """The language the author writes in: the classifier's label, else detected now."""
    if message is not None and message.language in LANGUAGES:
        return str(message.language)
    detected = language_of(message.text) if message is not None else None
    if detected is not None:
        return detected
    return fallback if fallback in LANGUAGES else "en"


def intent_of(message: InboxMessage | None) -> Intent:
    """Question, complaint or request (the needs-a-response classifier), praise (a positive
    message asking nothing), or other."""
    if message is None:
        return "other"
    kind = (message.response_kind or "").lower()
    if kind == "question":
        return "question"
    if kind == "complaint":
        return "complaint"
    if kind == "request":
        return "request"
    if message.sentiment == "positive":
        return "praise"
    if message.sentiment == "negative":
        return "complaint"
    if not message.classified:  # not labelled (yet): read the cues of the text itself
        decision = needs_response(message.text, negative=0.0, spam=0.0)
        if decision.label == "yes" and decision.drivers:
            cue = str(decision.drivers[0][0])
            if cue in ("question", "complaint", "request"):
                return cast(Intent, cue)
    return "question" if "?" in message.text else "other"


# --- offline: retrieval and templates -------------------------------------------------------


def _saved_candidates(session: Session, actor: Actor, ctx: _Context) -> list[Suggestion]:
    """Saved replies ranked by likeness to the message (name, tags, body), their version in
    the author's language, filled for this conversation; those that cannot be filled are
    left out."""
    every = replies.list_saved_replies(session, actor)
    if not every or ctx.answering is None:
        return []
    documents = [f"{s.name} {' '.join(s.tags)} {s.body}" for s in every]
    scores = similarities(ctx.answering.text, documents)
    ranked = sorted(
        (
            (score + (INTENT_BONUS if ctx.intent in s.tags else 0.0), s)
            for s, score in zip(every, scores, strict=True)
        ),
        key=lambda pair: -pair[0],
    )
    found: list[Suggestion] = []
    seen: set[uuid.UUID] = set()
    for score, saved in ranked:
        if score < SAVED_MIN_SCORE:
            break
        version = _in_language(saved, every, ctx.language)
        if version is None or version.id in seen:
            continue
        seen.add(version.id)
        try:
            text = replies.fill(version.body, ctx.values)
        except Invalid:
            continue
        grounding = Grounding("saved_reply", version.name, version.id, round(score, 3))
        found.append(Suggestion(text, (grounding,)))
        if len(found) == MAX_SUGGESTIONS + 2:
            break
    return found


def _in_language(
    saved: SavedReply, every: Sequence[SavedReply], language: str
) -> SavedReply | None:
    """This saved reply, or its version in `language` (same name, else the same tags)."""
    if saved.language == language:
        return saved
    for other in every:
        if other.language == language and fold(other.name) == fold(saved.name):
            return other
    tags = set(saved.tags)
    for other in every:
        if other.language == language and tags and tags == set(other.tags):
            return other
    return None


def _past_candidates(session: Session, actor: Actor, ctx: _Context) -> list[Suggestion]:
    """Answers the team sent to messages like this one, re-addressed to this author."""
    if ctx.answering is None or not ctx.answering.text.strip():
        return []
    rows = [
        p
        for p in repository.past_answers(
            session, actor.workspace_id, exclude_conversation=ctx.conversation.id
        )
        if p.question_language in (ctx.language, None) and p.answer.strip()
    ]
    scores = similarities(ctx.answering.text, [p.question for p in rows])
    found: list[Suggestion] = []
    seen: set[str] = set()
    for score, past in sorted(zip(scores, rows, strict=True), key=lambda pair: -pair[0]):
        if score < PAST_MIN_SCORE:
            break
        text = _readdressed(past, ctx.values)
        if text is None or fold(text) in seen:
            continue
        seen.add(fold(text))
        label = " ".join(past.question.split())[:80]
        found.append(Suggestion(text, (Grounding("past_answer", label, past.answer_id, score),)))
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def _readdressed(past: repository.PastAnswer, values: dict[str, str]) -> str | None:
    """The past answer with its author's first name and handle swapped for this author's;
    None when it names the past author and this one has no name to put instead."""
    text = past.answer
    old_first = past.author_name.split()[0] if past.author_name.split() else ""
    swaps = [
        (old_first, values.get("first_name", "")),
        (past.author_handle, values.get("handle", "")),
    ]
    for old, new in swaps:
        if len(old) < 2 or not re.search(rf"(?<!\w){re.escape(old)}(?!\w)", text):
            continue
        if not new:
            return None
        text = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text)
    return text


def template_reply(language: str, intent: Intent, first_name: str) -> str:
    greeting = (
        GREETING[language][0].format(name=first_name) if first_name else GREETING[language][1]
    )
    return TEMPLATES[language][intent].format(hi=greeting)


def _offline(ctx: _Context, saved: list[Suggestion], past: list[Suggestion]) -> list[Suggestion]:
    """Saved replies first, then past answers, then the intent's template: each checked,
    each text once, three at most."""
    template = template_reply(ctx.language, ctx.intent, ctx.values.get("first_name", ""))
    pool = [*saved, *past, Suggestion(template, (Grounding("template", ctx.intent),))]
    kept: list[Suggestion] = []
    seen: set[str] = set()
    for suggestion in pool:
        detect = suggestion.grounding[0].kind == "past_answer"
        problem = reply_problem(
            suggestion.text,
            language=ctx.language,
            network=ctx.network,
            rules=ctx.rules,
            detect=detect,
        )
        if problem is None and fold(suggestion.text) not in seen:
            seen.add(fold(suggestion.text))
            kept.append(suggestion)
    return kept[:MAX_SUGGESTIONS]


# --- provider: prompt, parsing, checks -----------------------------------------------------


def _key(index: int, grounding: Grounding) -> str:
    return f"{'S' if grounding.kind == 'saved_reply' else 'P'}{index + 1}"


def _kind(grounding: Grounding) -> str:
    if grounding.kind == "saved_reply":
        return f"saved reply \u201c{grounding.label}\u201d"
    return f"past answer to \u201c{grounding.label}\u201d"


def _prompt(
    session: Session,
    actor: Actor,
    ctx: _Context,
    saved: list[Suggestion],
    past: list[Suggestion],
) -> list[Message]:
    language = LANGUAGE_NAMES[ctx.language]
    banned = ", ".join(ctx.rules.banned_words) or "none"
    system = (
        "You draft replies for a brand's community team, answering one message on a social "
        f"network. Write in {language}. Brand tone: {ctx.tone_notes or 'friendly, clear, brief'}. "
        f"Never use these words: {banned}. Each reply is at most {reply_limit(ctx.network)} "
        "characters. Write real values, never placeholders in braces. Promise nothing the "
        "examples do not. Draw on the team's examples when they fit. Answer with JSON only: "
        '{"suggestions": [{"text": "...", "grounding": ["S1"]}]}, one to three suggestions; '
        "grounding lists the keys of the examples each one draws on."
    )
    thread = list(
        reversed(
            inbox.list_messages(session, actor, ctx.conversation.id, limit=CONTEXT_MESSAGES).items
        )
    )
    lines = [f"[{'team' if m.direction == 'outbound' else 'author'}] {m.text}" for m in thread]
    shown = [
        f"{_key(i, s.grounding[0])} ({_kind(s.grounding[0])}): {s.text}"
        for i, s in enumerate(saved + past)
    ]
    user = "\n".join(
        [
            "Conversation, oldest first:",
            *lines,
            "",
            f"Message to answer: {ctx.answering.text if ctx.answering else ''}",
            f"Its intent: {ctx.intent}.",
            f"Author's first name: {ctx.values.get('first_name', 'unknown')}.",
            "",
            "The team's examples:" if shown else "The team has no example for this.",
            *shown,
        ]
    )
    return [Message("system", system), Message("user", user)]


def _parse(text: str, examples: dict[str, Grounding]) -> list[Suggestion]:
    data = json_of(text)
    items = data.get("suggestions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError("no suggestions in the answer")
    found: list[Suggestion] = []
    for item in items[:MAX_SUGGESTIONS]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError("a suggestion without text")
        keys = item.get("grounding") or []
        grounding = tuple(examples[k] for k in keys if isinstance(k, str) and k in examples)
        found.append(Suggestion(item["text"].strip(), grounding))
    return found


def _check(value: list[Suggestion], ctx: _Context) -> str | None:
    if not value:
        return "no suggestion"
    for index, suggestion in enumerate(value, start=1):
        problem = reply_problem(
            suggestion.text, language=ctx.language, network=ctx.network, rules=ctx.rules
        )
        if problem is not None:
            return f"suggestion {index}: {problem}"
    return None
