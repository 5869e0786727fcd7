"""Pages (filled in by the inbox work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/w/{workspace_id}")
