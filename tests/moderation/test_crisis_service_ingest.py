"""End to end: messages come in through the inbox's ingest path (classified there), the
background round feeds them to the detector, and a wave of insults raises a toxic-share
alert whose evidence names the word."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import FrozenClock
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation.crisis_runtime import watch_round
from tests.factories import make_channel, make_member, make_workspace
from tests.inbox.ingest_fakes import KeywordClassifier, said
from tests.moderation.crisis_support import BUCKET, CALM, CONFIG


def test_insults_arriving_through_ingest_raise_a_toxic_share_alert(
    db: Session, clock: FrozenClock, session_factory: sessionmaker[Session]
) -> None:
    ws = make_workspace(db)
    make_member(db, ws, "owner")
    channel = make_channel(db, ws)
    classifier = KeywordClassifier()
    start = clock.now() - timedelta(hours=5)
    for b in range(24):  # four quiet hours, three messages every ten minutes
        at = start + b * BUCKET + timedelta(minutes=2)
        calm = [said(CALM[(b + i) % len(CALM)], at, author=f"fan{i}") for i in range(3)]
        ingest(db, channel, calm, source="poll", classifier=classifier, now=at)
    wave_at = start + 24 * BUCKET + timedelta(minutes=1)
    wave = [said(f"you idiot, idiot brand #{i % 2}x", wave_at, author=f"t{i}") for i in range(12)]
    wave += [said(CALM[0], wave_at, author="fan")]
    ingest(db, channel, wave, source="poll", classifier=classifier, now=wave_at)
    db.commit()

    report = watch_round(session_factory, clock.now(), CONFIG)

    assert report.failed == 0
    alerts = db.scalars(select(CrisisAlert).where(CrisisAlert.workspace_id == ws.id)).all()
    toxic = [a for a in alerts if a.kind == "toxic_share"]
    assert len(toxic) == 1
    evidence = toxic[0].evidence
    # The share over the last hour (twelve insults among 28 messages) against about 5 %.
    assert evidence["observed"] == round(12 / 28, 4)
    assert evidence["expected"] < 0.1
    assert evidence["top_terms"][0]["term"] == "idiot"
    # The chart's series is the toxic share bucket by bucket: none before, 12 of 13 at last.
    assert evidence["series"]["values"][-1] == round(12 / 13, 4)
    assert evidence["series"]["values"][-25:-1] == [0.0] * 24
    assert len(evidence["samples"]) == 5
    assert all("idiot" in s["text"] for s in evidence["samples"])
