"""What the inbox page shows of a conversation: classifier labels with their scores and the
words that drove them, first-response timers, list rows and the thread's timeline.

Kept apart from the routes (web/views/inbox.py) so it is plain, testable formatting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_timedelta

from orchestre.inbox.service import ConversationDetail, ConversationView
from orchestre.models import Conversation, InboxAuthor, InboxMessage
from orchestre.web import i18n
from orchestre.web.i18n import gettext as _

EXCERPT = 180
# Under this many minutes before the due time, the timer turns amber.
SOON_MINUTES = 15
AUTHOR_TAGS = ("customer", "vip", "influencer", "troll")


@dataclass(frozen=True)
class Label:
    """A classifier's decision as a chip: its word, and its score and drivers on hover."""

    css: str
    text: str
    score: float | None
    hint: str


@dataclass(frozen=True)
class Timer:
    css: str  # "", "soon" or "overdue"
    text: str
    hint: str


@dataclass(frozen=True)
class Row:
    conversation: Conversation
    network: str
    author_name: str
    author_handle: str
    excerpt: str
    labels: list[Label]
    timer: Timer | None
    hidden: bool
    assignee_name: str | None


@dataclass(frozen=True)
class Filters:
    values: dict[str, str]

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.values.get(name, "")

    @property
    def active(self) -> bool:
        return any(v for k, v in self.values.items() if k not in ("status", "sort"))

    @property
    def more(self) -> int:
        """How many filters hide under "More filters" (so the summary can say so)."""
        hidden = ("channel", "sentiment", "toxicity", "language", "tag", "unanswered", "sort")
        return sum(1 for k in hidden if self.values.get(k))


@dataclass
class TimelineItem:
    at: datetime
    message: InboxMessage | None = None
    note: Any = None
    author: str = ""
    labels: list[Label] = field(default_factory=list)
    is_last_inbound: bool = False
    by_rule: str = ""  # the rule that hid it, when one did


def names_of() -> dict[str, dict[str, str]]:
    return {
        "status": {
            "new": _("New"),
            "assigned": _("Assigned"),
            "waiting": _("Waiting"),
            "done": _("Done"),
        },
        "priority": {
            "low": _("Low"),
            "normal": _("Normal"),
            "high": _("High"),
            "urgent": _("Urgent"),
        },
        "sentiment": {
            "positive": _("Positive"),
            "neutral": _("Neutral"),
            "negative": _("Negative"),
        },
        "toxicity": {"offensive": _("Offensive"), "hate": _("Hate"), "clean": _("Clean")},
        "response": {
            "question": _("Question"),
            "complaint": _("Complaint"),
            "request": _("Request"),
        },
        "kind": {
            "comment": _("Comment thread"),
            "mention": _("Mention"),
            "message": _("Direct messages"),
        },
        "author_tag": {
            "customer": _("Customer"),
            "vip": _("VIP"),
            "influencer": _("Influencer"),
            "troll": _("Troll"),
        },
    }


def _drivers(message: InboxMessage, task: str) -> list[str]:
    """The words that drove one decision, whatever shape the classifier gave them."""
    decision = (message.classification or {}).get(task)
    raw = decision.get("drivers", []) if isinstance(decision, dict) else []
    words: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            words.append(item)
        elif isinstance(item, list | tuple) and item:
            words.append(str(item[0]))
        elif isinstance(item, dict):
            word = item.get("word") or item.get("token") or item.get("term") or item.get("text")
            if word:
                words.append(str(word))
    return words[:6]


def _hint(score: float | None, drivers: list[str]) -> str:
    parts = []
    if score is not None:
        parts.append(_("score %(score)s") % {"score": i18n.format_number(round(score, 2))})
    if drivers:
        parts.append(_("words: %(words)s") % {"words": ", ".join(drivers)})
    return " · ".join(parts)


