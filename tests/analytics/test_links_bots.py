"""Who followed a short link: link unfurlers, crawlers, scripts and prefetches are robots."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers

from orchestre.analytics.links_bots import Robot, robot
from tests.analytics.links_world import BROWSER

ROBOTS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
    "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "WhatsApp/2.23.20.0 A",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "python-httpx/0.28.1",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; PhantomJS)",
    "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "Mastodon/4.2.1 (http.rb/5.1.1; +https://mastodon.social/)",
    "Mozilla/5.0 (compatible; Pleroma; +https://pleroma.example)",
    "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
]

PEOPLE = [
    BROWSER,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/440.0.0.0;]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 LinkedInApp/9.29",
]

NO_HEADERS = Headers({})


@pytest.mark.parametrize("agent", ROBOTS)
def test_crawlers_and_link_unfurlers_are_robots(agent: str) -> None:
    assert robot("GET", agent, NO_HEADERS) is Robot.CRAWLER


@pytest.mark.parametrize("agent", PEOPLE)
def test_browsers_and_in_app_browsers_are_people(agent: str) -> None:
    assert robot("GET", agent, NO_HEADERS) is None


def test_head_requests_and_missing_agents_are_robots() -> None:
    assert robot("HEAD", BROWSER, NO_HEADERS) is Robot.HEAD
    assert robot("head", BROWSER, NO_HEADERS) is Robot.HEAD
    assert robot("GET", None, NO_HEADERS) is Robot.NO_AGENT
    assert robot("GET", "   ", NO_HEADERS) is Robot.NO_AGENT


@pytest.mark.parametrize(
    "headers",
    [
        {"Purpose": "prefetch"},
        {"Sec-Purpose": "prefetch"},
        {"sec-purpose": "prefetch;prerender"},
        {"X-Purpose": "preview"},
        {"X-Moz": "prefetch"},
    ],
)
def test_prefetches_are_robots(headers: dict[str, str]) -> None:
    assert robot("GET", BROWSER, Headers(headers)) is Robot.PREFETCH


def test_other_purposes_and_huge_agents() -> None:
    assert robot("GET", BROWSER, Headers({"Sec-Purpose": "navigate"})) is None
    # A giant header is cut before matching (no slow regex on it) and still classified.
    assert robot("GET", "curl/8.5.0 " + "x" * 100_000, NO_HEADERS) is Robot.CRAWLER
