"""JSON routes (filled in by the inbox work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