def labels_of(message: InboxMessage | None) -> list[Label]:
    """Sentiment, toxicity, spam and the kind of answer called for; or "not classified"."""
    if message is None or message.direction != "inbound":
        return []
    names = names_of()
    if not message.classified:
        if message.classify_error:
            reason = _("Classification failed; read it yourself.")
            return [Label("flag", _("Not classified"), None, reason)]
        return []
    found: list[Label] = []
    if message.sentiment in names["sentiment"]:
        score = message.sentiment_score
        hint = _hint(score, _drivers(message, "sentiment"))
        found.append(Label(message.sentiment, names["sentiment"][message.sentiment], score, hint))
    if message.toxicity in ("offensive", "hate"):
        score = message.toxicity_score
        hint = _hint(score, _drivers(message, "toxicity"))
        found.append(Label(message.toxicity, names["toxicity"][message.toxicity], score, hint))
    if message.spam:
        hint = _hint(message.spam_score, _drivers(message, "spam"))
        found.append(Label("spam", _("Spam"), message.spam_score, hint))
    if message.response_kind in names["response"]:
        hint = _hint(None, _drivers(message, "needs_response"))
        found.append(Label("tag", names["response"][message.response_kind], None, hint))
    if message.language:
        found.append(Label("lang", message.language, None, ""))
    return found


def timer_of(conversation: Conversation, now: datetime) -> Timer | None:
    """The first-response timer: due in some time, or overdue by some time; without a
    target, how long the person has waited."""
    due, since = conversation.response_due_at, conversation.awaiting_since
    if since is None:
        return None
    locale = i18n.current().locale
    if due is None:
        waited = format_timedelta(now - since, threshold=1.0, locale=locale)
        hint = _("No first-response target for this channel and priority.")
        return Timer("waiting", _("Unanswered for %(duration)s") % {"duration": waited}, hint)
    at = i18n.format_datetime(due, "short")
    if due <= now:
        late = format_timedelta(now - due, threshold=1.0, locale=locale)
        return Timer("overdue", _("Overdue by %(duration)s") % {"duration": late}, at)
    left = format_timedelta(due - now, threshold=1.0, locale=locale)
    css = "soon" if due - now <= timedelta(minutes=SOON_MINUTES) else ""
    return Timer(css, _("Reply within %(duration)s") % {"duration": left}, at)


def excerpt(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def author_label(author: InboxAuthor | None) -> tuple[str, str]:
    if author is None:
        return _("Unknown author"), ""
    return (author.name or author.handle or _("Unknown author")), author.handle


def rows_of(views: list[ConversationView], names: dict[uuid.UUID, str], now: datetime) -> list[Row]:
    rows = []
    for item in views:
        c = item.conversation
        name, handle = author_label(item.author)
        last = item.last_message
        rows.append(
            Row(
                conversation=c,
                network=item.channel.network if item.channel else "",
                author_name=name,
                author_handle=handle,
                excerpt=excerpt(last.text) if last else "",
                labels=labels_of(last),
                timer=timer_of(c, now),
                hidden=bool(last and last.hidden),
                assignee_name=names.get(c.assignee_id) if c.assignee_id else None,
            )
        )
    return rows


def timeline_of(found: ConversationDetail, author_name: str) -> list[TimelineItem]:
    """Messages and notes in the order they happened; the last inbound one is `h`'s target."""
    names = found.names
    items = []
    for m in found.messages:
        who = (
            author_name
            if m.direction == "inbound"
            else names.get(m.sent_by, _("Rule"))
            if m.sent_by
            else _("Automatic reply")
        )
        items.append(TimelineItem(m.created_at, message=m, author=who, labels=labels_of(m)))
    for n in found.notes:
        items.append(TimelineItem(n.created_at, note=n))
    items.sort(key=lambda i: i.at)
    for item in reversed(items):
        last = item.message
        if last is not None and last.direction == "inbound" and not last.deleted:
            item.is_last_inbound = True
            break
    return items
