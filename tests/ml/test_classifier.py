"""The shipped classifier answers every task, with scores and drivers, on any input."""

from __future__ import annotations

import math

import pytest

from orchestre.ml import Classification, Decision, load_classifier
from orchestre.ml.classifier import language_hint

LABELS = {
    "lang": {"en", "fr", "other"},
    "sentiment": {"negative", "neutral", "positive"},
    "toxicity": {"hate", "offensive", "clean"},
    "spam": {"spam", "ham"},
    "needs_response": {"yes", "no"},
}
TASKS = tuple(LABELS)


def _check(result: Classification) -> None:
    for task in TASKS:
        decision: Decision = getattr(result, task)
        assert decision.label in LABELS[task]
        assert set(decision.scores) == LABELS[task]
        assert math.isclose(sum(decision.scores.values()), 1.0, abs_tol=0.01)
        assert 0.0 <= decision.score <= 1.0
        assert decision.score == pytest.approx(decision.scores[decision.label], abs=1e-3)
        assert len(decision.drivers) <= 8
    assert result.model_version


def test_loaded_once_per_process() -> None:
    assert load_classifier() is load_classifier()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀🎉",
        "x" * 10_000,
        "word " * 2_500,
        "<script>alert('x')</script><b>hello</b>",
        "Bonjour, is this the right place pour commander? Gracias 🙏",
        "\x00\u200b\ufeff",
        "@user @user http://t.co/abc",
    ],
)
def test_never_raises_on_odd_input(text: str) -> None:
    _check(load_classifier().classify(text))


@pytest.mark.parametrize("text", ["", "😀😀🎉", "  \n "])
def test_nothing_to_read_gets_the_quiet_defaults(text: str) -> None:
    result = load_classifier().classify(text)
    assert result.lang.label == "other"
    assert result.sentiment.label == "neutral"
    assert result.toxicity.label == "clean"
    assert result.spam.label == "ham"
    assert result.needs_response.label == "no"


def test_languages() -> None:
    classifier = load_classifier()
    english = classifier.classify("Thanks for the great service, I will come back next week")
    french = classifier.classify("Merci pour votre accueil, nous reviendrons la semaine prochaine")
    assert english.lang.label == "en"
    assert french.lang.label == "fr"


def test_network_language_tag_wins() -> None:
    result = load_classifier().classify("ok", lang="fr-CA")
    assert result.lang.label == "fr"
    assert result.lang.drivers[0][0] == "network language tag"
    assert load_classifier().classify("ok", lang="de").lang.label == "other"
    assert language_hint("en_US") == "en"
    assert language_hint("") is None


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("I love this, best day ever, thank you so much!", "en", "positive"),
        ("This is the worst service ever, I hate it, terrible and awful", "en", "negative"),
        ("J'adore, c'est génial, merci beaucoup !", "fr", "positive"),
        ("C'est nul, horrible, je déteste, quelle honte", "fr", "negative"),
    ],
)
def test_sentiment(text: str, lang: str, label: str) -> None:
    result = load_classifier().classify(text, lang)
    assert result.sentiment.label == label
    assert result.sentiment.drivers  # the words behind it are shown


def test_toxicity_and_its_drivers() -> None:
    classifier = load_classifier()
    insult = classifier.classify("shut up you stupid fucking idiot bitch", "en")
    assert insult.toxicity.label in {"offensive", "hate"}
    assert any(
        word in {"fucking", "bitch", "idiot", "stupid"} for word, _ in insult.toxicity.drivers
    )
    assert (
        classifier.classify("Have a lovely afternoon with your family", "en").toxicity.label
        == "clean"
    )
    assert classifier.classify("ferme ta gueule espèce de connard", "fr").toxicity.label != "clean"


def test_spam() -> None:
    classifier = load_classifier()
    spam = classifier.classify("Check out my channel and subscribe!!! http://bit.ly/abc free money")
    assert spam.spam.label == "spam"
    assert classifier.classify("This song reminds me of my childhood").spam.label == "ham"


def test_needs_response_names_its_kind_first() -> None:
    classifier = load_classifier()
    question = classifier.classify("Hi, do you ship to Canada?", "en")
    assert question.needs_response.label == "yes"
    assert question.response_kind == "question"
    assert question.needs_response.drivers[0][0] == "question"
    complaint = classifier.classify(
        "Ma commande n'est toujours pas arrivée, c'est inadmissible", "fr"
    )
    assert complaint.response_kind == "complaint"
    thanks = classifier.classify("Merci, super soirée !", "fr")
    assert thanks.needs_response.label == "no"
    assert thanks.response_kind is None


def test_batch_matches_single() -> None:
    classifier = load_classifier()
    texts = ["Great job!", "", "Où est mon colis ?", "subscribe to my channel http://x.co"]
    batch = classifier.classify_many(texts, [None, None, "fr", None])
    single = [
        classifier.classify(t, lang)
        for t, lang in zip(texts, [None, None, "fr", None], strict=True)
    ]
    assert batch == single


def test_hints_must_match_texts() -> None:
    with pytest.raises(ValueError, match="hints"):
        load_classifier().classify_many(["a", "b"], ["en"])
