"""Reading feed documents: RSS 2.0, Atom 1.0 (RFC 4287's example), RSS 1.0/RDF, RSS 0.91,
a malformed feed, and XML bombs and external entities that must never be expanded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.listening.feeds_fetch import FeedError
from orchestre.listening.feeds_parse import feed_links, parse_feed, plain_text, refuse_unsafe
from tests.listening.feeds_site import doc


def test_rss20_with_guid_pubdate_and_content_encoded() -> None:
    feed = parse_feed(doc("rss20.xml"))
    assert (feed.version, feed.title) == ("rss20", "Le Journal du Vélo")
    first, second = feed.items
    assert first.key == "journal-4821"  # the guid, not the link
    assert first.url == "https://journal.example/2026/lyon-pistes"
    assert first.author == "Camille Martin"
    assert first.published_at == datetime(2026, 11, 10, 7, 30, tzinfo=UTC)  # +0100 -> UTC
    assert first.language == "fr"  # from the channel's fr-FR
    # content:encoded wins over the description; tags and the script out, entities decoded
    assert first.text == (
        "Les pistes cyclables de Lyon s\u2019agrandissent\n\n"
        "La métropole ouvre 12 km de nouvelles pistes.\nLes cyclistes sont ravis & prudents."
    )
    assert "alert" not in first.text
    assert second.key == "https://journal.example/2026/trottinettes"  # no guid: the link
    assert second.published_at is None
    assert second.text == "Trottinettes : le bilan\n\nRien sur les vélos ici."


def test_atom10_rfc4287_example() -> None:
    feed = parse_feed(doc("atom10.xml"))
    assert (feed.version, feed.title) == ("atom10", "Example Feed")
    (entry,) = feed.items
    assert entry.key == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry.url == "http://example.org/2003/12/13/atom03"
    assert entry.published_at == datetime(2003, 12, 13, 18, 30, 2, tzinfo=UTC)  # <updated>
    assert entry.text == "Atom-Powered Robots Run Amok\n\nSome text."
    assert entry.author == ""  # John Doe is the feed's author, not the entry's


def test_rss10_rdf() -> None:
    feed = parse_feed(doc("rss10.rdf"))
    assert feed.version == "rss10"
    (item,) = feed.items
    assert item.key == "http://xml.com/pub/2000/08/09/xslt/xslt.html"
    assert item.author == "Bob DuCharme"
    assert item.published_at == datetime(2000, 8, 9, 12, 0, tzinfo=UTC)
    assert item.text.startswith("Processing Inclusions with XSLT\n\nProcessing document")


def test_rss091_with_its_netscape_doctype_is_read() -> None:
    feed = parse_feed(doc("rss091.xml"))
    assert feed.version.startswith("rss091")
    assert [(i.title, i.language) for i in feed.items] == [("Hello bikes", "en")]


def test_a_malformed_feed_still_gives_its_entries() -> None:
    feed = parse_feed(doc("malformed.xml"))
    (item,) = feed.items
    assert item.title == "Vélo sans fin"
    assert item.published_at is None  # "not a date"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_declarations_are_refused(name: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(doc(name))
    assert caught.value.rule == "unsafe_xml"


def test_a_bomb_in_utf16_is_refused_by_the_xml_check_itself() -> None:
    """The byte pattern cannot see UTF-16 text: defusedxml must refuse it on its own."""
    body = doc("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "")
    encoded = '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + body.encode("utf-16-le")
    assert b"<!ENTITY" not in encoded
    with pytest.raises(FeedError) as caught:
        refuse_unsafe(encoded)
    assert caught.value.rule == "unsafe_xml"


@pytest.mark.parametrize(
    "body",
    [b"<html><head><title>Blog</title></head><body>Hello</body></html>", b"", b"{}"],
)
def test_what_is_not_a_feed_is_refused(body: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    assert caught.value.rule == "not_a_feed"


def test_long_ids_are_hashed_to_fit() -> None:
    long_link = "https://blog.example/" + "a" * 300
    body = (
        '<rss version="2.0"><channel><title>T</title>'
        f"<item><title>x</title><link>{long_link}</link></item></channel></rss>"
    ).encode()
    (item,) = parse_feed(body).items
    assert item.key.startswith("sha256:")
    assert len(item.key) <= 200
    assert item.url == long_link


def test_plain_text() -> None:
    assert plain_text("<p>A&amp;B&nbsp;C</p><style>p{}</style><br>D &#233;t&eacute;") == (
        "A&B C\nD été"
    )


def test_a_page_announces_its_feeds() -> None:
    page = b"""<!doctype html><html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="Articles" href="/feed/">
    <link rel="alternate" type="application/atom+xml" href="https://blog.example/atom.xml">
    <link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" hreflang="fr" href="/fr/">
    </head><body></body></html>"""
    assert feed_links(page, "https://blog.example/posts/1") == [
        "https://blog.example/feed/",
        "https://blog.example/atom.xml",
    ]
    assert feed_links(b"<html></html>", "https://blog.example/") == []


def test_relative_links_are_made_absolute_against_where_the_feed_was_read() -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><title>x</title>'
        b"<link>/2026/a</link><guid>/2026/a</guid></item></channel></rss>"
    )
    (item,) = parse_feed(body, "https://blog.example/feed/rss").items
    assert (item.url, item.key) == ("https://blog.example/2026/a", "https://blog.example/2026/a")
