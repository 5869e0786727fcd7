"""docs/networks.md holds the media-limits table rendered from the rules' data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_doc_table_equals_the_rules_data() -> None:
    spec = importlib.util.spec_from_file_location("networks_doc", ROOT / "scripts/networks_doc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = (ROOT / "docs/networks.md").read_text(encoding="utf-8")
    assert module.render() in doc, "run scripts/networks_doc.py and paste its table"
