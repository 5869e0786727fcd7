"""Conditions: validated with errors that name the field, compiled into fast tests."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from orchestre.kit.timezones import utc_to_local
from orchestre.moderation.conditions import MessageFacts, compile_group, fold, parse


def facts(
    text: str = "", *, at: datetime | None = None, zone: str = "UTC", **kw: Any
) -> MessageFacts:
    instant = at or datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
    return MessageFacts(
        text=text,
        network=kw.pop("network", "sandbox"),
        channel_id=kw.pop("channel_id", uuid.uuid4()),
        local_time=utc_to_local(instant, zone),
        **kw,
    )


def check(document: dict[str, Any], f: MessageFacts) -> bool:
    return compile_group(parse(document))(f)[0]


def test_keywords_ignore_accents_and_case_and_match_whole_words() -> None:
    rule = {"all": [{"type": "keywords", "words": ["arnaque", "remboursé"]}]}
    assert check(rule, facts("C'est une ARNAQUÉ !"))
    assert check(rule, facts("jamais ete rembourse"))
    assert not check(rule, facts("arnaques en série"))  # another word, not "arnaque"
    assert fold("Ça Évolue") == "ca evolue"


def test_regex_reads_text_without_accents_and_case() -> None:
    rule = {"all": [{"type": "regex", "pattern": r"commande\s*#?\d{5}"}]}
    assert check(rule, facts("Ma COMMANDE #12345 n'est pas arrivée"))
    assert not check(rule, facts("commande 12"))
    accented = {"all": [{"type": "regex", "pattern": "d[ée]çu"}]}
    assert check(accented, facts("Très DECU par le service"))


def test_a_catastrophic_regex_gives_up_instead_of_stalling() -> None:
    rule = {"all": [{"type": "regex", "pattern": r"(a+)+$"}]}
    started = time.perf_counter()
    assert not check(rule, facts("a" * 40 + "!"))
    assert time.perf_counter() - started < 2.0


def test_labels_with_a_score_threshold() -> None:
    rule = {
        "all": [{"type": "label", "classifier": "toxicity", "labels": ["hate"], "min_score": 0.8}]
    }
    sure = facts("x", labels={"toxicity": "hate"}, scores={"toxicity": 0.93})
    unsure = facts("x", labels={"toxicity": "hate"}, scores={"toxicity": 0.55})
    other = facts("x", labels={"toxicity": "offensive"}, scores={"toxicity": 0.99})
    assert [check(rule, f) for f in (sure, unsure, other)] == [True, False, False]


def test_any_group_negation_author_tags_network_and_first_time() -> None:
    rule = {
        "any": [
            {"type": "author_tag", "tags": ["VIP"]},
            {
                "all": [
                    {"type": "first_time_author"},
                    {"type": "network", "networks": ["sandbox"], "negate": True},
                ]
            },
        ]
    }
    assert check(rule, facts(author_tags=frozenset({"vip"})))
    assert check(rule, facts(network="x", first_time_author=True))
    assert not check(rule, facts(network="sandbox", first_time_author=True))
    assert not check(rule, facts(network="x"))


def test_matched_conditions_are_described_for_the_log() -> None:
    rule = {
        "any": [{"type": "language", "languages": ["fr"]}, {"type": "keywords", "words": ["x"]}]
    }
    ok, why = compile_group(parse(rule))(facts("bonjour", language="fr"))
    assert ok
    assert why == ["conditions.any[0]: language in ['fr']"]


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        # Paris is UTC+1 in winter and UTC+2 from the last Sunday of March.
        (datetime(2030, 3, 30, 21, 30, tzinfo=UTC), True),  # 22:30 winter time, Saturday
        (datetime(2030, 3, 30, 20, 30, tzinfo=UTC), False),  # 21:30
        (datetime(2030, 3, 31, 4, 30, tzinfo=UTC), True),  # 06:30 summer time, after the jump
        (datetime(2030, 3, 31, 5, 30, tzinfo=UTC), False),  # 07:30 summer time
        (datetime(2030, 3, 31, 20, 30, tzinfo=UTC), True),  # 22:30 summer time
    ],
)
def test_time_of_day_is_read_on_the_workspace_clock_across_dst(utc: datetime, inside: bool) -> None:
    rule = {"all": [{"type": "time_of_day", "start": "22:00", "end": "07:00"}]}
    assert check(rule, facts(at=utc, zone="Europe/Paris")) is inside


def test_days_of_a_window_across_midnight_belong_to_the_evening_it_started() -> None:
    # Friday night 22:00 to Saturday 07:00 only: Saturday 03:00 is inside, Sunday 03:00 not.
    rule = {"all": [{"type": "time_of_day", "start": "22:00", "end": "07:00", "days": [5]}]}
    saturday_3am = datetime(2030, 3, 16, 2, 0, tzinfo=UTC)  # 03:00 in Paris
    sunday_3am = datetime(2030, 3, 17, 2, 0, tzinfo=UTC)
    assert check(rule, facts(at=saturday_3am, zone="Europe/Paris"))
    assert not check(rule, facts(at=sunday_3am, zone="Europe/Paris"))


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"all": [{"type": "label", "classifier": "toxicity", "labels": ["rude"]}]}, "labels"),
        (
            {
                "all": [
                    {"type": "label", "classifier": "toxicity", "labels": ["hate"], "min_score": 2}
                ]
            },
            "min_score",
        ),
        ({"all": [{"type": "regex", "pattern": "(unclosed"}]}, "pattern"),
        ({"all": [{"type": "colour", "is": "red"}]}, "all"),
        ({"all": [], "any": []}, ""),
        ({"all": [{"type": "time_of_day", "start": "25:00", "end": "07:00"}]}, "start"),
    ],
)
def test_a_bad_condition_is_refused_naming_the_field(document: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(document)
    locations = [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]
    assert any(where in loc for loc in locations), locations
