"""JSON routes of the posts domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["posts"])
