"""A report as a PDF: its HTML (SVG charts inline) laid out by WeasyPrint.

WeasyPrint needs pango and harfbuzz from the system (scripts/setup installs them). The HTML
references nothing outside itself, so rendering never reaches the network: the URL fetcher
refuses every address.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from orchestre.analytics.report_render import Built, build, html
from orchestre.models.analytics import Report
from orchestre.workspaces.permissions import Actor


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"A report fetches nothing ({url}).")


def pdf_of(built: Built) -> bytes:
    # Imported where a PDF is made: it is heavy, and it ships no type information.
    weasyprint = importlib.import_module("weasyprint")
    document = weasyprint.HTML(string=html(built, pdf=True), url_fetcher=_no_fetch)
    result = document.write_pdf()
    assert result is not None
    return bytes(result)


def report_pdf(
    session: Session, actor: Actor, report: Report, now: datetime | None = None
) -> bytes:
    return pdf_of(build(session, actor, report, now=now))
