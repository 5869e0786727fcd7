"""The shared Graph client: Meta's error object (even under HTTP 200) as typed errors."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.meta.graph import (
    GRAPH_URL,
    GRAPH_VERSION,
    Graph,
    GraphRefusal,
    Poller,
    appsecret_proof,
    wait_for_container,
)
from tests.connectors.meta.conftest import FakeTime, Replay, graph_error, query

TOKEN = "EAApagetokensecret"


def _graph(replay: Replay, app_secret: str | None = None) -> Graph:
    return Graph(TOKEN, network="facebook", transport=replay.transport, app_secret=app_secret)


def _usage(minutes: int) -> str:
    return json.dumps(
        {
            "1122334455": [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 12,
                    "total_time": 20,
                    "estimated_time_to_regain_access": minutes,
                }
            ]
        }
    )


def test_the_version_is_one_constant_and_the_token_travels_in_a_header(replay: Replay) -> None:
    replay.on("GET", f"/{GRAPH_VERSION}/me", {"id": "1"})
    graph = _graph(replay, app_secret="app-secret")
    assert graph.get("/me", {"fields": "id"}) == {"id": "1"}
    sent = replay.requests[0]
    assert str(sent.url).startswith(GRAPH_URL)
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(sent.url)
    assert query(sent)["appsecret_proof"] == appsecret_proof(TOKEN, "app-secret")
    assert len(query(sent)["appsecret_proof"]) == 64


def test_code_190_is_a_definitive_credential_error_without_the_token(replay: Replay) -> None:
    replay.on("GET", f"/{GRAPH_VERSION}/me", graph_error("token_expired"))
    with pytest.raises(CredentialError) as caught:
        _graph(replay).get("/me")
    assert caught.value.definitive is True
    assert "Session has expired" in caught.value.message
    assert TOKEN not in caught.value.message


def test_an_error_under_http_200_is_still_an_error(replay: Replay) -> None:
    replay.on("GET", f"/{GRAPH_VERSION}/me", graph_error("token_expired", status=200))
    with pytest.raises(CredentialError):
        _graph(replay).get("/me")


@pytest.mark.parametrize("name", ["page_rate_limit", "buc_rate_limit"])
def test_page_and_business_rate_limits_wait_the_estimated_minutes(
    replay: Replay, name: str
) -> None:
    answer = graph_error(name, **{"X-Business-Use-Case-Usage": _usage(17)})
    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/feed", answer)
    with pytest.raises(RetryableError) as caught:
        _graph(replay).post("/1122334455/feed", {"message": "Bonjour"})
    assert caught.value.retry_after == 17 * 60
    assert "slow down" in caught.value.message


def test_an_app_rate_limit_without_an_estimate_falls_back_on_retry_after(replay: Replay) -> None:
    usage = json.dumps({"call_count": 100, "total_cputime": 30, "total_time": 41})
    answer = graph_error("app_rate_limit", **{"X-App-Usage": usage, "Retry-After": "90"})
    replay.on("GET", f"/{GRAPH_VERSION}/me", answer)
    with pytest.raises(RetryableError) as caught:
        _graph(replay).get("/me")
    assert caught.value.retry_after == 90


def test_a_transient_error_is_retryable(replay: Replay) -> None:
    replay.on("GET", f"/{GRAPH_VERSION}/me", graph_error("transient", status=500))
    with pytest.raises(RetryableError) as caught:
        _graph(replay).get("/me")
    assert "retry your request later" in caught.value.message


def test_a_server_error_page_is_retryable(replay: Replay) -> None:
    replay.on("GET", f"/{GRAPH_VERSION}/me", httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(RetryableError):
        _graph(replay).get("/me")


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("invalid_parameter", "100", "The parameter url is required"),
        ("blocked", "368", "temporarily blocked"),
        ("duplicate", "duplicate", "Duplicate status message"),
    ],
)
def test_refusals_are_permanent_with_metas_reason(
    replay: Replay, name: str, code: str, words: str
) -> None:
    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/feed", graph_error(name))
    with pytest.raises(PermanentError) as caught:
        _graph(replay).post("/1122334455/feed", {"message": "Bonjour"})
    assert caught.value.code == code
    assert words in caught.value.reason


def test_a_missing_object_is_a_refusal_that_says_it_is_gone(replay: Replay) -> None:
    replay.on("DELETE", f"/{GRAPH_VERSION}/1122334455_1", graph_error("object_missing"))
    with pytest.raises(GraphRefusal) as caught:
        _graph(replay).delete("/1122334455_1")
    assert caught.value.gone


def test_a_timeout_after_sending_a_post_is_ambiguous(replay: Replay) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/feed", timeout)
    with pytest.raises(AmbiguousError) as caught:
        _graph(replay).post("/1122334455/feed", {"message": "Bonjour"}, client_ref="ref-1")
    assert caught.value.client_ref == "ref-1"


def test_a_timeout_on_a_harmless_post_is_retryable(replay: Replay) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/photos", timeout)
    with pytest.raises(RetryableError):
        _graph(replay).post("/1122334455/photos", {"published": False}, idempotent=True)


def test_a_connect_error_is_retryable(replay: Replay) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/feed", refused)
    with pytest.raises(RetryableError):
        _graph(replay).post("/1122334455/feed", {"message": "Bonjour"})


def test_booleans_and_lists_are_sent_as_graph_expects(replay: Replay) -> None:
    replay.on("POST", f"/{GRAPH_VERSION}/1122334455/feed", {"id": "1"})
    _graph(replay).post(
        "/1122334455/feed", {"published": False, "attached_media": [{"media_fbid": "7"}]}
    )
    body = replay.requests[0].content.decode()
    assert "published=false" in body
    assert "attached_media=%5B%7B%22media_fbid%22%3A%227%22%7D%5D" in body


def _container(replay: Replay, *statuses: str) -> None:
    replay.on(
        "GET",
        f"/{GRAPH_VERSION}/1790001",
        *({"status_code": s, "status": f"{s}: detail", "id": "1790001"} for s in statuses),
    )


def test_a_container_is_polled_with_the_injected_sleep_until_finished(
    replay: Replay, fake_time: FakeTime
) -> None:
    _container(replay, "IN_PROGRESS", "IN_PROGRESS", "FINISHED")
    poller = Poller(sleep=fake_time.sleep, monotonic=fake_time.monotonic, interval=5)
    wait_for_container(_graph(replay), "1790001", poller=poller, field="status_code")
    assert fake_time.sleeps == [5, 5]
    assert query(replay.requests[0])["fields"] == "status_code"


def test_a_container_in_error_is_permanent_with_metas_detail(
    replay: Replay, fake_time: FakeTime
) -> None:
    _container(replay, "ERROR")
    poller = Poller(sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    with pytest.raises(PermanentError) as caught:
        wait_for_container(
            _graph(replay), "1790001", poller=poller, field="status_code", error_field="status"
        )
    assert "ERROR: detail" in caught.value.reason
    assert fake_time.sleeps == []


def test_a_container_still_processing_at_the_deadline_is_retryable(
    replay: Replay, fake_time: FakeTime
) -> None:
    _container(replay, "IN_PROGRESS")
    poller = Poller(sleep=fake_time.sleep, monotonic=fake_time.monotonic, interval=10, deadline=60)
    with pytest.raises(RetryableError) as caught:
        wait_for_container(_graph(replay), "1790001", poller=poller, field="status_code")
    assert "nothing was published" in caught.value.message
    assert sum(fake_time.sleeps) == 60


def test_secrets_in_addresses_are_scrubbed_from_httpx_logs(
    replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    replay.on("GET", "/refresh_access_token", {"access_token": "new"})
    graph = Graph(
        "", network="threads", base_url="https://graph.threads.net", transport=replay.transport
    )
    with caplog.at_level(logging.INFO, logger="httpx"):
        graph.get(
            "/refresh_access_token", {"grant_type": "th_refresh_token", "access_token": TOKEN}
        )
    assert query(replay.requests[0])["access_token"] == TOKEN  # sent as Meta documents it
    assert "HTTP Request: GET https://graph.threads.net/refresh_access_token" in caplog.text
    assert "access_token=[redacted]" in caplog.text
    assert '"HTTP/1.1 200 OK"' in caplog.text  # the status code keeps its %d
    assert TOKEN not in caplog.text
