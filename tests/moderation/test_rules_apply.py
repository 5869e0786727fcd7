"""apply_rules: the enabled rules run over new messages, in order, and each action is logged."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orchestre.models.inbox import Conversation
from orchestre.moderation.rules import apply_rules
from tests.factories import make_channel, make_workspace
from tests.moderation.rules_support import make_author, make_message, make_rule

INSULT = {"all": [{"type": "label", "classifier": "toxicity", "labels": ["offensive"]}]}


def test_a_matching_rule_tags_the_conversation_and_logs_why(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(db, ws, INSULT, [{"type": "tag", "tags": ["review"]}], name="Insults")
    rude = make_message(db, ws, channel, "t'es nul", toxicity="offensive", toxicity_score=0.91)
    kind = make_message(db, ws, channel, "merci !", toxicity="clean", toxicity_score=0.97)

    done = apply_rules(db, [rude, kind])

    assert [(a.message_id, a.action, a.status) for a in done] == [(rude.id, "tag", "done")]
    assert done[0].evidence["scores"]["toxicity"] == 0.91
    assert done[0].evidence["matched"] == ["conditions.all[0]: toxicity in ['offensive']"]
    assert db.get(Conversation, rude.conversation_id).tags == ["review"]  # type: ignore[union-attr]
    assert db.get(Conversation, kind.conversation_id).tags == []  # type: ignore[union-attr]


def test_stop_ends_the_run_and_disabled_rules_do_nothing(db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    anything = {"any": [{"type": "network", "networks": ["sandbox"]}]}
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["first"]}], position=0, stop=True)
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["second"]}], position=1)
    make_rule(db, ws, anything, [{"type": "tag", "tags": ["off"]}], position=-1, enabled=False)
    message = make_message(db, ws, channel, "hello", author=make_author(db, ws))

    apply_rules(db, [message])

    assert db.get(Conversation, message.conversation_id).tags == ["first"]  # type: ignore[union-attr]
