"""Property-based test of the inbox team routes alone (the shared tests/test_api_fuzz.py walks
every route; this one runs in seconds while the inbox changes).

Whatever the input, the API must answer without a server error, with the status codes,
content type and body its OpenAPI document promises. Requests act as a workspace owner
(every permission) inside that owner's real workspace, so handlers are reached.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from tests.factories import bearer, make_workspace
from tests.routes_walk import populate

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def test_inbox_routes_never_fail_on_generated_input(app: FastAPI, db: Session) -> None:
    tenant = populate(db, make_workspace(db), "fuzz")
    db.commit()
    headers = bearer(tenant.token)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/workspaces/{workspace_id}/inbox/" not in operation.path:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            if "workspace_id" in (case.path_parameters or {}):
                case.path_parameters["workspace_id"] = str(tenant.ids["workspace_id"])
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    assert operations >= 20
    assert failures == [], "\n\n".join(failures)
