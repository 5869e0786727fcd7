"""Model files load only when they are the ones the training script wrote."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from orchestre.ml.bundle import HEADS_FILE, MANIFEST_FILE, ModelBundle, ModelFilesError


@pytest.fixture
def models(tmp_path: Path) -> Path:
    source = Path(str(resources.files("orchestre.ml") / "models"))
    target = tmp_path / "models"
    shutil.copytree(source, target)
    return target


def test_shipped_files_load(models: Path) -> None:
    bundle = ModelBundle.load(models)
    assert set(bundle.heads) >= {"lang", "sentiment_en", "sentiment_fr", "spam"}
    assert bundle.weights.shape[1] == bundle.featurizer.width


def test_altered_file_is_refused(models: Path) -> None:
    heads = models / HEADS_FILE
    data = bytearray(heads.read_bytes())
    data[len(data) // 2] ^= 0xFF
    heads.write_bytes(bytes(data))
    with pytest.raises(ModelFilesError, match="checksum"):
        ModelBundle.load(models)


def test_other_scikit_learn_is_refused(models: Path) -> None:
    manifest = json.loads((models / MANIFEST_FILE).read_text())
    manifest["scikit_learn"] = "0.0.1"
    (models / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelFilesError, match=r"scikit-learn 0\.0\.1"):
        ModelBundle.load(models)


def test_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFilesError, match="cannot read"):
        ModelBundle.load(tmp_path)


def test_total_size_stays_reasonable() -> None:
    folder = Path(str(resources.files("orchestre.ml") / "models"))
    assert sum(f.stat().st_size for f in folder.iterdir()) < 30 * 1024 * 1024
