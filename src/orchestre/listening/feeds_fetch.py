"""Fetching a feed URL that a person typed, without letting it reach inside the network.

The server fetches addresses its users give, so each request (the first and every
redirect) is checked before it leaves: http or https only, no user name or password in the
address, and the host's addresses must all be public (no loopback, private, link-local,
shared, reserved or multicast address) unless the self-hoster allows private ones
(`ORCHESTRE_LISTENING_FEEDS_ALLOW_PRIVATE`). The request then goes to the address that was
checked (the URL's host is replaced by it, the Host header and TLS name stay the host's),
so a DNS answer that changes between the check and the connection cannot slip past it.
At most `MAX_REDIRECTS` redirects are followed, the body is capped at `MAX_BYTES` once
decompressed, and a request that takes longer than `TIMEOUT` seconds is given up.

Failures are `FeedError`s named by the rule broken (`RULES`); the collector backs off on
them (honouring Retry-After), adding a feed refuses it with the rule on field `url`.
"""

from __future__ import annotations

import copy
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from orchestre.kit.clock import utcnow

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 15.0
MAX_REDIRECTS = 5
USER_AGENT = "Orchestre feed reader"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _(message: str) -> str:
    """Marks a message for the interface catalog (scripts/i18n.sh extracts `_`); the page
    translates it when it shows it, the API says it in English."""
    return message


# The rule each failure breaks, with the words the page and the API say for it.
RULES: dict[str, str] = {
    "invalid_url": _("The address is not a web address (http:// or https://)."),
    "private_address": _("The address points inside a private network, which is not allowed."),
    "unreachable": _("The site could not be reached."),
    "too_many_redirects": _("The address redirects too many times."),
    "too_large": _("The feed is larger than 5 MB."),
    "rate_limited": _("The site asks to come back later."),
    "http_error": _("The site answered with an error."),
    "not_a_feed": _("The address does not return an RSS or Atom feed."),
    "unsafe_xml": _("The feed declares XML entities, which are refused for safety."),
}

Resolver = Callable[[str, int], list[str]]


class FeedError(Exception):
    """A feed could not be read; `rule` is one of `RULES`, `detail` says more (no secret)."""

    def __init__(self, rule: str, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(f"{rule}: {detail}" if detail else rule)
        self.rule = rule
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200 (a body) or 304 (unchanged since the validators sent)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses, as the operating system resolves them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: str) -> bool:
    """Whether an IP address is routable on the public internet (IPv4-mapped IPv6 included)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class FeedFetcher:
    """Fetches feeds with the checks above; `transport` and `resolver` are injectable."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
        allow_private: bool = False,
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT,
        max_redirects: int = MAX_REDIRECTS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._transport = transport
        self._resolver = resolver
        self._allow_private = allow_private
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._max_redirects = max_redirects
        self._clock = clock

    def hurried(self, timeout: float) -> FeedFetcher:
        """The same fetcher giving up sooner (at most `timeout` seconds per wait): an OPML
        import reads many feeds while a person waits for its report."""
        other = copy.copy(self)
        other._timeout = min(self._timeout, timeout)
        return other

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """The feed at `url` (a 304 when the validators still hold); raises `FeedError`."""
        headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        with httpx.Client(
            transport=self._transport, timeout=self._timeout, follow_redirects=False
        ) as client:
            for _ in range(self._max_redirects + 1):
                request = self._request(client, current, headers)
                try:
                    response = client.send(request, stream=True)
                except httpx.TimeoutException as exc:
                    raise FeedError("unreachable", "the site took too long to answer") from exc
                except httpx.HTTPError as exc:
                    raise FeedError("unreachable", "the connection failed") from exc
                try:
                    if response.status_code in _REDIRECTS:
                        current = self._next_hop(current, response)
                        continue
                    return self._read(current, response)
                finally:
                    response.close()
        raise FeedError("too_many_redirects", f"more than {self._max_redirects} redirects")

    def _request(self, client: httpx.Client, url: str, headers: dict[str, str]) -> httpx.Request:
        """The request for `url`, sent to the address that passed the check."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise FeedError("invalid_url", "the address cannot be read") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FeedError("invalid_url", "only http:// and https:// addresses are read")
        if parsed.userinfo:
            raise FeedError("invalid_url", "the address cannot carry a user name or password")
        address = self._checked_address(parsed)
        pinned = parsed.copy_with(host=address)
        host = parsed.netloc.decode("ascii")
        return client.build_request(
            "GET",
            pinned,
            headers={**headers, "Host": host},
            extensions={"sni_hostname": parsed.raw_host.decode("ascii")},
        )

    def _checked_address(self, url: httpx.URL) -> str:
        host = url.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS know it
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = self._resolver(host, port)
            except (OSError, UnicodeError) as exc:
                raise FeedError("unreachable", f"the name {host} does not resolve") from exc
        if not addresses:
            raise FeedError("unreachable", f"the name {host} does not resolve")
        if not self._allow_private:
            for address in addresses:
                if not is_public(address):
                    said = "is" if address == host else f"resolves to {address},"
                    raise FeedError("private_address", f"{host} {said} not a public address")
        return addresses[0]

    def _next_hop(self, current: str, response: httpx.Response) -> str:
        location = response.headers.get("location")
        if not location:
            raise FeedError("http_error", f"HTTP {response.status_code} without a Location")
        try:
            return str(httpx.URL(current).join(location))
        except (httpx.InvalidURL, ValueError) as exc:
            raise FeedError("invalid_url", "the site redirects to an unreadable address") from exc

    def _read(self, url: str, response: httpx.Response) -> Fetched:
        status = response.status_code
        if status == 304:
            return Fetched(url, 304)
        if status == 429 or status == 503:
            wait = retry_after_seconds(response.headers.get("retry-after"), self._clock())
            raise FeedError("rate_limited", f"HTTP {status}", retry_after=wait)
        if status >= 400 or status < 200:
            raise FeedError("http_error", f"HTTP {status}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FeedError("too_large", f"{int(declared)} bytes announced")
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > self._max_bytes:
                    raise FeedError("too_large", f"over {self._max_bytes} bytes")
        except httpx.TimeoutException as exc:
            raise FeedError("unreachable", "the site took too long to send the feed") from exc
        except httpx.HTTPError as exc:
            raise FeedError("unreachable", "the transfer was interrupted") from exc
        return Fetched(
            url,
            200,
            bytes(body),
            etag=(response.headers.get("etag") or None),
            last_modified=(response.headers.get("last-modified") or None),
        )
