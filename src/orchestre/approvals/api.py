"""JSON routes of the approvals domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["approvals"])
