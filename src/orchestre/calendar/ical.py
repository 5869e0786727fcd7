"""The calendar as iCalendar (RFC 5545): one VEVENT per scheduled or published variant.

Line endings (CRLF), folding at 75 octets and escaping are left to the icalendar library.
Each event's UID is the variant's id, so a calendar application updates the event when
the post moves instead of adding a second one. DTSTART is in UTC: the reader's application
shows it in its own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from orchestre.calendar.service import Entry, excerpt
from orchestre.models import VariantState

S = VariantState
PRODID = "-//Orchestre//Editorial calendar//EN"
UID_DOMAIN = "orchestre"
# A post is an instant; a short event keeps it visible in day and week views.
DURATION = timedelta(minutes=15)
NETWORK_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "sandbox": "Sandbox",
}
# RFC 5545 STATUS for VEVENT: TENTATIVE, CONFIRMED or CANCELLED.
_STATUS = {
    S.SCHEDULED.value: "TENTATIVE",
    S.PUBLISHING.value: "CONFIRMED",
    S.PUBLISHED.value: "CONFIRMED",
    S.FAILED.value: "CANCELLED",
}


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network.capitalize())


def summary(entry: Entry) -> str:
    return f"{network_name(entry.network)} {entry.handle}: {excerpt(entry.text, 50)}"


def build(
    entries: Sequence[Entry],
    *,
    name: str,
    zone: str,
    post_url: str,
    stamp: datetime,
) -> bytes:
    """The feed's bytes. `post_url` holds `{post_id}`; `stamp` is DTSTAMP (now, in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.key}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start)
        event.add("duration", DURATION)
        event.add("summary", summary(entry))
        event.add("description", entry.text)
        event.add("url", post_url.format(post_id=entry.post_id))
        event.add("status", _STATUS.get(entry.status, "TENTATIVE"))
        event.add("categories", [network_name(entry.network), entry.status])
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
