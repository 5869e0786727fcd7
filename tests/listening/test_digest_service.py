"""A workspace's weekly digest from its mentions: facts, once per week, members told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.kit.clock import utcnow
from orchestre.listening import digest, digest_posts, digest_service
from orchestre.listening import service as listening
from orchestre.models import Notification
from orchestre.models.listening import Mention
from orchestre.models.listening_topics import Digest
from tests.analytics.kpi_support import at, make_shop
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


def test_the_brands_last_post_on_a_hashtag_and_the_best_post_of_the_week(db: Session) -> None:
    shop = make_shop(db)
    end = at("2030-03-11 07:00")
    # Four measured posts in the last 90 days: rates 4, 1, 2 and 8 % (median 3 %).
    shop.post(at("2029-12-01 10:00"), text="Hiver #velotaf", likes=6, reach=100)  # too old
    shop.post(at("2030-02-20 10:00"), text="Printemps #velotaf", likes=4, reach=100)  # last on it
    shop.post(at("2030-03-01 10:00"), text="Atelier", likes=1, reach=100)
    shop.post(at("2030-03-05 10:00"), text="Balade", likes=1, comments=1, reach=100, format="image")
    shop.post(
        at("2030-03-08 10:00"),
        text="Notre nouvelle gamme",
        likes=6,
        saves=2,
        impressions=100,
        format="carousel",
    )
    shop.post(at("2030-03-09 10:00"), text="Pas encore mesuré")  # no figures: left out
    facts = digest.Facts(
        hashtags=[digest.HashtagFact("#velotaf", 12, 3), digest.HashtagFact("#neuf", 6, 0)]
    )
    filled = digest_posts.with_brand_posts(facts, db, shop.workspace.id, end)
    velotaf, neuf = filled.hashtags
    assert (velotaf.last_post_engagement, velotaf.median_engagement) == (4.0, 3.0)
    assert (neuf.last_post_engagement, neuf.median_engagement) == (None, None)
    assert filled.best_post == digest.BestPostFact(
        "Notre nouvelle gamme", shop.channel.network, "carousel", 8.0, 3.0
    )
    [line] = [r for r in digest.recommendations(filled) if r.figures.get("tag") == "#velotaf"]
    assert line.en.endswith("your last post on it had 1.3x your median engagement (4% vs 3%).")


def test_the_loser_of_a_race_for_the_week_makes_nothing_and_tells_nobody(
    listening: Listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers both find no digest for the week; the second to insert hits the unique
    (workspace, week) and leaves: one digest, one notification per reader."""
    workspace_id = listening.world.workspace.id
    week = date(2030, 3, 11)
    real_gather = digest_service.gather

    def gather_while_another_worker_commits(*args: object) -> digest.Facts:
        facts = real_gather(*args)  # type: ignore[arg-type]
        monkeypatch.setattr(digest_service, "gather", real_gather)
        assert digest_service.make_digest(listening.db, workspace_id, week, utcnow()) is not None
        return facts

    monkeypatch.setattr(digest_service, "gather", gather_while_another_worker_commits)
    assert digest_service.make_digest(listening.db, workspace_id, week, utcnow()) is None
    assert len(listening.db.scalars(select(Digest)).all()) == 1
    told = listening.db.scalars(select(Notification).where(Notification.kind == "listening.digest"))
    assert len(list(told)) == 1
