"""Every workspace route, called with another workspace's ids, answers 404 and shows nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import bearer, make_workspace
from tests.routes_walk import PARAM, fill_path, populate, request_kwargs, workspace_operations


def test_foreign_ids_are_404_on_every_route(app: FastAPI, client: TestClient, db: Session) -> None:
    mine = populate(db, make_workspace(db), "alphamarker")
    theirs = populate(db, make_workspace(db), "bravomarker")
    db.commit()
    spec = app.openapi()
    walked = 0
    failures: list[str] = []
    for method, path, operation in workspace_operations(spec):
        # 1. Their workspace altogether: my token does not open it.
        # 2. My workspace, their resource ids: not found either.
        variants = [("their workspace", theirs.ids)]
        if len(PARAM.findall(path)) > 1:
            variants.append(
                (
                    "my workspace, their ids",
                    {**theirs.ids, "workspace_id": mine.ids["workspace_id"]},
                )
            )
        for label, ids in variants:
            kwargs = request_kwargs(operation, spec, ids)
            response = client.request(
                method, fill_path(path, ids), headers=bearer(mine.token), **kwargs
            )
            walked += 1
            if response.status_code != 404 or theirs.marker in response.text:
                failures.append(
                    f"{method} {path} ({label}): {response.status_code} {response.text[:160]}"
                )
    assert walked > 0
    assert failures == [], "\n".join(failures)
