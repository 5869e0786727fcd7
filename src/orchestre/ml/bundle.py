"""The shipped model files: one feature space and the linear heads that read it.

Files in `orchestre/ml/models/`: `features.json.gz` (vocabularies and IDF weights),
`heads.npz` (one weight row per class, loaded with allow_pickle=False) and `manifest.json`
(heads, labels, versions and checksums). Nothing is unpickled, so a model file can never
run code; loading refuses files whose checksum or scikit-learn version does not match.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import sklearn  # type: ignore[import-untyped]

from orchestre.ml.features import Featurizer

FEATURES_FILE = "features.json.gz"
HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"


class ModelFilesError(RuntimeError):
    """The shipped model files are missing, altered, or from another scikit-learn."""


@dataclass(frozen=True)
class Head:
    """One task's linear model: `softmax` over its labels (one row each), or `sigmoid`
    with a single row for its second label."""

    name: str
    kind: Literal["softmax", "sigmoid"]
    labels: tuple[str, ...]
    row: int

    @property
    def rows(self) -> int:
        return len(self.labels) if self.kind == "softmax" else 1


@dataclass
class ModelBundle:
    featurizer: Featurizer
    heads: dict[str, Head]
    weights: np.ndarray  # (rows, featurizer.width) float32
    bias: np.ndarray  # (rows,) float32
    version: str
    trained_with: str  # scikit-learn version

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        features = json.dumps(self.featurizer.dump(), ensure_ascii=False, separators=(",", ":"))
        # mtime=0 keeps the file byte-identical between runs of the training script.
        (folder / FEATURES_FILE).write_bytes(gzip.compress(features.encode(), mtime=0))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, weights=self.weights, bias=self.bias)
        (folder / HEADS_FILE).write_bytes(buffer.getvalue())
        manifest = {
            "version": self.version,
            "scikit_learn": self.trained_with,
            "heads": [
                {"name": h.name, "kind": h.kind, "labels": list(h.labels), "row": h.row}
                for h in self.heads.values()
            ],
            "sha256": {
                name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
                for name in (FEATURES_FILE, HEADS_FILE)
            },
        }
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Traversable | Path | None = None) -> ModelBundle:
        folder = folder or resources.files("orchestre.ml") / "models"
        try:
            manifest: dict[str, Any] = json.loads((folder / MANIFEST_FILE).read_text())
            blobs = {name: (folder / name).read_bytes() for name in (FEATURES_FILE, HEADS_FILE)}
        except (OSError, ValueError) as exc:
            message = f"cannot read the model files in {folder}: {exc}"
            raise ModelFilesError(message) from exc
        for name, blob in blobs.items():
            if hashlib.sha256(blob).hexdigest() != manifest["sha256"][name]:
                message = f"model file {name} does not match its manifest checksum"
                raise ModelFilesError(message)
        if manifest["scikit_learn"] != sklearn.__version__:
            message = (
                f"the models were trained with scikit-learn {manifest['scikit_learn']}, "
                f"this is {sklearn.__version__}: install that version or run scripts/train-models"
            )
            raise ModelFilesError(message)
        featurizer = Featurizer.load(json.loads(gzip.decompress(blobs[FEATURES_FILE])))
        with np.load(io.BytesIO(blobs[HEADS_FILE]), allow_pickle=False) as arrays:
            weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
            bias = np.asarray(arrays["bias"], dtype=np.float32)
        heads = {
            h["name"]: Head(h["name"], h["kind"], tuple(h["labels"]), int(h["row"]))
            for h in manifest["heads"]
        }
        if weights.shape != (len(bias), featurizer.width):
            message = (
                f"model weights have shape {weights.shape}, expected {featurizer.width} columns"
            )
            raise ModelFilesError(message)
        return cls(featurizer, heads, weights, bias, manifest["version"], manifest["scikit_learn"])
