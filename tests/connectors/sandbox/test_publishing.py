"""Publishing on the sandbox: posts, threads, first comments, refusals and faults."""

from __future__ import annotations

import threading

import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    Capability,
    CredentialError,
    DraftPost,
    Installation,
    MediaRef,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.sandbox import Faults, SandboxConnector, SandboxNetwork
from orchestre.kit.clock import FrozenClock

from .conftest import START


def _open(sandbox: SandboxNetwork, external_id: str = "acct-lumiere") -> Installation:
    return SandboxConnector(sandbox).open(AccountRef("sandbox", external_id, handle="lumiere"))


def test_the_sandbox_can_do_everything_a_network_can() -> None:
    assert SandboxConnector().capabilities == frozenset(Capability)


def test_a_post_with_an_image_is_published_where_the_network_says(brand: Installation) -> None:
    photo = MediaRef("media/cup.jpg", "image/jpeg", alt_text="A porcelain cup in morning light")
    ref = brand.publish(DraftPost(text="Nouvelle collection", media=[photo], client_ref="v-1"))
    assert ref.external_id.startswith("sbx-")
    assert ref.url == f"https://sandbox.orchestre.invalid/@lumiere/{ref.external_id}"
    assert ref.published_at == START
    assert brand.find_by_client_ref("v-1") == ref
    assert brand.find_by_client_ref("v-unknown") is None


def test_a_thread_and_its_first_comment(brand: Installation) -> None:
    ref = brand.publish(
        DraftPost(
            text="1/3 Notre histoire",
            thread=["2/3 Les débuts", "3/3 Demain"],
            first_comment="Le lien est ici",
        )
    )
    assert len(ref.parts) == 2
    assert len({ref.external_id, *(p.external_id for p in ref.parts)}) == 3
    comments = brand.read_comments(ref.external_id).items
    first = next(c for c in comments if c.external_id == ref.first_comment_id)
    assert first.own
    assert first.text == "Le lien est ici"


def test_content_the_network_refuses_says_why(brand: Installation) -> None:
    with pytest.raises(PermanentError, match="501 characters; the sandbox allows 500"):
        brand.publish(DraftPost(text="a" * 501))
    with pytest.raises(PermanentError, match="thread part 2"):
        brand.publish(DraftPost(text="ok", thread=["b" * 600]))
    five = [MediaRef(f"{i}.jpg", "image/jpeg") for i in range(5)]
    with pytest.raises(PermanentError, match="at most 4 media"):
        brand.publish(DraftPost(text="ok", media=five))


def test_an_ambiguous_timeout_publishes_and_can_be_reconciled(
    sandbox: SandboxNetwork, brand: Installation
) -> None:
    sandbox.time_out_next()
    with pytest.raises(AmbiguousError) as caught:
        brand.publish(DraftPost(text="Peut-être publié", client_ref="variant-42"))
    assert caught.value.client_ref == "variant-42"
    found = brand.find_by_client_ref("variant-42")
    assert found is not None
    assert brand.read_metrics([found.external_id])  # the post really exists


def test_rate_limit_says_when_to_come_back(sandbox_clock: FrozenClock) -> None:
    sandbox = SandboxNetwork(
        seed=1, clock=sandbox_clock, faults=Faults(rate_limit=2, rate_window_seconds=60)
    )
    brand = _open(sandbox)
    brand.publish(DraftPost(text="un"))
    sandbox_clock.advance(seconds=10)
    brand.publish(DraftPost(text="deux"))
    with pytest.raises(RetryableError) as caught:
        brand.publish(DraftPost(text="trois"))
    assert caught.value.retry_after == 50
    sandbox_clock.advance(seconds=50)
    brand.publish(DraftPost(text="trois"))


def _outcomes(seed: int) -> list[str]:
    sandbox = SandboxNetwork(
        seed=seed,
        clock=FrozenClock(START),
        faults=Faults(error_rate=0.3, ambiguous_rate=0.2),
    )
    brand = _open(sandbox)
    outcomes = []
    for n in range(30):
        try:
            brand.publish(DraftPost(text=f"post {n}"))
            outcomes.append("ok")
        except PermanentError:
            outcomes.append("refused")
        except AmbiguousError:
            outcomes.append("ambiguous")
    return outcomes


def test_random_faults_are_deterministic_under_a_seed() -> None:
    first = _outcomes(seed=3)
    assert first == _outcomes(seed=3)
    assert {"ok", "refused", "ambiguous"} <= set(first)
    assert first != _outcomes(seed=4)


def test_scripted_failures_come_in_order(sandbox: SandboxNetwork, brand: Installation) -> None:
    sandbox.fail_next(RetryableError("down", retry_after=5), PermanentError("no"))
    with pytest.raises(RetryableError):
        brand.publish(DraftPost(text="x"))
    with pytest.raises(PermanentError):
        brand.publish(DraftPost(text="x"))
    brand.publish(DraftPost(text="x"))


def test_a_revoked_account_needs_reconnection(sandbox: SandboxNetwork, brand: Installation) -> None:
    fresh = brand.refresh_credentials()
    assert fresh.access_token
    assert fresh.expires_at is not None
    assert brand.refresh_credentials().access_token != fresh.access_token
    sandbox.revoke("acct-lumiere")
    with pytest.raises(CredentialError) as caught:
        brand.refresh_credentials()
    assert caught.value.definitive
    with pytest.raises(CredentialError):
        brand.publish(DraftPost(text="x"))


def test_latency_is_spent_through_the_injected_sleep(sandbox_clock: FrozenClock) -> None:
    slept: list[float] = []
    sandbox = SandboxNetwork(
        clock=sandbox_clock, faults=Faults(latency_seconds=0.25), sleep=slept.append
    )
    _open(sandbox).publish(DraftPost(text="x"))
    assert 0.25 in slept


def test_concurrent_publishing_loses_nothing(sandbox: SandboxNetwork) -> None:
    brand = _open(sandbox)
    refs: list[str] = []

    def publish_some(worker: int) -> None:
        for n in range(20):
            refs.append(brand.publish(DraftPost(text=f"{worker}-{n}")).external_id)

    threads = [threading.Thread(target=publish_some, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(refs)) == 160


def test_deleting_a_post_is_final_and_repeatable(brand: Installation) -> None:
    ref = brand.publish(DraftPost(text="Oups", client_ref="v-del"))
    brand.delete_post(ref.external_id)
    brand.delete_post(ref.external_id)
    assert brand.find_by_client_ref("v-del") is None
    assert brand.read_metrics([ref.external_id]) == []
    with pytest.raises(PermanentError, match="no post"):
        brand.delete_post("sbx-nope")
