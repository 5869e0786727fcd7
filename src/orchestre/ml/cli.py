"""`orchestre classify`: classify the `text` column of a CSV file offline."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from orchestre.ml.decision import Classification

# Each task adds its label column and a `<task>_score` column (the label's probability).
TASKS = ("lang", "sentiment", "toxicity", "spam", "needs_response")
BATCH = 512


def _columns(result: Classification) -> dict[str, str]:
    out: dict[str, str] = {}
    for task in TASKS:
        decision = getattr(result, task)
        out[task] = decision.label
        out[f"{task}_score"] = f"{decision.score:.4f}"
    return out


def _batches(rows: Iterator[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    batch: list[dict[str, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def classify(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            help="CSV file with a `text` column (and optionally `lang`).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", help="CSV file to write, with the added columns.", dir_okay=False),
    ],
) -> None:
    """Add lang, sentiment, toxicity, spam and needs_response columns (and a score for each)
    to every row of a CSV file. Runs offline with the models shipped in the package."""
    from orchestre.ml.classifier import load_classifier  # heavy: loaded when used

    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    classifier = load_classifier()
    with input.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.DictReader(source)
        fields = list(reader.fieldnames or [])
        if "text" not in fields:
            typer.secho(
                f"{input}: no `text` column (columns: {', '.join(fields)})",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(1)
        added = [c for task in TASKS for c in (task, f"{task}_score")]
        keep = [f for f in fields if f not in added]
        count = 0
        with output.open("w", newline="", encoding="utf-8") as target:
            writer = csv.DictWriter(target, fieldnames=[*keep, *added], extrasaction="ignore")
            writer.writeheader()
            for batch in _batches(reader):
                texts = [row.get("text") or "" for row in batch]
                langs = [row.get("lang") or None for row in batch]
                for row, result in zip(batch, classifier.classify_many(texts, langs), strict=True):
                    writer.writerow({**{k: row.get(k) or "" for k in keep}, **_columns(result)})
                count += len(batch)
    typer.echo(f"{count} rows classified into {output}")
