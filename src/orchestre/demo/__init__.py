"""The demo workspace "Maison Lumière": a living, bilingual brand a newcomer understands at once."""

from orchestre.demo.seed import DemoResult, describe, fill

__all__ = ["DemoResult", "describe", "fill"]
