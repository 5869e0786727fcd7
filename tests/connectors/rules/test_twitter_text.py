"""X's counting and extraction against the official twitter-text conformance cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestre.connectors.rules import twitter_text
from orchestre.connectors.rules.twitter_text import CONFIG_V2, CONFIG_V3, CountingConfig

DATA = Path(__file__).parent / "data"


def _cases(file: str, *groups: str) -> list[Any]:
    tests = yaml.safe_load((DATA / file).read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, id=f"{group}: {case['description']}")
        for group in groups
        for case in tests[group]
    ]


COUNTER_CONFIGS: dict[str, CountingConfig] = {
    "WeightedTweetsCounterTest": CONFIG_V2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": CONFIG_V3,
    "UnicodeDirectionalMarkerCounterTest": CONFIG_V3,
}


def _counter_cases() -> list[Any]:
    tests = yaml.safe_load((DATA / "validate.yml").read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, config, id=f"{group}: {case['description']}")
        for group, config in COUNTER_CONFIGS.items()
        for case in tests[group]
    ]


def test_v3_config_is_the_copied_one() -> None:
    import json

    v3 = json.loads((DATA / "v3.json").read_text(encoding="utf-8"))
    assert v3["maxWeightedTweetLength"] == CONFIG_V3.max_weighted_length
    assert v3["scale"] == CONFIG_V3.scale
    assert v3["defaultWeight"] == CONFIG_V3.default_weight
    assert v3["transformedURLLength"] == CONFIG_V3.transformed_url_length
    assert v3["emojiParsingEnabled"] is CONFIG_V3.emoji_parsing
    assert [(r["start"], r["end"], r["weight"]) for r in v3["ranges"]] == [
        (r.start, r.end, r.weight) for r in CONFIG_V3.ranges
    ]


@pytest.mark.parametrize(("case", "config"), _counter_cases())
def test_weighted_counter(case: dict[str, Any], config: CountingConfig) -> None:
    parsed = twitter_text.parse_text(case["text"], config)
    expected = case["expected"]
    assert {
        "weightedLength": parsed.weighted_length,
        "valid": parsed.valid,
        "permillage": parsed.permillage,
        "displayRangeStart": parsed.display_range_start,
        "displayRangeEnd": parsed.display_range_end,
        "validRangeStart": parsed.valid_range_start,
        "validRangeEnd": parsed.valid_range_end,
    } == expected


@pytest.mark.parametrize("case", _cases("extract.yml", "urls", "tco_urls_with_params"))
def test_extract_urls(case: dict[str, Any]) -> None:
    assert [u.text for u in twitter_text.extract_urls(case["text"])] == case["expected"]


@pytest.mark.parametrize(
    "case", _cases("extract.yml", "urls_with_indices", "urls_with_directional_markers")
)
def test_extract_urls_with_indices(case: dict[str, Any]) -> None:
    found = [
        {"url": u.text, "indices": [u.start, u.end]}
        for u in twitter_text.extract_urls(case["text"])
    ]
    assert found == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "hashtags", "hashtags_from_astral"))
def test_extract_hashtags(case: dict[str, Any]) -> None:
    assert [h.text for h in twitter_text.extract_hashtags(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "hashtags_with_indices"))
def test_extract_hashtags_with_indices(case: dict[str, Any]) -> None:
    found = [
        {"hashtag": h.text, "indices": [h.start, h.end]}
        for h in twitter_text.extract_hashtags(case["text"])
    ]
    assert found == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "mentions"))
def test_extract_mentions(case: dict[str, Any]) -> None:
    assert [m.text for m in twitter_text.extract_mentions(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "mentions_with_indices"))
def test_extract_mentions_with_indices(case: dict[str, Any]) -> None:
    found = [
        {"screen_name": m.text, "indices": [m.start, m.end]}
        for m in twitter_text.extract_mentions(case["text"])
    ]
    assert found == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "mentions_or_lists_with_indices"))
def test_extract_mentions_or_lists_with_indices(case: dict[str, Any]) -> None:
    found = [
        {"screen_name": m.text, "list_slug": m.list_slug, "indices": [m.start, m.end]}
        for m in twitter_text.extract_mentions(case["text"], with_lists=True)
    ]
    assert found == case["expected"]
