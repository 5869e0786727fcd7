"""Best times to post, as a partial the calendar and the composer load with htmx:
`<div hx-get="/w/{id}/channels/{channel_id}/best-times?compact=1" hx-trigger="load"></div>`
(`limit`: how many slots, 5 by default; `compact`: without its card)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.insights import service as insights
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace

router = APIRouter(prefix="/w/{workspace_id}")


@router.get("/channels/{channel_id}/best-times", response_class=HTMLResponse)
def best_times(
    request: Request,
    view: CurrentWorkspace,
    channel_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=24)] = 5,
    compact: bool = False,
) -> Response:
    found = insights.best_times(view.db, view.actor, channel_id, limit=limit)
    return render(request, "insights/_best_times.html", {"best": found, "compact": compact})
