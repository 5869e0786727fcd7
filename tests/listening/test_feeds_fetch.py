"""The feed fetcher on an injected transport: conditional GET, redirects each re-checked,
the size cap, private addresses, Retry-After, server errors, timeouts. No network."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from orchestre.listening.feeds_fetch import FeedError, is_public, retry_after_seconds
from tests.listening.feeds_site import PUBLIC_IP, Site, doc

URL = "https://news.example/feed.xml"


def refused(site: Site, url: str = URL, **kwargs: object) -> FeedError:
    with pytest.raises(FeedError) as caught:
        site.fetcher(**kwargs).fetch(url)
    return caught.value


def test_a_feed_is_fetched_at_the_checked_address_with_its_validators() -> None:
    site = Site()
    site.feed(URL, doc("rss20.xml"), etag='"v1"', **{"last-modified": "Tue, 10 Nov 2026"})
    got = site.fetcher().fetch(URL)
    assert (got.status, got.body, got.etag, got.last_modified) == (
        200,
        doc("rss20.xml"),
        '"v1"',
        "Tue, 10 Nov 2026",
    )
    (request,) = site.requests
    # sent to the address that passed the check, the name kept for Host and TLS
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "news.example"
    assert request.extensions["sni_hostname"] == "news.example"


def test_an_international_name_is_resolved_and_sent_in_its_ascii_form() -> None:
    site = Site(dns={"xn--bcher-kva.example": [PUBLIC_IP]})
    site.routes["xn--bcher-kva.example/feed"] = lambda r: httpx.Response(200, content=b"<rss/>")
    assert site.fetcher().fetch("https://bücher.example/feed").status == 200
    assert site.requests[0].extensions["sni_hostname"] == "xn--bcher-kva.example"


def test_conditional_get_and_304() -> None:
    site = Site()

    def conditional(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=doc("rss20.xml"), headers={"etag": '"v1"'})

    site.serve(URL, conditional)
    fetcher = site.fetcher()
    first = fetcher.fetch(URL)
    again = fetcher.fetch(URL, etag=first.etag, last_modified="Tue, 10 Nov 2026 08:00:00 GMT")
    assert (first.status, again.status, again.body) == (200, 304, b"")
    assert site.requests[1].headers["if-modified-since"] == "Tue, 10 Nov 2026 08:00:00 GMT"


def test_redirects_are_followed_and_each_one_checked() -> None:
    site = Site()
    site.serve(URL, lambda r: httpx.Response(301, headers={"location": "/moved.xml"}))
    site.serve(
        "https://news.example/moved.xml",
        lambda r: httpx.Response(302, headers={"location": "https://cdn.example/f.xml"}),
    )
    site.feed("https://cdn.example/f.xml", doc("atom10.xml"))
    got = site.fetcher().fetch(URL)
    assert (got.url, got.status) == ("https://cdn.example/f.xml", 200)
    assert [r.headers["host"] for r in site.requests] == [
        "news.example",
        "news.example",
        "cdn.example",
    ]

    site.serve(URL, lambda r: httpx.Response(302, headers={"location": "http://10.0.0.7/admin"}))
    error = refused(site)
    assert (error.rule, error.detail) == ("private_address", "10.0.0.7 is not a public address")
    assert all(r.url.host != "10.0.0.7" for r in site.requests)  # never asked

    site.serve(URL, lambda r: httpx.Response(302, headers={"location": "file:///etc/passwd"}))
    assert refused(site).rule == "invalid_url"


def test_too_many_redirects() -> None:
    site = Site()
    site.serve(URL, lambda r: httpx.Response(307, headers={"location": URL}))
    error = refused(site, max_redirects=3)
    assert error.rule == "too_many_redirects"
    assert len(site.requests) == 4


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost/feed",
        "http://10.1.2.3/feed",
        "http://192.168.1.1/feed",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://100.64.0.1/feed",  # carrier-grade NAT
        "http://[::1]/feed",
        "http://[::ffff:127.0.0.1]/feed",
        "http://[fd00::1]/feed",
        "http://0.0.0.0/feed",
        "http://intranet.example/feed",  # a public-looking name resolving inside
    ],
)
def test_private_addresses_are_refused(url: str) -> None:
    site = Site(dns={"localhost": ["127.0.0.1"], "intranet.example": [PUBLIC_IP, "10.0.0.2"]})
    error = refused(site, url)
    assert error.rule == "private_address"
    if "example" in url:
        assert error.detail == "intranet.example resolves to 10.0.0.2, not a public address"
    assert site.requests == []


def test_private_addresses_are_read_when_the_self_hoster_allows_them() -> None:
    site = Site(dns={"intranet.example": ["10.0.0.2"]})
    site.routes["intranet.example/feed"] = lambda r: httpx.Response(200, content=b"<rss/>")
    got = site.fetcher(allow_private=True).fetch("http://intranet.example/feed")
    assert got.status == 200
    assert site.requests[0].url.host == "10.0.0.2"


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://news.example/feed", "invalid_url"),
        ("javascript:alert(1)", "invalid_url"),
        ("https://user:secret@news.example/feed", "invalid_url"),
        ("news.example/feed", "invalid_url"),
        ("https://nowhere.example/feed", "unreachable"),
    ],
)
def test_bad_addresses(url: str, rule: str) -> None:
    error = refused(Site(), url)
    assert error.rule == rule
    assert "secret" not in str(error)


def test_the_body_is_capped() -> None:
    site = Site()
    site.serve(URL, lambda r: httpx.Response(200, content=b"x" * 2000))
    assert refused(site, max_bytes=1000).rule == "too_large"

    def streamed(request: httpx.Request) -> httpx.Response:
        # no Content-Length: the cap must hold while reading
        return httpx.Response(200, stream=httpx.ByteStream(b"y" * 5000), headers={})

    site.serve(URL, streamed)
    error = refused(site, max_bytes=1000)
    assert error.rule == "too_large"
    assert site.fetcher(max_bytes=10_000).fetch(URL).body == b"y" * 5000


def test_429_and_503_honour_retry_after() -> None:
    site = Site()
    site.serve(URL, lambda r: httpx.Response(429, headers={"retry-after": "120"}))
    error = refused(site)
    assert (error.rule, error.retry_after) == ("rate_limited", 120.0)

    now = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
    site.serve(
        URL,
        lambda r: httpx.Response(503, headers={"retry-after": "Fri, 15 Mar 2030 10:00:00 GMT"}),
    )
    error = refused(site, clock=lambda: now)
    assert (error.rule, error.retry_after) == ("rate_limited", 3600.0)


@pytest.mark.parametrize("status", [500, 502, 404, 410, 403])
def test_http_errors(status: int) -> None:
    site = Site()
    site.serve(URL, lambda r: httpx.Response(status))
    error = refused(site)
    assert (error.rule, error.detail, error.retry_after) == ("http_error", f"HTTP {status}", None)


def test_timeouts_and_connection_failures_are_unreachable() -> None:
    site = Site()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    site.serve(URL, slow)
    assert refused(site).detail == "the site took too long to answer"

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    site.serve(URL, down)
    assert refused(site).rule == "unreachable"


def test_is_public_and_retry_after() -> None:
    assert is_public("93.184.215.14")
    assert is_public("2606:4700::1111")
    assert not is_public("224.0.0.1")
    assert not is_public("fe80::1")
    assert not is_public("::")
    now = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30.0
    assert retry_after_seconds("Fri, 15 Mar 2030 08:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
