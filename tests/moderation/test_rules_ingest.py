"""Through the ingest path: a new workspace's starter rules act on the comments that arrive."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import utcnow
from orchestre.models.inbox import Conversation
from orchestre.models.moderation import ModerationAction, ModerationRule
from orchestre.workspaces.service import create_workspace
from tests.factories import make_channel, make_user
from tests.inbox.ingest_fakes import KeywordClassifier, said


def test_a_new_workspace_hides_spam_and_flags_insults_as_they_arrive(db: Session) -> None:
    ws = create_workspace(db, make_user(db), "Moderated brand", timezone="Europe/Paris")
    starters = db.scalars(
        select(ModerationRule.starter_key).where(ModerationRule.workspace_id == ws.id)
    )
    assert sorted(k for k in starters if k) == [
        "assign_complaints",
        "flag_insults",
        "hide_hate",
        "hide_spam",
    ]
    channel = make_channel(db, ws)
    now = utcnow()

    spam, insult, kind = ingest(
        db,
        channel,
        [
            said("BUY NOW cheap followers", now, author="bot", post="post-1"),
            said("you idiot", now, author="troll", post="post-2"),
            said("lovely post", now, author="fan"),
        ],
        source="poll",
        classifier=KeywordClassifier(),
    )

    assert (spam.hidden, insult.hidden, kind.hidden) == (True, False, False)
    flagged = db.get(Conversation, insult.conversation_id)
    assert flagged is not None
    assert (flagged.tags, flagged.priority) == (["review"], "high")
    logged = db.scalars(select(ModerationAction).where(ModerationAction.workspace_id == ws.id))
    seen = sorted((a.rule_name, a.action, a.message_id == spam.id) for a in logged)
    assert seen == [
        ("Flag insults for review", "set_priority", False),
        ("Flag insults for review", "tag", False),
        ("Hide spam", "hide", True),
    ]
