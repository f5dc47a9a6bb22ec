"""A client for PlexTrac's four-step import flow; works against scanlift or PlexTrac itself."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

FINAL_STATUSES = ("IMPORT COMPLETE", "ERROR")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    operation_id: str
    status: str
    error_status: str | None
    job: dict[str, Any]


class ImportClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 60.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._username = username
        self._password = password
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def authenticate(self) -> None:
        response = self._http.post(
            "/api/v1/authenticate", json={"username": self._username, "password": self._password}
        )
        _raise_for(response, "authenticate")
        self._token = response.json()["token"]

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._token is None:
            self.authenticate()
        response = self._http.request(method, path, headers={"Authorization": self._token or ""}, **kwargs)
        if response.status_code == 401:  # tokens live 15 minutes; long imports outlive them
            self.authenticate()
            response = self._http.request(method, path, headers={"Authorization": self._token or ""}, **kwargs)
        return response

    def upload(self, path: Path, on_progress: Callable[[int, int], None] | None = None) -> str:
        """Steps 1 and 2: get a presigned URL, then PUT the file with a Content-Length."""
        response = self.request("POST", "/api/v2/presigned-url", json={"name": path.name})
        _raise_for(response, "presigned-url")
        body = response.json()
        size = path.stat().st_size

        def chunks() -> Iterator[bytes]:
            sent = 0
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    sent += len(chunk)
                    if on_progress:
                        on_progress(sent, size)
                    yield chunk

        # AWS S3 refuses chunked uploads, so the length is always sent.
        put = self._http.put(
            body["url"],
            content=chunks(),
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
            timeout=None,
        )
        _raise_for(put, "upload")
        return str(body["key"])

    def trigger(
        self,
        client_id: int,
        report_id: int,
        source: str,
        key: str,
        file_name: str,
        *,
        tags: dict[str, list[str]] | None = None,
        use_parser_actions: bool = False,
    ) -> str:
        """Step 3: queue the import; returns the operationId."""
        response = self.request(
            "POST",
            f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/{source}",
            json={
                "tags": json.dumps(tags or {"assets": [], "findings": []}),
                "useParserActions": use_parser_actions,
                "key": key,
                "fileName": file_name,
            },
        )
        _raise_for(response, "preuploaded-import")
        return str(response.json()["operationId"])

    def status(self, operation_id: str) -> dict[str, Any] | None:
        """Step 4: the operation's row in /api/v2/my-imports."""
        response = self.request("GET", "/api/v2/my-imports")
        _raise_for(response, "my-imports")
        return next((row for row in response.json() if row.get("key") == operation_id), None)

    def wait(
        self,
        operation_id: str,
        *,
        poll_seconds: float = 1.0,
        timeout: float | None = None,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> ImportOutcome:
        """Poll /api/v2/my-imports until the import ends; TimeoutError after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            row = self.status(operation_id)
            if row is None:
                raise RuntimeError(f"import {operation_id} is not listed by /api/v2/my-imports")
            if on_status:
                on_status(row)
            if row["status"] in FINAL_STATUSES:
                return ImportOutcome(operation_id, row["status"], row.get("errorStatus"), row)
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"import {operation_id} still {row['status']} after {timeout} s")
            time.sleep(poll_seconds)


class ApiError(RuntimeError):
    pass


def _raise_for(response: httpx.Response, step: str) -> None:
    if response.is_success:
        return
    try:
        detail = response.json().get("message", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    raise ApiError(f"{step} failed with HTTP {response.status_code}: {detail}")


def progress_bar(label: str, done: int, total: int, *, width: int = 30) -> None:
    fraction = done / total if total else 1.0
    filled = int(width * fraction)
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%")
    sys.stderr.flush()
