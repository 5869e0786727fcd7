"""Routes of reports: CRUD under /workspaces/{workspace_id}/analytics/reports, downloads as
PDF, CSV and XLSX, share links; and the public read-only view of a share link (/r/{token}),
which answers 404 alike for an unknown, altered or expired token."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from orchestre.analytics import report_export, report_pdf, report_render, reports
from orchestre.analytics import reports_schemas as s
from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.kit.clock import utcnow
from orchestre.models.analytics import Report

router = APIRouter(tags=["analytics"])
public_router = APIRouter(tags=["analytics"], include_in_schema=False)

REPORTS = "/workspaces/{workspace_id}/analytics/reports"
REPORT = REPORTS + "/{report_id}"
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _out(report: Report) -> s.Report:
    expires = report.share_expires_at
    shared = report.share_token_hash is not None and expires is not None and expires > utcnow()
    data = {name: getattr(report, name) for name in s.Report.model_fields if name != "shared"}
    return s.Report(**data, shared=shared)


def _changes(body: s.ReportUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    given.pop("version", None)
    return given


def _download(content: bytes, media: str, report: Report, extension: str) -> Response:
    disposition = f'attachment; filename="{report_render.file_name(report, extension)}"'
    return Response(
        content, media_type=media, headers={**PRIVATE, "Content-Disposition": disposition}
    )


@router.get(REPORTS, response_model=list[s.Report], responses=problems())
def list_reports(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Report]:
    return [_out(r) for r in reports.list_reports(db, actor)]


@router.post(REPORTS, status_code=201, response_model=s.Report, responses=problems(422))
def create_report(
    workspace_id: uuid.UUID, body: s.ReportCreate, actor: CurrentActor, db: DB
) -> s.Report:
    """A report from blocks, with an optional weekly or monthly schedule (analytics.manage)."""
    return _out(reports.create_report(db, actor, reports.ReportInput(**body.model_dump())))


def _built(db: DB, actor: CurrentActor, report_id: uuid.UUID) -> report_render.Built:
    report = reports.get_report(db, actor, report_id)
    return report_render.build(db, actor, report)


@router.get(REPORT + ".pdf", response_class=Response, responses=problems())
def report_pdf_file(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    built = _built(db, actor, report_id)
    return _download(report_pdf.pdf_of(built), "application/pdf", built.report, "pdf")


@router.get(REPORT + ".csv", response_class=Response, responses=problems())
def report_csv_file(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    built = _built(db, actor, report_id)
    return _download(
        report_export.report_csv(built), "text/csv; charset=utf-8", built.report, "csv"
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(REPORT + ".xlsx", response_class=Response, responses=problems())
def report_xlsx_file(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    built = _built(db, actor, report_id)
    return _download(report_export.report_xlsx(built), XLSX, built.report, "xlsx")


# After the downloads: /reports/{id}.pdf must not match /reports/{report_id}.
@router.get(REPORT, response_model=s.Report, responses=problems())
def get_report(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Report:
    return _out(reports.get_report(db, actor, report_id))


@router.patch(REPORT, response_model=s.Report, responses=problems(422))
def update_report(
    workspace_id: uuid.UUID, report_id: uuid.UUID, body: s.ReportUpdate, actor: CurrentActor, db: DB
) -> s.Report:
    found = reports.update_report(db, actor, report_id, _changes(body), version=body.version)
    return _out(found)


@router.delete(REPORT, status_code=204, responses=problems())
def delete_report(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    reports.delete_report(db, actor, report_id)
    return Response(status_code=204)


@router.post(REPORT + "/share", status_code=201, response_model=s.ShareOut, responses=problems(422))
def share_report(
    workspace_id: uuid.UUID, report_id: uuid.UUID, body: s.ShareCreate, actor: CurrentActor, db: DB
) -> s.ShareOut:
    """A read-only link for people without an account; the token is shown only here."""
    made = reports.share(db, actor, report_id, body.days)
    return s.ShareOut(
        token=made.token,
        url=f"/r/{made.token}",
        pdf_url=f"/r/{made.token}.pdf",
        expires_at=made.expires_at,
    )


@router.delete(REPORT + "/share", status_code=204, responses=problems())
def unshare_report(
    workspace_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    reports.unshare(db, actor, report_id)
    return Response(status_code=204)


# --- public: the share link ------------------------------------------------------------------


def _shared(db: DB, token: str) -> report_render.Built:
    report = reports.shared_report(db, token)
    return report_render.build(db, report_render.reader(report), report)


@public_router.get("/r/{token}.pdf", response_class=Response)
def shared_pdf(token: str, db: DB) -> Response:
    built = _shared(db, token)
    return _download(report_pdf.pdf_of(built), "application/pdf", built.report, "pdf")


@public_router.get("/r/{token}", response_class=HTMLResponse)
def shared_page(token: str, db: DB) -> HTMLResponse:
    built = _shared(db, token)
    return HTMLResponse(
        report_render.html(built), headers={**PRIVATE, "Referrer-Policy": "no-referrer"}
    )
