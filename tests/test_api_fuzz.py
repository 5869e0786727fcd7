"""Property-based API test: schemathesis sends generated requests to every JSON route.

Whatever the input, the API must answer without a server error, with the status codes,
content type and body its OpenAPI document promises. Requests act as a workspace owner
(every permission) inside that owner's real workspace, so handlers are reached.
"""

from __future__ import annotations

from typing import Any

import pytest
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


# The operations are dealt into shards, so that the suite's workers share them out.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_never_fails_on_generated_input(app: FastAPI, db: Session, shard: int) -> None:
    tenant = populate(db, make_workspace(db), "fuzz")
    db.commit()
    headers = bearer(tenant.token)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()
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
    assert operations > 40 // SHARDS
    assert failures == [], "\n\n".join(failures)
