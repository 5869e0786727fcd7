"""Tracked links' addresses: which destinations are accepted, how UTM tags merge, codes."""

from __future__ import annotations

import pytest

from orchestre.analytics.links_urls import (
    ALPHABET,
    CODE_LENGTH,
    destination,
    is_code,
    new_code,
    referrer_host,
    utm_of,
    with_utm,
)
from orchestre.errors import Invalid

TAGS = {"utm_source": "linkedin", "utm_medium": "social", "utm_campaign": "soldes-ete"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://shop.example.com/new",
            "https://shop.example.com/new?utm_source=linkedin&utm_medium=social"
            "&utm_campaign=soldes-ete",
        ),
        # Existing parameters stay first, as written (order, case, encoding).
        (
            "https://shop.example.com/p?ID=7&q=caf%C3%A9+cr%C3%A8me",
            "https://shop.example.com/p?ID=7&q=caf%C3%A9+cr%C3%A8me&utm_source=linkedin"
            "&utm_medium=social&utm_campaign=soldes-ete",
        ),
        # The fragment stays last.
        (
            "https://shop.example.com/p?a=1#reviews",
            "https://shop.example.com/p?a=1&utm_source=linkedin&utm_medium=social"
            "&utm_campaign=soldes-ete#reviews",
        ),
        (
            "https://shop.example.com/#/app/route",
            "https://shop.example.com/?utm_source=linkedin&utm_medium=social"
            "&utm_campaign=soldes-ete#/app/route",
        ),
        # A dangling & or ? does not leave an empty parameter behind.
        (
            "https://shop.example.com/p?a=1&",
            "https://shop.example.com/p?a=1&utm_source=linkedin&utm_medium=social"
            "&utm_campaign=soldes-ete",
        ),
        # Tags the author put there win, whatever their case; the others are added.
        (
            "https://shop.example.com/p?UTM_Source=newsletter&utm_campaign=",
            "https://shop.example.com/p?UTM_Source=newsletter&utm_campaign=&utm_medium=social",
        ),
    ],
)
def test_utm_tags_are_merged_into_the_query(url: str, expected: str) -> None:
    assert with_utm(url, TAGS) == expected


def test_nothing_to_add_leaves_the_address_untouched_and_empty_tags_are_skipped() -> None:
    full = "https://a.example.com/?utm_source=x&utm_medium=y&utm_campaign=z"
    assert with_utm(full, TAGS) == full
    assert with_utm("https://a.example.com/?", {"utm_source": "", "utm_content": ""}) == (
        "https://a.example.com/?"
    )
    assert utm_of(with_utm("https://a.example.com/x?utm_source=mail&b=2", TAGS)) == {
        "utm_source": "mail",
        "utm_medium": "social",
        "utm_campaign": "soldes-ete",
    }


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("javascript:alert(1)", "scheme"),
        ("ftp://files.example.com/a", "scheme"),
        ("mailto:shop@example.com", "scheme"),
        ("data:text/html,<b>hi</b>", "scheme"),
        ("shop.example.com/new", "scheme"),
        ("/relative/path", "scheme"),
        ("https://", "host"),
        ("https://google.com@evil.example/login", "credentials"),
        ("https://user:secret@shop.example.com/", "credentials"),
        ("https://shop.example.com/a b", "spaces"),
        ("https://shop.example.com/\x00", "spaces"),
        ("https://shop.example.com:99999999/", "url"),
        ("http://[::1/", "url"),
        ("   ", "required"),
        ("https://shop.example.com/" + "a" * 2048, "max_length"),
    ],
)
def test_only_http_and_https_destinations_are_tracked(url: str, rule: str) -> None:
    with pytest.raises(Invalid) as refused:
        destination(url)
    assert refused.value.code == "link_refused"
    assert [(e.field, e.rule) for e in refused.value.errors] == [("url", rule)]
    assert refused.value.errors[0].message  # says why, in words


def test_accepted_destinations_are_trimmed() -> None:
    assert destination("  HTTPS://Shop.example.com/é?x=1  ") == "HTTPS://Shop.example.com/é?x=1"
    assert destination("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def test_codes_are_random_base62_of_fixed_length() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes)
    # Every symbol turns up: the draw covers the whole alphabet, not a predictable part.
    assert set("".join(codes)) == set(ALPHABET)
    assert is_code("Ab3dE9xZ")
    assert not is_code("Ab3")
    assert not is_code("Ab3d/../x")
    assert not is_code("a" * 17)


@pytest.mark.parametrize(
    ("referer", "host"),
    [
        ("https://www.linkedin.com/feed/update/urn:li:activity:123/?trk=x", "www.linkedin.com"),
        ("android-app://com.instagram.android/", "com.instagram.android"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fshop", "l.facebook.com"),
        ("", None),
        (None, None),
        ("not a url", None),
        ("http://[::1", None),
    ],
)
def test_only_the_referring_host_is_kept(referer: str | None, host: str | None) -> None:
    assert referrer_host(referer) == host
