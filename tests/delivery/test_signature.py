"""The Orchestre-Signature scheme, the address rule and the retry delays."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from orchestre.delivery.webhooks import RetryPolicy, signature, url_problem, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"d1","type":"publication.failed"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = signature(SECRET, 1_900_000_000, BODY)
    expected = hmac.new(SECRET.encode(), b"1900000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1900000000,v1={expected}"


def test_verify_accepts_the_signed_body_within_the_tolerance() -> None:
    header = signature(SECRET, 1_900_000_000, BODY)
    assert verify(SECRET, header, BODY, now=1_900_000_000 + 299)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_other", BODY, 1_900_000_000),  # another endpoint's secret
        (SECRET, BODY.replace(b"failed", b"published"), 1_900_000_000),  # tampered body
        (SECRET, BODY, 1_900_000_000 + 301),  # replayed too late
        (SECRET, BODY, 1_900_000_000 - 301),  # from the future
    ],
)
def test_verify_refuses(secret: str, body: bytes, now: int) -> None:
    header = signature(SECRET, 1_900_000_000, BODY)
    assert not verify(secret, header, body, now=now)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1900000000"])
def test_verify_refuses_garbled_headers(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=1_900_000_000)


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/x", "http://127.0.0.1:8080/hook", "http://localhost/hook"],
)
def test_urls_allowed(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.com/x", "must use https"),
        ("ftp://hooks.example.com/x", "https://"),
        ("https://user:pw@hooks.example.com/x", "user name or password"),
        ("https:///nohost", "https://"),
        ("https://hooks.example.com:port/x", "not a valid URL"),
        ("https://e.com/" + "a" * 2100, "too long"),
    ],
)
def test_urls_refused(url: str, words: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert words in problem


def test_delays_grow_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(base=2.0, ceiling=30.0)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 7)]
    fulls = [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    for delay, full in zip(delays, fulls, strict=True):
        assert full / 2 <= delay <= full
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not fixed


def test_retry_after_is_honoured_up_to_the_ceiling() -> None:
    policy = RetryPolicy(base=2.0, ceiling=60.0)
    assert policy.delay(1, random.Random(1), retry_after=45) == 45
    assert policy.delay(1, random.Random(1), retry_after=3600) == 60
