"""The community assistant with a provider: the prompts carry the grounding (saved replies,
past answers, tone, the thread, the evidence), good answers are used with the provider
named, and answers that break a rule fall back to the offline drafts."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from orchestre.assistant import community, community_crisis, community_summary
from orchestre.models import EditorialLine
from tests.assistant.conftest import LLMServer, switch_on_provider
from tests.assistant.test_community import conversation_with, shipping_replies
from tests.assistant.test_community_summaries import long_thread, make_alert
from tests.factories import make_workspace
from tests.inbox.team_support import actor_for


def suggestions(*texts: str, grounding: tuple[str, ...] = ()) -> str:
    items = [{"text": t, "grounding": list(grounding)} for t in texts]
    return json.dumps({"suggestions": items})


def points(*texts: str) -> str:
    return json.dumps({"points": list(texts)})


def test_the_reply_prompt_is_grounded_and_a_good_answer_is_used(
    db: Session, llm_server: LLMServer
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    db.add(
        EditorialLine(
            workspace_id=ws.id, tone_notes="Warm, uses first names", banned_words=["cheap"]
        )
    )
    en, _fr = shipping_replies(db, ws)
    conversation = conversation_with(db, ws, "Hi, where is my order #48213?", "en")
    switch_on_provider(db, ws.id, llm_server.base_url, model="tiny")
    text = "Hi Camille, order 48213 left our warehouse yesterday: 3 to 5 days more."
    llm_server.reply(suggestions(text, grounding=("S1",)))

    found = community.suggest_replies(db, cm, conversation.id)

    assert found.source == "provider:tiny"
    assert found.fell_back is None
    assert found.suggestions[0].text == text
    assert found.suggestions[0].grounding[0].id == en.id
    prompt = llm_server.requests[0].prompt
    assert "Warm, uses first names" in prompt
    assert "cheap" in prompt
    assert (
        "S1 (saved reply “Where is my order”): Hi Camille, your order 48213 is on its way" in prompt
    )
    assert "Hi, where is my order #48213?" in prompt
    assert llm_server.requests[0].json["response_format"] == {"type": "json_object"}


def test_a_reply_breaking_the_rules_falls_back_to_the_offline_drafts(
    db: Session, llm_server: LLMServer
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    db.add(EditorialLine(workspace_id=ws.id, banned_words=["cheap"]))
    shipping_replies(db, ws)
    conversation = conversation_with(db, ws, "Hi, where is my order #48213?", "en")
    switch_on_provider(db, ws.id, llm_server.base_url)
    llm_server.reply(
        suggestions("Hi {first_name}, it is on its way."),
        suggestions("A cheap trick, sorry."),
    )

    found = community.suggest_replies(db, cm, conversation.id)

    assert found.source == "offline"
    assert found.fell_back is not None
    assert "banned words" in found.fell_back
    assert found.suggestions[0].text.startswith("Hi Camille, your order 48213")
    assert "unfilled variables" in llm_server.requests[1].prompt


def test_a_thread_summary_citing_what_the_thread_does_not_say_is_refused(
    db: Session, llm_server: LLMServer
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    conversation = long_thread(db, ws)
    switch_on_provider(db, ws.id, llm_server.base_url)
    good = points(
        "Jeanne Petit's coffee machine (Barista 300) stopped after two weeks.",
        "The team promised a replacement; order 55120.",
        "She asks when the replacement arrives.",
    )
    llm_server.reply(good)
    used = community_summary.summarize_conversation(db, cm, conversation.id)
    assert used.fell_back is None, used.fell_back
    assert used.source == "provider:test"
    assert used.summary.points[1].endswith("order 55120.")
    assert "The order number is 55120." in llm_server.requests[0].prompt

    invented = points("Marc Dupont was refunded 120 euros.")
    llm_server.reply(invented, invented)
    refused = community_summary.summarize_conversation(db, cm, conversation.id)
    assert refused.source == "offline"
    assert refused.fell_back is not None
    assert "not in the conversation" in refused.fell_back


def test_a_crisis_summary_cites_only_numbers_of_the_evidence(
    db: Session, llm_server: LLMServer
) -> None:
    ws = make_workspace(db)
    cm = actor_for(db, ws, "community_manager")
    alert = make_alert(db, ws)
    switch_on_provider(db, ws.id, llm_server.base_url)
    llm_server.reply(
        points(
            "48 messages against 3.2 expected: 15 times the usual volume.",
            "People talk about a recall and burns, with #boycott.",
        )
    )
    used = community_crisis.summarize_alert(db, cm, alert.id)
    assert used.source == "provider:test"
    assert '"observed": 48.0' in llm_server.requests[0].prompt
    assert "The kettle burnt my hand" in llm_server.requests[0].prompt

    wrong = points("About 300 angry messages in one hour.")
    llm_server.reply(wrong, wrong)
    refused = community_crisis.summarize_alert(db, cm, alert.id, language="fr")
    assert refused.source == "offline"
    assert refused.fell_back is not None
    assert "300" in refused.fell_back
    assert refused.summary.points[0].startswith("48 messages sur la dernière période")
