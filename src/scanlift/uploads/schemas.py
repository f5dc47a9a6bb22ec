"""Request and response bodies of step 1 (presigned URL) and the OpenAPI description of step 2."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from scanlift.schemas import DbText, ResponseModel


class PresignRequest(BaseModel):
    name: DbText = Field(min_length=1, max_length=1000, description="The file's name; it ends the key.")


class PresignResponse(ResponseModel):
    status: Literal["success"] = "success"
    key: str = Field(description="Pass it to preuploaded-import once the file is uploaded.")
    url: str = Field(description="Accepts one PUT of the file's bytes until it expires.")


#: Step 2's body is the file's raw bytes, streamed; FastAPI cannot infer it from the handler.
RAW_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, as they are.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}

STORED_RESPONSE: dict[str, Any] = {
    "description": "The file is stored; the body is empty.",
    "headers": {"ETag": {"description": "The stored bytes' MD5, quoted.", "schema": {"type": "string"}}},
}
