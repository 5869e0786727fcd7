"""Running the workspace's rules over new messages (in the ingest path) or stored ones (dry run).

`apply_rules` loads each workspace's enabled rules once per call, reuses their compiled
conditions while a rule is unchanged (keyed by id and `updated_at`), and reads the
authors and channels of the whole batch in one query each: the ingest path stays fast.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.kit.timezones import utc_to_local
from orchestre.models.inbox import Direction, InboxAuthor, InboxMessage
from orchestre.models.moderation import ModerationAction, ModerationRule
from orchestre.moderation import repository
from orchestre.moderation.conditions import MessageFacts, Predicate, compile_group, parse
from orchestre.moderation.effects import ActionSpec, Run, parse_actions, perform

# Classifier name -> (label column, score column) on InboxMessage.
_LABEL_COLUMNS = {
    "sentiment": ("sentiment", "sentiment_score"),
    "toxicity": ("toxicity", "toxicity_score"),
    "spam": ("spam", "spam_score"),
    "needs_response": ("needs_response", None),
    "response_kind": ("response_kind", None),
}


@dataclass(frozen=True)
class CompiledRule:
    id: uuid.UUID
    name: str
    stop: bool
    predicate: Predicate
    actions: list[ActionSpec]


CACHE_SIZE = 10_000
_cache: dict[uuid.UUID, tuple[datetime | None, CompiledRule]] = {}
_cache_lock = threading.Lock()


def compile_rule(
    rule_id: uuid.UUID,
    name: str,
    conditions: dict[str, Any],
    actions: list[dict[str, Any]],
    *,
    stop: bool = False,
) -> CompiledRule:
    """The rule ready to run; ValueError (pydantic's ValidationError) when it is not valid."""
    return CompiledRule(
        id=rule_id,
        name=name,
        stop=stop,
        predicate=compile_group(parse(conditions)),
        # No actions: a draft tried in a dry run for its matches alone.
        actions=parse_actions(actions) if actions else [],
    )


def compiled(rule: ModerationRule) -> CompiledRule | None:
    """The rule ready to run, or None when its stored documents no longer validate."""
    with _cache_lock:
        hit = _cache.get(rule.id)
    if hit is not None and hit[0] == rule.updated_at:
        return hit[1]
    try:
        result = compile_rule(
            rule.id, rule.name, rule.conditions or {}, list(rule.actions or []), stop=rule.stop
        )
    except ValueError:
        return None
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:  # rules deleted long ago would stay otherwise
            _cache.clear()
        _cache[rule.id] = (rule.updated_at, result)
    return result


def _label_value(message: InboxMessage, column: str) -> str | None:
    value = getattr(message, column)
    if isinstance(value, bool):
        if column == "spam":
            return "spam" if value else "ham"
        return "yes" if value else "no"
    return value if isinstance(value, str) else None


def facts_of(
    message: InboxMessage, network: str, zone: str, author: InboxAuthor | None
) -> MessageFacts:
    labels: dict[str, str | None] = {}
    scores: dict[str, float | None] = {}
    for name, (label_col, score_col) in _LABEL_COLUMNS.items():
        labels[name] = _label_value(message, label_col)
        scores[name] = getattr(message, score_col) if score_col else _stored_score(message, name)
    scores["language"] = _stored_score(message, "lang")
    return MessageFacts(
        text=message.text or "",
        network=network,
        channel_id=message.channel_id,
        local_time=utc_to_local(message.created_at, zone),
        language=message.language,
        labels=labels,
        scores=scores,
        author_tags=frozenset(t.casefold() for t in (author.tags if author else [])),
        first_time_author=author is not None and author.message_count <= 1,
    )


def _stored_score(message: InboxMessage, name: str) -> float | None:
    """The score of a label kept only in the classification document (needs_response)."""
    entry = (message.classification or {}).get(name)
    if isinstance(entry, dict):
        score = entry.get("score")
        if isinstance(score, int | float):
            return float(score)
    return None


def evidence_of(facts: MessageFacts, rule: CompiledRule, matched: list[str]) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "matched": matched,
        "labels": {k: v for k, v in facts.labels.items() if v is not None},
        "scores": {k: round(v, 4) for k, v in facts.scores.items() if v is not None},
        "language": facts.language,
    }


@dataclass
class Match:
    message: InboxMessage
    rule: CompiledRule
    evidence: dict[str, Any]


def matches(
    session: Session,
    workspace_id: uuid.UUID,
    messages: Sequence[InboxMessage],
    rules: Sequence[CompiledRule],
) -> Iterator[Match]:
    """Each (message, rule) that matched, in rule order, honouring each rule's `stop`."""
    zone = repository.timezone_of(session, workspace_id)
    networks = repository.networks(session, [m.channel_id for m in messages])
    authors = repository.authors(session, [m.author_id for m in messages if m.author_id])
    for message in messages:
        author = authors.get(message.author_id) if message.author_id else None
        facts = facts_of(message, networks.get(message.channel_id, ""), zone, author)
        for rule in rules:
            ok, why = rule.predicate(facts)
            if not ok:
                continue
            yield Match(message, rule, evidence_of(facts, rule, why))
            if rule.stop:
                break


def apply_rules(session: Session, messages: Sequence[InboxMessage]) -> list[ModerationAction]:
    """Run the enabled rules over new inbound messages and carry out what they say.

    Every action taken is logged (and returned); nothing is committed here."""
    by_workspace: dict[uuid.UUID, list[InboxMessage]] = defaultdict(list)
    for message in messages:
        if message.direction == Direction.INBOUND.value and not message.deleted:
            by_workspace[message.workspace_id].append(message)
    done: list[ModerationAction] = []
    for workspace_id, batch in by_workspace.items():
        rows = repository.enabled_rules(session, workspace_id)
        rules = [c for c in map(compiled, rows) if c is not None]
        if not rules:
            continue
        by_id = {row.id: row for row in rows}
        run = Run(session, workspace_id)
        found = list(matches(session, workspace_id, batch, rules))
        # One query for every conversation touched, not one per message.
        conversations = repository.conversations(
            session, [m.message.conversation_id for m in found]
        )
        for match in found:
            conversation = conversations.get(match.message.conversation_id)
            if conversation is None:
                continue
            for spec in match.rule.actions:
                done.append(
                    perform(
                        run, by_id[match.rule.id], match.message, conversation, spec, match.evidence
                    )
                )
    if done:
        session.add_all(done)
        session.flush()
    return done
