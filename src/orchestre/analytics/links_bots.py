"""Who followed a short link: a person, or a robot fetching it to preview, index or check it.

Robots are recognised by their User-Agent with Crawler-Detect's maintained pattern list
(the `crawlerdetect` package: search engines, the link unfurlers of Facebook, X, LinkedIn,
Slack, Discord, Telegram, WhatsApp, Skype, Pinterest, HTTP libraries such as curl, Wget and
python-requests, headless browsers...), plus the few link-preview fetchers of networks
Orchestre publishes to that the list misses (Bluesky's card fetcher, fediverse servers).
Also left out of the counts: a HEAD request (no person's browser sends one on a click),
a request without a User-Agent, and a browser's prefetch or prerender (`Purpose` /
`Sec-Purpose: prefetch`, Safari's `X-Purpose: preview`, Firefox's `X-Moz: prefetch`): the
page may never be shown, and if it is, the real visit is not what was measured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from crawlerdetect import CrawlerDetect

# Longer User-Agents are cut before matching: real ones are a few hundred characters.
MAX_AGENT = 512
_EXTRA = re.compile(
    r"Cardyb|Pleroma|Akkoma|Misskey|Friendica|Mastodon/|PhantomJS|Puppeteer|Playwright|Selenium",
    re.IGNORECASE,
)
_PREFETCH = re.compile(r"\b(prefetch|prerender|preview)\b", re.IGNORECASE)
_PURPOSE_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
# One shared detector: its cache of recent agents makes a repeated browser a dict look-up.
_DETECTOR = CrawlerDetect()


class Robot(StrEnum):
    """Why a click was not counted as a person's."""

    HEAD = "head"
    NO_AGENT = "no_user_agent"
    PREFETCH = "prefetch"
    CRAWLER = "crawler"


def robot(method: str, user_agent: str | None, headers: Mapping[str, str]) -> Robot | None:
    """Why this request is a robot's, or None for a person's click. `headers` is any
    case-insensitive mapping of the request's headers (Starlette's Headers is one)."""
    if method.upper() == "HEAD":
        return Robot.HEAD
    agent = (user_agent or "").strip()[:MAX_AGENT]
    if not agent:
        return Robot.NO_AGENT
    if any(_PREFETCH.search(headers.get(name) or "") for name in _PURPOSE_HEADERS):
        return Robot.PREFETCH
    if _EXTRA.search(agent) or _DETECTOR.is_crawler(agent):
        return Robot.CRAWLER
    return None
