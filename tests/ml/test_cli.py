"""`orchestre classify --input IN.csv --output OUT.csv`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from orchestre.ml.cli import classify


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("classify")(classify)
    app.command("noop")(lambda: None)  # two commands, so the name is required as for real
    return app


def test_adds_a_label_and_a_score_per_task(tmp_path: Path) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "lang"])
        writer.writerow(["1", "Where is my order? It is late again", "en"])
        writer.writerow(["2", "Merci beaucoup, toute l'équipe est formidable !", ""])
        writer.writerow(["3", "", ""])
        writer.writerow(["4", "<script>x</script>\nsubscribe to my channel http://a.co", ""])
    result = CliRunner().invoke(
        _app(), ["classify", "--input", str(source), "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "4 rows" in result.output
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    for task in ("lang", "sentiment", "toxicity", "spam", "needs_response"):
        assert all(r[task] for r in rows)
        assert all(0.0 <= float(r[f"{task}_score"]) <= 1.0 for r in rows)
    assert rows[0]["needs_response"] == "yes"
    assert rows[1]["lang"] == "fr"
    assert rows[2]["lang"] == "other"
    assert rows[3]["spam"] == "spam"


def test_refuses_a_file_without_text(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("message\nhello\n", encoding="utf-8")
    result = CliRunner().invoke(
        _app(), ["classify", "--input", str(source), "--output", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1
    assert "no `text` column" in result.output


def test_registering_the_command_loads_no_model_library() -> None:
    """`orchestre --help` should not pay for scikit-learn."""
    code = "import sys, orchestre.ml.cli; print(sorted({'sklearn', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
