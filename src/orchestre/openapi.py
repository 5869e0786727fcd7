"""The OpenAPI document's finishing touches: one Problem schema for every error answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_MEDIA = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "/api/problems/<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What happened and what to do."},
        "instance": {"type": "string", "description": "The path that answered."},
        "code": {"type": "string", "description": "Stable machine-readable reason."},
        "errors": {
            "type": "array",
            "description": "Each broken rule, for invalid input.",
            "items": {
                "type": "object",
                "required": ["field", "rule", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "rule": {"type": "string"},
                    "message": {"type": "string"},
                    "limit": {},
                    "actual": {},
                },
            },
        },
    },
    "additionalProperties": True,
}


def install(app: FastAPI) -> None:
    """Generate the document once, then point every 4xx/5xx answer at the Problem schema.

    FastAPI documents request validation failures with its own HTTPValidationError shape,
    but app.py answers them as problem details: the document must say what is sent.
    """

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        for item in document.get("paths", {}).values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    if str(status)[0] in "45":
                        response["content"] = {PROBLEM_MEDIA: {"schema": PROBLEM_REF}}
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]
