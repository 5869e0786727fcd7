"""OPML, the file feed readers (Feedly, Inoreader, Thunderbird) exchange their feed lists in:
reading one into the feeds it lists, and writing the workspace's feeds as one (OPML 2.0).

Reading is done by defusedxml with entity declarations refused, after a size cap, so an
uploaded file can neither blow up in memory nor make the server read a local file or a
URL. Folders (outlines inside outlines) are flattened: a feed is an outline with an
`xmlUrl`, wherever it sits. A file that breaks a rule is refused whole (`Invalid` on field
`file`, the rule named), so a bad file adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from orchestre.errors import FieldError, Invalid

MAX_BYTES = 1024 * 1024
MAX_FEEDS = 500
MAX_TITLE = 200
MEDIA_TYPE = "text/x-opml; charset=utf-8"


@dataclass(frozen=True)
class Outline:
    """One outline of an OPML file that is not a folder, in the file's order."""

    position: int  # 1 for the file's first feed outline
    title: str  # `title`, else `text`; what the person named it in their reader
    xml_url: str  # the feed's address; empty when the outline carries none
    html_url: str


@dataclass(frozen=True)
class ExportedFeed:
    title: str
    xml_url: str
    html_url: str | None = None


def _refused(error: FieldError) -> Invalid:
    return Invalid("The OPML file cannot be imported.", errors=[error])


def read_outlines(data: bytes) -> list[Outline]:
    """The outlines of an OPML document that are feeds or leaves (folders flattened away);
    raises `Invalid` on field `file`: required, too_large, unsafe_xml, not_opml, no_feeds,
    too_many_outlines."""
    if not data.strip():
        raise _refused(FieldError("file", "required", "Choose an OPML file to import."))
    if len(data) > MAX_BYTES:
        raise _refused(
            FieldError("file", "too_large", "The file is larger than 1 MB.", MAX_BYTES, len(data))
        )
    root = _root(data)
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise _refused(FieldError("file", "not_opml", "The file is not an OPML document."))
    outlines: list[Outline] = []
    feeds = 0
    for element in body.iter("outline"):
        xml_url = (element.get("xmlUrl") or "").strip()
        if not xml_url and element.find("outline") is not None:
            continue  # a folder: its feeds are read on their own
        feeds += 1 if xml_url else 0
        if feeds > MAX_FEEDS:
            raise _refused(
                FieldError(
                    "file", "too_many_outlines", "The file lists more than 500 feeds.", MAX_FEEDS
                )
            )
        title = (element.get("title") or element.get("text") or "").strip()
        html_url = (element.get("htmlUrl") or "").strip()
        outlines.append(Outline(len(outlines) + 1, title[:MAX_TITLE], xml_url, html_url))
    if feeds == 0:
        raise _refused(
            FieldError("file", "no_feeds", "The file lists no feed (no outline with an xmlUrl).")
        )
    return outlines


def _root(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _refused(
            FieldError(
                "file",
                "unsafe_xml",
                "The file declares XML entities, which are refused for safety.",
            )
        ) from exc
    except (ParseError, ValueError) as exc:
        raise _refused(FieldError("file", "not_opml", "The file is not an OPML document.")) from exc


def write_opml(feeds: Sequence[ExportedFeed], title: str, created: datetime) -> bytes:
    """An OPML 2.0 document listing `feeds`, UTF-8, as readers import it."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = format_datetime(created)
    body = SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.title, "title": feed.title}
        attributes["xmlUrl"] = feed.xml_url
        if feed.html_url:
            attributes["htmlUrl"] = feed.html_url
        SubElement(body, "outline", attributes)
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
