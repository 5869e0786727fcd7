"""JSON routes of the audit domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
