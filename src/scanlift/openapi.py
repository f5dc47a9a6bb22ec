"""The OpenAPI document, with validation errors documented as the app answers them: 400 and ErrorBody.

FastAPI documents a 422 with its own error shape for every route that takes parameters; this app's
handler answers request validation errors with 400 and the one error body (``app._validation_error``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from scanlift.schemas import ErrorBody

_ERROR_REF = "#/components/schemas/ErrorBody"
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")


class ScanliftAPI(FastAPI):
    def openapi(self) -> dict[str, Any]:
        built = self.openapi_schema is not None
        document = super().openapi()
        if not built:
            _document_validation_errors_as_400(document)
        return document


def _document_validation_errors_as_400(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses: dict[str, Any] = operation.get("responses", {})
            if responses.pop("422", None) is None:
                continue
            responses.setdefault(
                "400",
                {
                    "description": "Invalid request: a parameter or the body is malformed.",
                    "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}},
                },
            )
            operation["responses"] = dict(sorted(responses.items()))
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema(mode="serialization"))
    for name in _FASTAPI_ERROR_SCHEMAS:
        if name in schemas and f'"#/components/schemas/{name}"' not in json.dumps(document["paths"]):
            del schemas[name]
