"""Reading on Mastodon: replies under a status, the inbox split three ways, metrics, search."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from orchestre.connectors.base import InteractionKind, PermanentError
from orchestre.connectors.mastodon import MastodonInstallation, html_to_text
from orchestre.kit.clock import FrozenClock
from tests.connectors.mastodon.conftest import INSTANCE, ReplayedInstance, payload

POST = "112200000000000001"
NOTIFICATIONS = "/api/v1/notifications"


def test_comments_on_a_post_are_its_descendants_oldest_first(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", f"/api/v1/statuses/{POST}/context", payload("context.json"))
    page = lumiere.read_comments(POST)
    assert [c.external_id for c in page.items] == [
        "112200000000000002",
        "112200000000000010",
        "112200000000000011",
        "112200000000000012",
    ]
    first_comment, camille, sam, answer = page.items
    assert first_comment.own
    assert first_comment.kind is InteractionKind.COMMENT
    assert camille.kind is InteractionKind.COMMENT
    assert camille.post_external_id == POST
    assert camille.parent_external_id is None
    assert camille.author_id == "110001"
    assert camille.author_handle == "camille@mastodon.example"
    assert camille.author_name == "Camille"
    assert camille.language == "fr"
    assert camille.created_at == datetime(2030, 3, 15, 9, 12, tzinfo=UTC)
    assert camille.url == "https://mastodon.example/@camille/112200000000000010"
    assert camille.text == (
        "@lumiere Superbe !\nIl existe en laiton ? Voir "
        "https://example.org/laiton/catalogue-2030 & merci\n\nCamille"
    )
    assert not camille.own
    # The content warning is read before the text, as a reader sees it.
    assert sam.text == "off topic\n\nLovely lamp"
    assert sam.author_handle == "sam@other.example"
    assert answer.kind is InteractionKind.REPLY
    assert answer.parent_external_id == "112200000000000010"
    assert answer.author_handle == "lumiere@social.example"
    assert answer.own
    assert page.has_more is False
    assert page.next_cursor == "112200000000000012"


def test_comments_page_after_a_cursor(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", f"/api/v1/statuses/{POST}/context", payload("context.json"))
    first = lumiere.read_comments(POST, limit=2)
    assert [c.external_id for c in first.items] == ["112200000000000002", "112200000000000010"]
    assert first.has_more
    second = lumiere.read_comments(POST, cursor=first.next_cursor, limit=2)
    assert [c.external_id for c in second.items] == ["112200000000000011", "112200000000000012"]
    assert not second.has_more
    third = lumiere.read_comments(POST, cursor=second.next_cursor)
    assert third.items == []
    assert third.next_cursor == second.next_cursor


def test_comments_on_a_deleted_post_are_a_permanent_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", f"/api/v1/statuses/{POST}/context", payload("error_404.json"), 404)
    with pytest.raises(PermanentError, match="Record not found"):
        lumiere.read_comments(POST)


def _notifications(instance: ReplayedInstance) -> None:
    link = (
        f'<{INSTANCE}/api/v1/notifications?max_id=4001&types%5B%5D=mention>; rel="next", '
        f'<{INSTANCE}/api/v1/notifications?min_id=4003&types%5B%5D=mention>; rel="prev"'
    )
    instance.json(
        "GET", NOTIFICATIONS, payload("notifications_mentions.json"), headers={"Link": link}
    )


def test_mentions_ask_for_mention_notifications_after_the_cursor(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    _notifications(instance)
    page = lumiere.read_mentions(limit=3)
    (sent,) = instance.sent("GET", NOTIFICATIONS)
    assert sent.url.params.get_list("types[]") == ["mention"]
    assert sent.url.params["limit"] == "3"
    # The first read starts from the oldest notification the instance keeps.
    assert sent.url.params["min_id"] == "0"
    # Neither the direct message nor the reply to our post: those are elsewhere.
    (noor,) = page.items
    assert noor.kind is InteractionKind.MENTION
    assert noor.external_id == "112200000000000040"
    assert noor.text == "Just got my lamp from @lumiere #design"
    assert noor.author_handle == "noor@social.example"
    assert page.next_cursor == "4003"
    assert page.has_more

    lumiere.read_mentions(cursor=page.next_cursor)
    assert instance.sent("GET", NOTIFICATIONS)[1].url.params["min_id"] == "4003"
    # Mastodon serves at most 80 notifications a page.
    assert instance.sent("GET", NOTIFICATIONS)[1].url.params["limit"] == "80"


def test_direct_mentions_are_messages(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    _notifications(instance)
    page = lumiere.read_messages()
    (message,) = page.items
    assert message.kind is InteractionKind.MESSAGE
    assert message.text == "@lumiere Livrez-vous en Belgique ?"
    assert message.author_handle == "camille@mastodon.example"
    assert page.next_cursor == "4003"
    assert not page.has_more


def test_replies_to_our_posts_are_the_comments_on_all_posts(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    _notifications(instance)
    (comment,) = lumiere.read_comments().items
    assert comment.kind is InteractionKind.COMMENT
    assert comment.external_id == "112200000000000010"
    assert comment.post_external_id == POST


def test_an_empty_page_keeps_the_cursor(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", NOTIFICATIONS, [])
    page = lumiere.read_mentions(cursor="4003")
    assert page.items == []
    assert page.next_cursor == "4003"
    assert not page.has_more


def test_metrics_are_the_status_counters_and_unknown_ids_are_left_out(
    lumiere: MastodonInstallation, instance: ReplayedInstance, clock: FrozenClock
) -> None:
    instance.json("GET", f"/api/v1/statuses/{POST}", payload("status.json"))
    instance.json("GET", "/api/v1/statuses/999", payload("error_404.json"), 404)
    samples = lumiere.read_metrics([POST, "999"])
    assert {(s.external_id, s.metric, s.value) for s in samples} == {
        (POST, "likes", 42.0),
        (POST, "reposts", 5.0),
        (POST, "comments", 3.0),
    }
    assert {s.at for s in samples} == {clock.now()}


def test_search_asks_for_statuses_and_pages_by_offset(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.json("GET", "/api/v2/search", payload("search_statuses.json"))
    page = lumiere.search("#luminaire", limit=2)
    (sent,) = instance.requests
    assert sent.url.params["q"] == "#luminaire"
    assert sent.url.params["type"] == "statuses"
    assert sent.url.params["limit"] == "2"
    assert sent.url.params["offset"] == "0"
    first = page.items[0]
    assert first.external_id == "112200000000000090"
    assert first.author_handle == "camille@mastodon.example"
    assert first.text == "Un #luminaire en laiton, enfin"
    assert first.metrics == {"likes": 9.0, "reposts": 2.0, "comments": 1.0}
    assert page.items[1].author_handle == "noor@social.example"
    assert page.next_cursor == "2"
    assert page.has_more

    last = lumiere.search("#luminaire", cursor="2", limit=40)
    assert instance.requests[1].url.params["offset"] == "2"
    assert last.next_cursor is None
    assert not last.has_more


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Un</p><p>Deux<br />Trois</p>", "Un\n\nDeux\nTrois"),
        ("<p>&lt;b&gt; &amp; &quot;ok&quot; &#39;</p>", '<b> & "ok" \''),
        ("Texte sans balise", "Texte sans balise"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_page_that_is_not_json_is_a_permanent_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    instance.on("GET", NOTIFICATIONS, httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(PermanentError, match="not JSON"):
        lumiere.read_mentions()


def test_a_status_without_a_valid_date_is_a_permanent_error(
    lumiere: MastodonInstallation, instance: ReplayedInstance
) -> None:
    broken = dict(payload("status.json"), created_at="yesterday")
    instance.json("GET", f"/api/v1/statuses/{POST}/context", {"descendants": [broken]})
    with pytest.raises(PermanentError, match="valid date"):
        lumiere.read_comments(POST)
