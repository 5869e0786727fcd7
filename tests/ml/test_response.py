"""The "needs a response" rules, in English and French."""

from __future__ import annotations

import pytest

from orchestre.ml.response import needs_response


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("What time do you open on Sunday?", "question"),
        ("Est-ce que vous livrez en Suisse", "question"),
        ("Could you please send me the invoice", "request"),
        ("Pouvez-vous m'envoyer la facture svp", "request"),
        ("I was charged twice and still waiting for a refund", "complaint"),
        ("Le colis n'est toujours pas arrivé, service client aux abonnés absents", "complaint"),
    ],
)
def test_kinds(text: str, kind: str) -> None:
    decision = needs_response(text, negative=0.6 if kind == "complaint" else 0.2, spam=0.0)
    assert decision.label == "yes"
    assert decision.drivers[0][0] == kind


@pytest.mark.parametrize("text", ["Great show tonight", "Merci beaucoup", "", "lol"])
def test_no_response_needed(text: str) -> None:
    assert needs_response(text, negative=0.1, spam=0.0).label == "no"


def test_spam_needs_no_response() -> None:
    assert needs_response("Can you check my channel?", negative=0.0, spam=0.99).label == "no"


def test_negative_mood_makes_a_complaint() -> None:
    plain = needs_response("the delivery was late", negative=0.05, spam=0.0)
    upset = needs_response("the delivery was late", negative=0.95, spam=0.0)
    assert upset.scores["yes"] > plain.scores["yes"]
    assert upset.label == "yes"
