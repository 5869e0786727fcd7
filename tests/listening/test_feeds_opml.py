"""Reading and writing OPML: folders flattened, outlines without an address kept for the
report, and a file refused whole, with the rule named, when it is not OPML, declares XML
entities, is too large or lists too many feeds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.errors import Invalid
from orchestre.listening.feeds_opml import (
    MAX_BYTES,
    MAX_FEEDS,
    ExportedFeed,
    Outline,
    read_outlines,
    write_opml,
)

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Feedly export</title></head>
  <body>
    <outline text="Cycling" title="Cycling">
      <outline type="rss" text="Journal" title="Le Journal" xmlUrl=" https://journal.example/rss "
               htmlUrl="https://journal.example/"/>
      <outline text="Deeper">
        <outline type="rss" text="Blog" xmlUrl="https://blog.example/atom"/>
      </outline>
    </outline>
    <outline text="A bookmark, not a feed" htmlUrl="https://example.org/"/>
    <outline type="rss" text="Top level" xmlUrl="https://top.example/feed"/>
  </body>
</opml>"""


def rule_of(data: bytes) -> str:
    with pytest.raises(Invalid) as refused:
        read_outlines(data)
    [error] = refused.value.errors
    assert error.field == "file"
    return error.rule


def opml(outlines: str) -> bytes:
    return f'<opml version="1.0"><head/><body>{outlines}</body></opml>'.encode()


def test_folders_are_flattened_and_leaves_without_an_address_are_kept() -> None:
    assert read_outlines(NESTED) == [
        Outline(1, "Le Journal", "https://journal.example/rss", "https://journal.example/"),
        Outline(2, "Blog", "https://blog.example/atom", ""),
        Outline(3, "A bookmark, not a feed", "", "https://example.org/"),
        Outline(4, "Top level", "https://top.example/feed", ""),
    ]


def test_duplicates_are_listed_as_the_file_gives_them() -> None:
    same = '<outline text="A" xmlUrl="https://a.example/rss"/>'
    assert [o.xml_url for o in read_outlines(opml(same * 2))] == ["https://a.example/rss"] * 2


def test_entity_declarations_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://a.example/"/></body></opml>'
    )
    assert rule_of(bomb) == "unsafe_xml"
    external = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>'
    )
    assert rule_of(external) == "unsafe_xml"


def test_too_many_feeds_and_too_large_a_file_are_refused() -> None:
    one = '<outline text="F" xmlUrl="https://f.example/{}"/>'
    assert len(read_outlines(opml("".join(one.format(i) for i in range(MAX_FEEDS))))) == MAX_FEEDS
    too_many = opml("".join(one.format(i) for i in range(MAX_FEEDS + 1)))
    assert rule_of(too_many) == "too_many_outlines"
    padding = "<outline text='" + "x" * MAX_BYTES + "'/>"
    assert rule_of(opml(padding + one.format(1))) == "too_large"


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "required"),
        (b"name,url\nJournal,https://journal.example/rss\n", "not_opml"),
        (b'<rss version="2.0"><channel><title>x</title></channel></rss>', "not_opml"),
        (b"<opml><head/>", "not_opml"),
        (b'<opml version="2.0"><head/></opml>', "not_opml"),
        (opml('<outline text="only a folder"><outline text="empty"/></outline>'), "no_feeds"),
    ],
)
def test_what_is_not_an_opml_file_of_feeds_is_refused(data: bytes, rule: str) -> None:
    assert rule_of(data) == rule


def test_written_opml_reads_back() -> None:
    feeds = [
        ExportedFeed('Le "Journal" & <Vélo>', "https://journal.example/rss?a=1&b=2"),
        ExportedFeed("Blog", "https://blog.example/atom", "https://blog.example/"),
    ]
    document = write_opml(feeds, "Orchestre listening feeds", datetime(2030, 1, 2, tzinfo=UTC))
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"<dateCreated>Wed, 02 Jan 2030 00:00:00 +0000</dateCreated>" in document
    assert read_outlines(document) == [
        Outline(1, 'Le "Journal" & <Vélo>', "https://journal.example/rss?a=1&b=2", ""),
        Outline(2, "Blog", "https://blog.example/atom", "https://blog.example/"),
    ]
