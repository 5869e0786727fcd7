"""Listening queries (CRUD with the parser's errors), brand health figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestre.errors import Invalid, NotFound
from orchestre.listening import service
from orchestre.listening.repository import MentionFilters
from orchestre.listening.service import QueryChanges, QueryInput
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member, make_workspace
from tests.listening.conftest import Listening


def rules(caught: pytest.ExceptionInfo[Invalid]) -> list[tuple[str, str]]:
    return [(e.field, e.rule) for e in caught.value.errors]


def test_a_bad_query_names_every_broken_rule(listening: Listening) -> None:
    lx = listening
    with pytest.raises(Invalid) as caught:
        service.create_query(lx.db, lx.actor, QueryInput("", "(vélo", languages=("french",)))
    assert rules(caught) == [
        ("name", "required"),
        ("query", "unbalanced_parenthesis"),
        ("languages", "language_code"),
    ]


def test_names_are_unique_and_changes_are_checked(listening: Listening) -> None:
    lx = listening
    service.create_query(lx.db, lx.actor, QueryInput("Vélo", "vélo"))
    other = service.create_query(lx.db, lx.actor, QueryInput("Bus", "bus"))
    with pytest.raises(Invalid) as caught:
        service.update_query(lx.db, lx.actor, other.id, QueryChanges(name="Vélo"))
    assert rules(caught) == [("name", "unique")]
    with pytest.raises(Invalid) as caught:
        service.update_query(lx.db, lx.actor, other.id, QueryChanges(query="bus OR"))
    assert rules(caught) == [("query", "missing_operand")]
    changed = service.update_query(lx.db, lx.actor, other.id, QueryChanges(active=False))
    assert changed.active is False
    assert [q.name for q in service.list_queries(lx.db, lx.actor)] == ["Bus", "Vélo"]
    service.delete_query(lx.db, lx.actor, other.id)
    assert [q.name for q in service.list_queries(lx.db, lx.actor)] == ["Vélo"]


def test_another_workspace_query_is_not_found(listening: Listening) -> None:
    lx = listening
    row = service.create_query(lx.db, lx.actor, QueryInput("Vélo", "vélo"))
    elsewhere = make_workspace(lx.db)
    stranger = Actor(
        make_member(lx.db, elsewhere, "owner").id, elsewhere.id, frozenset({Role.OWNER})
    )
    with pytest.raises(NotFound):
        service.get_query(lx.db, stranger, row.id)
    with pytest.raises(NotFound):
        service.list_mentions(lx.db, stranger, MentionFilters(query_id=row.id))


def test_brand_health_counts_days_sentiment_and_hashtags(listening: Listening) -> None:
    lx = listening
    row = service.create_query(lx.db, lx.actor, QueryInput("Vélo", "vélo"))
    lx.post("vélo super #Paris")
    lx.post("vélo nul #paris")
    service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    lx.world.later(days=1)
    lx.post("vélo électrique super")
    service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    health = service.brand_health(lx.db, lx.actor, MentionFilters(query_id=row.id), days=7)
    assert health.total == 3
    assert len(health.days) == 7
    assert [(d.total, d.positive, d.negative) for d in health.days[-2:]] == [(2, 1, 1), (1, 1, 0)]
    assert health.sentiment == {"positive": 2, "neutral": 0, "negative": 1}
    assert health.negative_share == pytest.approx(1 / 3)
    assert health.top_hashtags == [("#paris", 2)]
    assert ("velo", 3) in health.top_terms
    assert health.end - health.start == timedelta(days=6)


def test_brand_health_shows_the_bursts_of_the_period(listening: Listening) -> None:
    lx = listening
    row = service.create_query(lx.db, lx.actor, QueryInput("Vélo", "vélo"))
    for hour in range(10):  # a steady background: four ordinary mentions an hour
        for k in range(4):
            lx.post(f"vélo au quotidien numéro {hour} {k}")
            lx.world.later(minutes=15)
    for n in range(12):  # then, in one hour, a burst about a strike
        lx.post(f"vélo bloqué par la grève des transports {n}")
        lx.world.later(minutes=4)
    lx.world.later(hours=1)
    service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    health = service.brand_health(lx.db, lx.actor, MentionFilters(query_id=row.id), days=3)
    assert health.total == 52
    bursting = {b.term for b in health.bursts}
    assert {"greve", "greve transports"} <= bursting
    assert not bursting & {"quotidien", "numero", "velo"}


def test_mentions_page_newest_first_without_gaps_or_repeats(listening: Listening) -> None:
    lx = listening
    service.create_query(lx.db, lx.actor, QueryInput("Vélo", "vélo"))
    for n in range(5):
        lx.post(f"vélo {n}")
        lx.world.later(minutes=1)
    service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    seen: list[str] = []
    cursor = None
    while True:
        page = service.list_mentions(lx.db, lx.actor, MentionFilters(), cursor, limit=2)
        seen.extend(m.text for m in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"vélo {n}" for n in reversed(range(5))]
    with pytest.raises(Invalid):
        service.list_mentions(lx.db, lx.actor, MentionFilters(), "not-a-cursor")
