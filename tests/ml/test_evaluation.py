"""The scores table counts ordinary messages taken for toxic, per language and kind of text."""

from __future__ import annotations

from orchestre.ml import load_classifier
from orchestre.ml.corpus import Row
from orchestre.ml.evaluation import LabelledMessage, false_alarm_scores


def test_false_alarms_are_counted_per_language_and_kind() -> None:
    tweets = [
        Row("1", "Have a lovely afternoon with your family", "en", "positive", "tw"),
        Row("2", "shut up you stupid fucking idiot bitch", "en", "negative", "tw"),
        Row("3", "Bonne soirée à tous", "fr", "positive", "fr_tw"),
    ]
    written = [
        LabelledMessage("Is the blue model back in stock?", "en", "yes", "question", "written"),
        LabelledMessage("ferme ta gueule espèce de connard", "fr", "no", "", "written"),
        LabelledMessage("Bravo à toute l'équipe", "fr", "no", "", "written"),
        LabelledMessage("from a data file, not counted", "en", "no", "", "tw"),
    ]
    scores = {(s.lang, s.rows): s for s in false_alarm_scores(load_classifier(), tweets, written)}
    assert scores[("en", "tw (sentiment rows)")].n == 2
    assert scores[("en", "tw (sentiment rows)")].model == 0.5
    assert scores[("fr", "fr_tw (sentiment rows)")].model == 0.0
    assert scores[("en", "hand-labelled set, written messages")].n == 1
    assert scores[("fr", "hand-labelled set, written messages")].model == 0.5
