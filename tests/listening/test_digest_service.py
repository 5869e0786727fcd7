"""A workspace's weekly digest from its mentions: facts, once per week, members told."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from orchestre.kit.clock import utcnow
from orchestre.listening import digest_service
from orchestre.listening import service as listening
from orchestre.models import Notification
from orchestre.models.listening import Mention
from tests.listening.conftest import Listening


def _mention(t: Listening, query_id: object, text: str, tags: list[str], days: float) -> None:
    t.db.add(
        Mention(
            workspace_id=t.world.workspace.id,
            query_id=query_id,
            network="sandbox",
            external_id=f"{text}-{days}-{tags}",
            text=text,
            hashtags=tags,
            sentiment="negative" if "nul" in text else "positive",
            published_at=utcnow() - timedelta(days=days),
        )
    )


def test_the_week_digest_is_made_once_from_facts(listening: Listening) -> None:
    rival = listening_query(listening, "Rival", "competitor")
    brand = listening_query(listening, "Nous", "brand")
    for i in range(12):
        _mention(listening, rival, f"rival post {i}", ["velotaf"], 1 + i / 10)
    for i in range(3):
        _mention(listening, rival, f"old rival post {i}", ["velotaf"], 8 + i / 10)
    for i in range(6):
        _mention(listening, brand, f"brand {'nul' if i < 3 else 'top'} {i}", [], 2 + i / 10)
    for i in range(4):
        _mention(listening, brand, f"brand top old {i}", [], 9 + i / 10)
    listening.db.flush()

    made = digest_service.make_digest(
        listening.db, listening.world.workspace.id, date(2030, 3, 11), utcnow()
    )
    assert made is not None
    kinds = {r["kind"]: r for r in made.recommendations}
    assert kinds["hashtag"]["figures"]["ratio"] == 4.0
    assert kinds["hashtag"]["en"].startswith("#velotaf rose 4x in your competitors' posts")
    assert kinds["volume"]["figures"] == {"mentions": 6, "previous_mentions": 4, "change": 0.5}
    assert kinds["negative"]["figures"] == {"negative_share": 0.5, "previous_negative_share": 0.0}
    told = listening.db.scalars(
        select(Notification).where(Notification.kind == "listening.digest")
    ).all()
    assert [n.user_id for n in told] == [listening.world.owner.id]
    assert made.notified == 1
    # The same week again (another round, another worker): nothing new, nobody told twice.
    again = digest_service.make_digest(
        listening.db, listening.world.workspace.id, date(2030, 3, 11), utcnow()
    )
    assert again is None
    assert len(listening.db.scalars(select(Notification)).all()) == 1


def listening_query(t: Listening, name: str, about: str) -> object:
    row = listening.create_query(
        t.db, t.actor, listening.QueryInput(name, name.lower(), about=about)
    )
    return row.id
