"""`scripts/train-models`: retrain every shipped model from the copied rows, score it on
held-out rows beside the baselines, and rewrite the model files and the scores table.

The scores come from models trained on 80% of each source and label and measured on the
other 20% (fixed seed); the shipped models are then trained again on every row."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from orchestre.ml import corpus, training
from orchestre.ml.classifier import Classifier
from orchestre.ml.corpus import Row
from orchestre.ml.evaluation import Score, evaluate, read_response_set

ROOT = Path(__file__).resolve().parents[3]
MODELS = Path(__file__).resolve().parent / "models"
DOC = ROOT / "docs" / "models.md"
START, END = "<!-- scores:start -->", "<!-- scores:end -->"


def _corpus() -> training.Corpus:
    return training.Corpus(
        sentiment=corpus.read("sentiment.csv"),
        toxicity=corpus.read("toxicity.csv"),
        spam=corpus.read("spam.csv"),
        other_lang=corpus.other_language_rows(corpus.read("crisis_multilingual.csv")),
    )


def _split(full: training.Corpus) -> tuple[training.Corpus, dict[str, list[Row]]]:
    parts = {
        "sentiment": corpus.split(full.sentiment, lambda r: r.label),
        "toxicity": corpus.split(full.toxicity, lambda r: r.label),
        "spam": corpus.split(full.spam, lambda r: r.label),
        "other_lang": corpus.split(full.other_lang, lambda r: r.label),
    }
    train = training.Corpus(**{name: part[0] for name, part in parts.items()})
    held_out = {name: part[1] for name, part in parts.items()}
    held_out["language"] = [
        r for name in ("sentiment", "toxicity", "spam", "other_lang") for r in held_out[name]
    ]
    return train, held_out


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def table(scores: list[Score]) -> str:
    lines = [
        "| task | lang | held-out rows | metric | n | model | target | vaderSentiment(-fr) "
        "| alt-profanity-check | glin-profanity |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        vader = s.baselines.get("vaderSentiment", s.baselines.get("vaderSentiment-fr"))
        lines.append(
            f"| {s.task} | {s.lang} | {s.rows} | {s.metric} | {s.n} | **{s.model:.3f}** "
            f"| {_cell(s.target)} | {_cell(vader)} "
            f"| {_cell(s.baselines.get('alt-profanity-check'))} "
            f"| {_cell(s.baselines.get('glin-profanity'))} |"
        )
    return "\n".join(lines)


def _write_doc(scores: list[Score]) -> None:
    if not DOC.exists():
        return
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{START}\n{table(scores)}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-baselines", action="store_true", help="skip the baseline scores")
    parser.add_argument(
        "--scores-only", action="store_true", help="rewrite the scores, not the models"
    )
    args = parser.parse_args(argv)
    version = f"{training.MODEL_SCHEMA}+{corpus.fingerprint()}"
    full = _corpus()
    train, held_out = _split(full)
    print(f"held-out evaluation: training on {len(train.texts())} rows")
    scored = training.train(train, version + "-eval")
    labelled = read_response_set(corpus.data_folder() / "needs_response_eval.csv")
    scores = evaluate(Classifier(scored), held_out, labelled, baselines=not args.no_baselines)
    print(table(scores))
    (MODELS / "scores.json").write_text(
        json.dumps([s.as_dict() for s in scores], indent=2) + "\n", encoding="utf-8"
    )
    _write_doc(scores)
    if args.scores_only:
        return
    print(f"shipped models: training on all {len(full.texts())} rows")
    training.train(full, version).save(MODELS)


if __name__ == "__main__":
    main()
