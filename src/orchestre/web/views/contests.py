"""The contests pages: the list with a form to start a contest or a call for contributions,
and one contest's page (its public link, opening and closing, collecting entries from the
networks, reviewing, the team's votes and ranking, the shortlist, winners and their
announcement as a draft post). Every action calls `orchestre.ugc` services, which check
`ugc.view` / `ugc.manage`; the public submission page is in `contests_public.py`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from orchestre.connectors.rules.poll import supports_polls
from orchestre.errors import FieldError, Invalid
from orchestre.kit.timezones import local_to_utc
from orchestre.models import ChannelStatus
from orchestre.ugc import contests, contests_announce, contests_collect
from orchestre.ugc.contests import ContestChanges, ContestInput
from orchestre.web.forms import Form, attempt, redirect, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/contests"
FILTERS = ("pending", "accepted", "rejected", "shortlisted", "all")


def notices() -> dict[str, str]:
    return {
        "created": _("Contest created as a draft. Open it to take entries."),
        "opened": _("The contest is open: its public page takes entries."),
        "closed": _("The contest is closed: no more entries are taken."),
        "collected": _("Entries collected from the networks."),
        "reviewed": _("Review saved."),
        "voted": _("Vote saved."),
        "shortlisted": _("Shortlist updated."),
        "winners": _("Winners saved."),
        "announced": _("A draft post announcing the winners was created. Review and schedule it."),
        "deleted": _("Contest deleted."),
    }


def _local(form: FormData, name: str, zone: str) -> datetime | None:
    raw = text(form, name).strip()
    if not raw:
        return None
    try:
        return local_to_utc(datetime.fromisoformat(raw), zone, name)
    except ValueError:
        return None


def _list(
    request: Request,
    view: WorkspaceView,
    form: FormData | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    rows = contests.list_contests(view.db, view.actor)
    context = shell_context(request, view, "contests")
    context.update(
        contests=rows,
        counts=contests.entry_counts(view.db, view.actor, rows),
        can_manage=view.can(Permission.UGC_MANAGE),
        form=form or {},
        form_errors=errors or [],
        notice=notices().get(request.query_params.get("done", "")),
    )
    return render(request, "ugc/contests.html", context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def contests_page(request: Request, view: CurrentWorkspace) -> Response:
    contests.require_view(view.actor)
    return _list(request, view)


@router.post(PAGE)
def create_contest(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    zone = view.workspace.timezone
    opens, closes = _local(form, "opens_at", zone), _local(form, "closes_at", zone)
    if opens is None or closes is None:
        message = _("Give the opening and closing dates.")
        return _list(request, view, form, [FieldError("closes_at", "required", message)], 422)
    keywords = tuple(k.strip() for k in text(form, "keywords").split(",") if k.strip())
    data = ContestInput(
        kind=text(form, "kind", "hashtag_contest"),
        title=text(form, "title"),
        opens_at=opens,
        closes_at=closes,
        hashtag=text(form, "hashtag"),
        keywords=keywords,
        rules_en=text(form, "rules_en"),
        rules_fr=text(form, "rules_fr"),
    )
    created: list[uuid.UUID] = []
    with attempt(view.db) as errors:
        created.append(contests.create_contest(view.db, view.actor, data).id)
    if errors:
        return _list(request, view, form, list(errors), 422)
    return redirect(f"{view.base}{PAGE}/{created[0]}", "created")


def _entries(view: WorkspaceView, contest_id: uuid.UUID, shown: str) -> list[Any]:
    if shown == "shortlisted":
        return contests.list_entries(view.db, view.actor, contest_id, shortlisted=True, ranked=True)
    status = shown if shown in contests.REVIEW_STATUSES else None
    return contests.list_entries(view.db, view.actor, contest_id, status, ranked=shown != "pending")


@router.get(PAGE + "/{contest_id}", response_class=HTMLResponse)
def contest_page(request: Request, view: CurrentWorkspace, contest_id: uuid.UUID) -> Response:
    contest = contests.get_contest(view.db, view.actor, contest_id)
    shown = request.query_params.get("show", "pending")
    shown = shown if shown in FILTERS else "pending"
    context = shell_context(request, view, "contests")
    connected = [c for c in list_channels(view) if c.status == ChannelStatus.CONNECTED.value]
    context.update(
        contest=contest,
        entries=_entries(view, contest_id, shown),
        shown=shown,
        filters=FILTERS,
        shortlist=contests.list_entries(
            view.db, view.actor, contest_id, shortlisted=True, ranked=True
        ),
        winners=contests.winners(view.db, view.actor, contest_id),
        open_now=contests.accepting(contest),
        public_url=str(request.base_url).rstrip("/") + f"/c/{contest.slug}",
        can_manage=view.can(Permission.UGC_MANAGE),
        announce_channels=connected,
        poll_channels=[c for c in connected if supports_polls(c.network)],
        notice=notices().get(request.query_params.get("done", "")),
        here=f"{view.base}{PAGE}/{contest_id}?show={shown}",
    )
    return render(request, "ugc/contest.html", context)


@router.post(PAGE + "/{contest_id}/poll")
def community_vote(view: WorkspaceWrite, contest_id: uuid.UUID, form: Form) -> Response:
    """The poll's draft post, opened in the editor for a last look before review."""
    channel_ids = _uuids(texts(form, "channel_id"))
    if not channel_ids:
        raise Invalid("Choose at least one channel for the poll.")
    minutes = text(form, "duration_minutes", "1440")
    made = contests_announce.community_vote(
        view.db,
        view.actor,
        contest_id,
        channel_ids,
        text(form, "language", "en"),
        int(minutes) if minutes.isdigit() else contests_announce.POLL_MINUTES,
    )
    return redirect(f"{view.base}/posts/{made.post.id}/edit")


