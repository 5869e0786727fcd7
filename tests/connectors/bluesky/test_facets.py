"""Facet detection: UTF-8 byte offsets for links, mentions and hashtags."""

from __future__ import annotations

import pytest

from orchestre.connectors.bluesky.facets import Facet, facets, mentioned_handles, record_facets


def spans(text: str) -> list[tuple[str, str, str]]:
    """(kind, the bytes the facet covers, value) for each facet found."""
    encoded = text.encode("utf-8")
    return [
        (f.kind, encoded[f.byte_start : f.byte_end].decode("utf-8"), f.value) for f in facets(text)
    ]


def test_offsets_are_utf8_bytes_after_accents_and_emoji() -> None:
    text = "Déjà 🎉 #été"
    found = facets(text)
    # "Déjà " is 7 bytes, "🎉 " is 5: the tag starts at byte 12, "#été" is 6 bytes.
    assert found == [Facet("tag", 12, 18, "été")]


def test_a_mention_after_emoji_and_a_zwj_sequence() -> None:
    text = "👩‍💻 @alice.bsky.social!"
    (facet,) = facets(text)
    assert facet.kind == "mention"
    assert facet.value == "alice.bsky.social"
    assert facet.byte_start == len("👩‍💻 ".encode())
    assert facet.byte_end == facet.byte_start + len("@alice.bsky.social")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "see https://example.com/a.",
            [("link", "https://example.com/a", "https://example.com/a")],
        ),
        ("(https://example.com/x)", [("link", "https://example.com/x", "https://example.com/x")]),
        (
            "wiki https://en.wikipedia.org/wiki/Caf%C3%A9_(drink) ok",
            [
                (
                    "link",
                    "https://en.wikipedia.org/wiki/Caf%C3%A9_(drink)",
                    "https://en.wikipedia.org/wiki/Caf%C3%A9_(drink)",
                )
            ],
        ),
        ("go to bsky.app/profile!", [("link", "bsky.app/profile", "https://bsky.app/profile")]),
        ("e.g. file.txt", []),
        ("mail a@example.com", []),
        ("ça coûte 1.5 €", []),
    ],
)
def test_links(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @bob.test.", [("mention", "@bob.test", "bob.test")]),
        ("(@Bob.Example.com)", [("mention", "@Bob.Example.com", "Bob.Example.com")]),
        ("@alice", []),  # not a domain
        ("a@b.com", []),  # an e-mail address
        ("@1.5", []),
    ],
)
def test_mentions(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#café!", [("tag", "#café", "café")]),
        ("#2026 #100%", []),  # digits (and punctuation) only
        ("#2026paris", [("tag", "#2026paris", "2026paris")]),
        ("＃wide", [("tag", "＃wide", "wide")]),
        ("#️⃣ keycap", []),
        ("word#nottag", []),
        ("#" + "a" * 65, []),
        (
            "https://example.com/#anchor",
            [("link", "https://example.com/#anchor", "https://example.com/#anchor")],
        ),
    ],
)
def test_hashtags(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


def test_record_facets_drop_unresolved_mentions_and_keep_the_order() -> None:
    text = "@a.test @b.test #x https://example.com"
    found = facets(text)

    assert mentioned_handles(found) == ["a.test", "b.test"]
    out = record_facets(found, {"a.test": "did:plc:a"})

    assert out == [
        {
            "index": {"byteStart": 0, "byteEnd": 7},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:a"}],
        },
        {
            "index": {"byteStart": 16, "byteEnd": 18},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "x"}],
        },
        {
            "index": {"byteStart": 19, "byteEnd": 38},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}],
        },
    ]


def test_handles_are_resolved_once_in_lower_case() -> None:
    assert mentioned_handles(facets("@Bob.Test and @bob.test")) == ["bob.test"]
