"""Results explained by the workspace's provider (a local chat-completions server): the
model sees the fact table only, its text is kept when every figure is a fact, sent back
once naming an invented figure, and replaced by the offline text when it invents twice."""

from __future__ import annotations

import json

from orchestre.assistant import explain as ex
from tests.analytics.kpi_support import Shop
from tests.assistant.conftest import LLMServer, switch_on_provider
from tests.assistant.test_explain import MARCH, NOW, shop

__all__ = ["shop"]


def _answer(worked: str, try_next: str = "Plan more Video posts.") -> str:
    return json.dumps({"worked": [worked], "did_not_work": [], "try_next": [try_next]})


def test_a_checked_answer_is_kept_and_labelled(shop: Shop, llm_server: LLMServer) -> None:
    switch_on_provider(shop.db, shop.workspace.id, llm_server.base_url, model="explainer")
    llm_server.reply(_answer("Video posts reached 10.0% over 6 posts, 2.5× the images."))
    found = ex.explain(shop.db, shop.actor(), period=MARCH, now=NOW)
    assert found.drafted.source == "provider:explainer"
    assert found.drafted.prompt_id == "explain.results/1"
    assert found.explanation.worked == ("Video posts reached 10.0% over 6 posts, 2.5× the images.",)
    (asked,) = llm_server.requests
    sent = json.loads(asked.messages[-1]["content"])
    assert {f["id"] for f in sent["facts"]} >= {"kpi.reach", "format.video.vs.image"}
    assert "Tips" in json.dumps(sent["context"])  # labels, so ids can be named
    assert asked.json["response_format"] == {"type": "json_object"}


def test_an_invented_figure_is_sent_back_once(shop: Shop, llm_server: LLMServer) -> None:
    switch_on_provider(shop.db, shop.workspace.id, llm_server.base_url)
    llm_server.reply(
        _answer("Reach grew by 37% thanks to 3.1× more videos."),
        _answer("Reach rose by 180.0% to 14,000."),
    )
    found = ex.explain(shop.db, shop.actor(), period=MARCH, now=NOW)
    assert found.explanation.worked == ("Reach rose by 180.0% to 14,000.",)
    second = llm_server.requests[1].messages[-1]["content"]
    assert "37%" in second
    assert "3.1×" in second


def test_inventing_twice_gives_the_offline_text(shop: Shop, llm_server: LLMServer) -> None:
    switch_on_provider(shop.db, shop.workspace.id, llm_server.base_url)
    llm_server.reply(_answer("Reach: 15,000."), _answer("Engagement: 2,000."))
    found = ex.explain(shop.db, shop.actor(), period=MARCH, now=NOW)
    assert found.drafted.offline
    assert found.drafted.fell_back is not None
    assert "2,000" in found.drafted.fell_back
    assert found.explanation == ex.offline(found.facts)


def test_a_french_answer_is_checked_in_french(shop: Shop, llm_server: LLMServer) -> None:
    switch_on_provider(shop.db, shop.workspace.id, llm_server.base_url)
    llm_server.reply(
        _answer("Les vidéos atteignent 10,0 % sur 6 publications, soit 2,5× les images.")
    )
    found = ex.explain(shop.db, shop.actor(), period=MARCH, language="fr", now=NOW)
    assert not found.drafted.offline
    assert len(llm_server.requests) == 1
