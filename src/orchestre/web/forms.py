"""Reading HTML forms: the raw fields of a request, and the one-shot notices after a redirect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from orchestre.errors import Conflict, FieldError, Invalid
from orchestre.web.i18n import gettext as _


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def optional(form: FormData, name: str) -> str | None:
    value = text(form, name).strip()
    return value or None


def redirect(url: str, done: str | None = None) -> RedirectResponse:
    """Post/redirect/get: `done` names the notice the next page shows once."""
    if done:
        url += ("&" if "?" in url else "?") + "done=" + done
    return RedirectResponse(url, status_code=303)


def notices() -> dict[str, str]:
    """The messages behind `?done=...`, translated for the reader."""
    return {
        "draft_saved": _("Draft saved."),
        "submitted": _("Sent for review. Reviewers have been notified."),
        "scheduled": _("Scheduled. It will be published at the chosen time."),
        "unscheduled": _("Taken off the schedule; the post is approved again."),
        "member_added": _("Member added."),
        "roles_changed": _("Roles saved."),
        "member_removed": _("Member removed."),
        "settings_saved": _("Settings saved."),
        "steps_saved": _("Review steps saved."),
        "editorial_saved": _("Editorial line saved."),
        "token_revoked": _("Token revoked. Programs using it can no longer connect."),
        "workspace_created": _("Workspace created. Welcome!"),
        "language_changed": _("Language changed."),
        "comment_added": _("Comment added."),
        "decided": _("Decision recorded."),
        "paused": _("Publishing is paused. Nothing scheduled leaves until someone resumes."),
        "resumed": _("Publishing resumed."),
        "publishing_again": _("It will be sent again now."),
    }


def toasts_for(request: Request) -> list[dict[str, str]]:
    done = request.query_params.get("done")
    message = notices().get(done or "")
    return [{"kind": "success", "message": message}] if message else []


def translated(errors: list[FieldError]) -> list[FieldError]:
    """Field errors with their message in the reader's language when the catalog has it."""
    return [FieldError(e.field, e.rule, _(e.message), e.limit, e.actual) for e in errors]


@contextmanager
def attempt(db: Session) -> Iterator[list[FieldError]]:
    """Run a use case whose Invalid errors go back into the form instead of an error page.

    A savepoint undoes whatever the use case wrote before it refused, so the request's
    transaction commits nothing half-done.
    """
    errors: list[FieldError] = []
    savepoint = db.begin_nested()
    try:
        yield errors
    except (Invalid, Conflict) as exc:
        savepoint.rollback()
        errors.extend(translated(exc.errors) or [FieldError("form", exc.code, _(exc.detail))])
        return
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