def _back(view: WorkspaceView, contest_id: uuid.UUID, form: FormData, done: str) -> Response:
    shown = text(form, "show", "pending")
    shown = shown if shown in FILTERS else "pending"
    return redirect(f"{view.base}{PAGE}/{contest_id}?show={shown}", done)


@router.post(PAGE + "/{contest_id}/status")
def change_status(view: WorkspaceWrite, contest_id: uuid.UUID, form: Form) -> Response:
    status = text(form, "status")
    contests.update_contest(view.db, view.actor, contest_id, ContestChanges(status=status))
    return _back(view, contest_id, form, "opened" if status == "open" else "closed")


@router.post(PAGE + "/{contest_id}/collect")
def collect(view: WorkspaceWrite, contest_id: uuid.UUID, form: Form) -> Response:
    contests_collect.collect_now(view.db, view.actor, contest_id)
    return _back(view, contest_id, form, "collected")


@router.post(PAGE + "/{contest_id}/delete")
def delete(view: WorkspaceWrite, contest_id: uuid.UUID) -> Response:
    contests.delete_contest(view.db, view.actor, contest_id)
    return redirect(f"{view.base}{PAGE}", "deleted")


@router.post(PAGE + "/{contest_id}/entries/{entry_id}/review")
def review(
    view: WorkspaceWrite, contest_id: uuid.UUID, entry_id: uuid.UUID, form: Form
) -> Response:
    contests.review_entry(view.db, view.actor, contest_id, entry_id, text(form, "status"))
    return _back(view, contest_id, form, "reviewed")


@router.post(PAGE + "/{contest_id}/entries/{entry_id}/vote")
def vote(view: WorkspaceWrite, contest_id: uuid.UUID, entry_id: uuid.UUID, form: Form) -> Response:
    raw = text(form, "score")
    if raw == "":
        contests.clear_vote(view.db, view.actor, contest_id, entry_id)
    else:
        try:
            score = int(raw)
        except ValueError as exc:
            raise Invalid("A vote is a score from 1 to 5.") from exc
        contests.vote(view.db, view.actor, contest_id, entry_id, score)
    return _back(view, contest_id, form, "voted")


@router.post(PAGE + "/{contest_id}/entries/{entry_id}/shortlist")
def shortlist(
    view: WorkspaceWrite, contest_id: uuid.UUID, entry_id: uuid.UUID, form: Form
) -> Response:
    wanted = text(form, "shortlisted") == "yes"
    contests.set_shortlisted(view.db, view.actor, contest_id, entry_id, wanted)
    return _back(view, contest_id, form, "shortlisted")


def _uuids(values: list[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


@router.post(PAGE + "/{contest_id}/winners")
def set_winners(view: WorkspaceWrite, contest_id: uuid.UUID, form: Form) -> Response:
    """Winners are the ticked shortlisted entries, in the shortlist's ranked order."""
    ticked = set(_uuids(texts(form, "winner")))
    ranked = contests.list_entries(view.db, view.actor, contest_id, shortlisted=True, ranked=True)
    chosen = [v.entry.id for v in ranked if v.entry.id in ticked]
    contests.set_winners(view.db, view.actor, contest_id, chosen)
    return _back(view, contest_id, form, "winners")


@router.post(PAGE + "/{contest_id}/announce")
def announce(view: WorkspaceWrite, contest_id: uuid.UUID, form: Form) -> Response:
    channel_ids = _uuids(texts(form, "channel_id"))
    if not channel_ids:
        raise Invalid("Choose at least one channel to announce the winners on.")
    contests_announce.announce_winners(
        view.db, view.actor, contest_id, channel_ids, text(form, "language", "en")
    )
    return _back(view, contest_id, form, "announced")
