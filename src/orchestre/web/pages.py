"""Web pages: they call the same services as the JSON API."""

from __future__ import annotations

from fastapi import FastAPI


def mount_web(app: FastAPI) -> None:
    return None
