"""Checking variants against the editorial line: banned words, required tags, empty variants."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.errors import Invalid
from orchestre.models import Severity
from orchestre.posts import service
from orchestre.posts.validation import (
    EditorialRules,
    Finding,
    VariantContent,
    check_variant,
    gather_findings,
)
from tests.posts.conftest import Team, create_post

RULES = EditorialRules(
    banned_words=("idiot", "pas cher", "Œuvre"),
    required_hashtags=("#ÉtéSolidaire",),
    required_mentions=("@brand.social",),
)


def _rules(text: str, first_comment: str | None = None, media: int = 0) -> set[str]:
    content = VariantContent(text=text, first_comment=first_comment, media_count=media)
    return {f"{f.rule}:{f.actual or f.limit}" for f in check_variant(content, RULES)}


@pytest.mark.parametrize(
    "text",
    [
        "Quel IDIOT !",
        "quel idiot.",
        "l'idiot du village",
        "Idiot",
        "Des prix PAS  CHER",
        "une oeuvre",
        "une ŒUVRE d'art",
        "Des prix pâs chèr",
    ],
)
def test_banned_words_match_whole_words_without_case_or_accents(text: str) -> None:
    assert any(rule.startswith("banned_word") for rule in _rules(text))


@pytest.mark.parametrize("text", ["idiotie", "Les idiots", "pas chère ? non: pascher", "manœuvre"])
def test_banned_words_do_not_match_inside_other_words(text: str) -> None:
    assert not any(rule.startswith("banned_word") for rule in _rules(text))


def test_required_hashtags_and_mentions_may_sit_in_the_first_comment() -> None:
    missing = _rules("Nothing here")
    assert "required_hashtag:#ÉtéSolidaire" in missing
    assert "required_mention:@brand.social" in missing
    assert not {
        r for r in _rules("Bel été #etesolidaire avec @Brand.Social.") if r.startswith("required")
    }
    assert not {
        r
        for r in _rules("Text", first_comment="#ÉTÉSOLIDAIRE @brand.social")
        if r.startswith("required")
    }
    # A longer hashtag is not the required one.
    assert "required_hashtag:#ÉtéSolidaire" in _rules("#EteSolidaire2030 @brand.social")


def test_a_variant_needs_text_or_media() -> None:
    assert "empty:None" in _rules("   ")
    assert "empty:None" not in _rules("", media=1)


def test_severities_follow_the_editorial_line_and_errors_come_first() -> None:
    rules = EditorialRules(
        banned_words=("idiot",),
        banned_words_severity=Severity.WARNING,
        required_hashtags=("#x",),
        required_severity=Severity.ERROR,
    )
    findings = check_variant(VariantContent(text="idiot"), rules)
    assert [(f.rule, f.severity) for f in findings] == [
        ("required_hashtag", Severity.ERROR),
        ("banned_word", Severity.WARNING),
    ]


def test_more_checkers_plug_into_gather_findings() -> None:
    def too_long(content: VariantContent, rules: EditorialRules) -> list[Finding]:
        if len(content.text) > 5:
            return [
                Finding(Severity.ERROR, "text", "max_length", "Too long.", 5, len(content.text))
            ]
        return []

    findings = gather_findings(VariantContent(text="abcdefgh"), EditorialRules(), [too_long])
    assert [(f.rule, f.limit, f.actual) for f in findings] == [("max_length", 5, 8)]


def test_findings_show_under_each_variant_and_errors_block_review(
    client: TestClient, team: Team, db: Session
) -> None:
    line = client.put(
        team.url("/editorial-line"),
        json={
            "banned_words": ["cheap"],
            "required_hashtags": ["brand"],
        },
        headers=team.headers["owner"],
    )
    assert line.status_code == 200, line.text
    alpha, beta = team.channels
    post = create_post(
        client,
        team,
        base_text="So cheap!",
        variants=[
            {"channel_id": str(beta.id), "text": "Fine words #brand"},
        ],
    )
    by_handle = {v["channel"]["handle"]: v["findings"] for v in post["variants"]}
    assert {(f["rule"], f["severity"]) for f in by_handle["@alpha"]} == {
        ("banned_word", "error"),
        ("required_hashtag", "warning"),
    }
    assert by_handle["@beta"] == []

    with pytest.raises(Invalid) as refused:
        service.assert_ready_for_review(db, team.actor("content_creator"), uuid.UUID(post["id"]))
    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("variants[@alpha].text", "banned_word"),
    ]

    fixed = client.patch(
        team.url(f"/posts/{post['id']}/variants/{post['variants'][0]['id']}"),
        json={"version": 1, "text": "Good value"},
        headers=team.headers["owner"],
    )
    assert fixed.status_code == 200
    db.expire_all()  # the API changed the post in its own session
    # Warnings (the missing hashtag) do not block.
    ready = service.assert_ready_for_review(db, team.actor(), uuid.UUID(post["id"]))
    assert [v.channel_id for v in ready.variants] == [alpha.id, beta.id]
