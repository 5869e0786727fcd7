"""The sandbox's audience: engagement that grows, comments, mentions and messages to answer."""

from __future__ import annotations

import itertools

import pytest

from orchestre.connectors.base import (
    AccountRef,
    DraftPost,
    Installation,
    InteractionKind,
    Metric,
    PermanentError,
)
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.connectors.sandbox.content import COMMENTS
from orchestre.kit.clock import FrozenClock

from .conftest import START


def _metrics(brand: Installation, external_id: str) -> dict[str, float]:
    return {s.metric: s.value for s in brand.read_metrics([external_id])}


def _everything(brand: Installation, **kwargs: str) -> list[str]:
    texts, cursor = [], None
    while True:
        page = brand.read_comments(cursor=cursor, limit=7, **kwargs)
        texts += [i.external_id for i in page.items]
        cursor = page.next_cursor
        if not page.has_more:
            return texts


def test_engagement_grows_over_time_and_never_goes_back(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    ref = brand.publish(DraftPost(text="Bonjour", link="https://example.org/printemps"))
    assert _metrics(brand, ref.external_id)["impressions"] == 0
    seen = []
    for _ in range(12):
        sandbox_clock.advance(hours=1)
        seen.append(_metrics(brand, ref.external_id))
    for before, after in itertools.pairwise(seen):
        assert all(after[name] >= before[name] for name in before)
    last = seen[-1]
    assert last["impressions"] > 100
    assert 0 < last["likes"] < last["impressions"]
    assert {"reach", "reposts", "clicks", "comments"} <= set(last)
    assert set(last) <= {m.value for m in Metric}
    assert last["comments"] > 0


def test_the_same_seed_gives_the_same_audience() -> None:
    def run(seed: int) -> tuple[dict[str, float], list[tuple[str, str]]]:
        clock = FrozenClock(START)
        brand = SandboxConnector(SandboxNetwork(seed=seed, clock=clock)).open(
            AccountRef("sandbox", "acct", handle="lumiere")
        )
        ref = brand.publish(DraftPost(text="Hello"))
        clock.advance(days=2)
        items = brand.read_comments(ref.external_id).items
        return _metrics(brand, ref.external_id), [(i.author_handle, i.text) for i in items]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_comments_arrive_in_french_and_english_with_every_tone(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    for n in range(8):
        brand.publish(DraftPost(text=f"Post {n}"))
    sandbox_clock.advance(days=3)
    items = brand.read_comments(limit=1000).items
    assert {i.language for i in items} == {"fr", "en"}
    texts = {i.text for i in items}
    for tone in ("praise", "question", "complaint", "spam", "toxic"):
        known = set(COMMENTS["fr"][tone]) | set(COMMENTS["en"][tone])
        assert any(text.startswith(tuple(known)) for text in texts), tone
    assert any(i.kind is InteractionKind.REPLY and i.parent_external_id for i in items)
    assert all(i.created_at > START and not i.own for i in items)


def test_reading_with_a_cursor_gives_each_comment_once(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    ref = brand.publish(DraftPost(text="Un post"))
    sandbox_clock.advance(hours=3)
    first = brand.read_comments(ref.external_id)
    sandbox_clock.advance(days=2)
    later = brand.read_comments(ref.external_id, cursor=first.next_cursor)
    ids = [i.external_id for i in first.items] + [i.external_id for i in later.items]
    assert len(ids) == len(set(ids))
    assert ids == _everything(brand, post_external_id=ref.external_id)
    times = [i.created_at for i in [*first.items, *later.items]]
    assert times == sorted(times)
    with pytest.raises(PermanentError, match="cursor"):
        brand.read_comments(cursor="c999999")


def test_mentions_and_messages_are_waiting_for_a_new_account(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    mentions = brand.read_mentions().items
    assert mentions
    assert all("@lumiere" in m.text for m in mentions)
    assert all(m.kind is InteractionKind.MENTION and m.created_at <= START for m in mentions)
    messages = brand.read_messages().items
    assert messages
    assert all(m.kind is InteractionKind.MESSAGE for m in messages)
    cursor = brand.read_mentions().next_cursor
    sandbox_clock.advance(days=2)
    newer = brand.read_mentions(cursor=cursor).items
    assert newer
    assert all(m.created_at > START for m in newer)


def test_answer_hide_delete_and_like_comments(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    ref = brand.publish(DraftPost(text="Question du jour"))
    sandbox_clock.advance(days=1)
    first, second = brand.read_comments(ref.external_id).items[:2]
    answer = brand.reply(first.external_id, "Merci beaucoup !", client_ref="reply-1")
    assert brand.find_by_client_ref("reply-1") == answer
    brand.hide_comment(second.external_id)
    brand.like(first.external_id)
    items = {i.external_id: i for i in brand.read_comments(ref.external_id).items}
    mine = items[answer.external_id]
    assert mine.own
    assert mine.parent_external_id == first.external_id
    assert mine.post_external_id == ref.external_id
    assert items[second.external_id].hidden
    brand.hide_comment(second.external_id, hidden=False)
    brand.delete_comment(first.external_id)
    brand.delete_comment(first.external_id)
    items = {i.external_id: i for i in brand.read_comments(ref.external_id).items}
    assert first.external_id not in items
    assert not items[second.external_id].hidden
    with pytest.raises(PermanentError):
        brand.reply(first.external_id, "trop tard")
    with pytest.raises(PermanentError):
        brand.hide_comment("sbx-unknown")


def test_mentions_and_messages_can_be_answered(brand: Installation) -> None:
    mention = brand.read_mentions().items[0]
    ref = brand.reply(mention.external_id, "Merci pour votre message !")
    answers = {i.external_id: i for i in brand.read_comments().items}
    assert answers[ref.external_id].parent_external_id == mention.external_id
    assert answers[ref.external_id].post_external_id is None
    message = brand.read_messages().items[0]
    sent = brand.reply(message.external_id, "Nous regardons votre commande.")
    conversation = brand.read_messages().items
    mine = next(i for i in conversation if i.external_id == sent.external_id)
    assert mine.own
    assert mine.kind is InteractionKind.MESSAGE
    assert mine.parent_external_id == message.external_id


def test_search_finds_public_posts_newest_first(
    sandbox_clock: FrozenClock, sandbox: SandboxNetwork, brand: Installation
) -> None:
    rival = SandboxConnector(sandbox).open(AccountRef("sandbox", "rival", handle="rival"))
    brand.publish(DraftPost(text="Soldes de printemps chez nous"))
    sandbox_clock.advance(minutes=5)
    rival.publish(DraftPost(text="Nos soldes de PRINTEMPS commencent"))
    page = brand.search("printemps", limit=1)
    assert [p.author_handle for p in page.items] == ["rival"]
    assert page.has_more
    rest = brand.search("printemps", cursor=page.next_cursor)
    assert [p.author_handle for p in rest.items] == ["lumiere"]


def test_the_profile_and_follower_count_grow(
    sandbox_clock: FrozenClock, brand: Installation
) -> None:
    before = brand.profile()
    assert before.handle == "lumiere"
    assert before.followers
    sandbox_clock.advance(days=30)
    after = brand.read_metrics(["acct-lumiere"])
    assert after[0].metric == "followers"
    assert after[0].value > before.followers


def test_a_silent_audience_says_nothing_while_posts_still_count() -> None:
    clock = FrozenClock(START)
    brand = SandboxConnector(SandboxNetwork(seed=7, clock=clock, silent=True)).open(
        AccountRef(network="sandbox", external_id="acct-quiet", handle="quiet")
    )
    ref = brand.publish(DraftPost(text="Bonjour"))
    clock.advance(days=2)
    assert brand.read_comments(ref.external_id, limit=500).items == []
    assert brand.read_mentions().items == []
    assert brand.read_messages().items == []
    assert brand.find_by_client_ref("none") is None
    assert [p.external_id for p in brand.search("bonjour").items] == [ref.external_id]
