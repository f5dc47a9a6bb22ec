"""Steps 1-3 over the API: presigned URLs, the signed PUT, and the trigger's checks."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from scanlift.runtime import Runtime
from scanlift.uploads.keys import is_valid_key, new_key, safe_file_name
from scanlift.uploads.storage.local import LocalObjectStore
from tests.support.accounts import login, make_user


@pytest.fixture
def ana(api: TestClient, runtime: Runtime) -> dict[str, str]:
    make_user(runtime, "ana@example.com")
    return login(api, "ana@example.com")


def _presign(api: TestClient, headers: dict[str, str], name: str = "scan.nessus") -> dict[str, str]:
    response = api.post("/api/v2/presigned-url", json={"name": name}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_presigned_url_shape(api: TestClient, ana: dict[str, str]) -> None:
    body = _presign(api, ana, "burp_sample_small.xml")
    assert body["status"] == "success"
    token, name = body["key"].split("/")
    assert len(token) == 24
    assert name == "burp_sample_small.xml"
    assert body["url"].startswith(f"http://testserver/cloud/uploads/{body['key']}?")


def test_put_streams_the_file_and_returns_an_etag(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    body = _presign(api, ana)
    payload = b"<NessusClientData_v2/>" * 10_000
    response = api.put(_path_and_query(body["url"]), content=payload)
    assert response.status_code == 200
    assert response.headers["etag"].strip('"')
    store = runtime.storage
    assert isinstance(store, LocalObjectStore)
    assert store.path_for(body["key"]).read_bytes() == payload


def test_chunked_put_without_content_length_is_accepted(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    body = _presign(api, ana)
    chunks = [b"a" * 70_000, b"b" * 70_000, b"c"]
    response = api.put(_path_and_query(body["url"]), content=iter(chunks))
    assert response.status_code == 200
    assert runtime.storage.stat(body["key"]).size == 140_001


def test_size_limit_is_enforced_and_nothing_is_written(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    runtime.settings.max_upload_bytes = 1000
    body = _presign(api, ana)
    assert api.put(_path_and_query(body["url"]), content=b"x" * 1001).status_code == 413
    assert api.put(_path_and_query(body["url"]), content=iter([b"x" * 600, b"x" * 600])).status_code == 413
    with pytest.raises(FileNotFoundError):
        runtime.storage.stat(body["key"])


def test_tampered_expired_and_moved_urls_get_403(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    body = _presign(api, ana)
    other = _presign(api, ana, "other.xml")
    url = _path_and_query(body["url"])
    query = parse_qs(urlsplit(body["url"]).query)
    tampered = url.replace(query["X-Scanlift-Signature"][0], "0" * 64)
    expired = url.replace(query["X-Scanlift-Expires"][0], str(int(time.time()) - 10))
    moved = _path_and_query(body["url"]).replace(body["key"], other["key"])
    unsigned = f"/cloud/uploads/{body['key']}"
    for attempt in (tampered, expired, moved, unsigned):
        response = api.put(attempt, content=b"data")
        assert response.status_code == 403, attempt
    for key in (body["key"], other["key"]):
        with pytest.raises(FileNotFoundError):
            runtime.storage.stat(key)


def test_a_signed_url_for_an_expired_key_is_refused(runtime: Runtime) -> None:
    store = runtime.storage
    assert isinstance(store, LocalObjectStore)
    url = store.presign_put("a" * 24 + "/x.xml", expires_in=-1)
    query = parse_qs(urlsplit(url).query)
    assert store.verify_put("a" * 24 + "/x.xml", query["X-Scanlift-Expires"][0], query["X-Scanlift-Signature"][0])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/etc/passwd", "passwd"),
        ("report\x00.nessus", "report.nessus"),
        ("a\nb\r.xml", "ab.xml"),
        ("..", "upload"),
        ("", "upload"),
        ("scan (1).nessus", "scan (1).nessus"),
        ("ünïcødé.xml", "unic_de.xml"),
        # A key's file name starts with a letter or digit; these once made a key the store refused.
        (",", "upload"),
        ("(1) scan.xml", "1) scan.xml"),
        ("@results.xml", "results.xml"),
    ],
)
def test_file_names_are_sanitised(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


@settings(max_examples=500, derandomize=True, database=None)
@given(st.text())
def test_every_file_name_gives_a_key_the_store_accepts(name: str) -> None:
    assert is_valid_key(new_key(name)), name


def test_traversal_names_stay_inside_the_store(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    body = _presign(api, ana, "../../../../tmp/escape.xml")
    assert body["key"].endswith("/escape.xml")
    assert api.put(_path_and_query(body["url"]), content=b"<x/>").status_code == 200
    store = runtime.storage
    assert isinstance(store, LocalObjectStore)
    assert store.root in store.path_for(body["key"]).parents
    # A hand-made traversal in the URL path never reaches the file system.
    response = api.put(
        f"/cloud/uploads/{quote('../../../etc/passwd')}?X-Scanlift-Expires=1&X-Scanlift-Signature=x",
        content=b"x",
    )
    assert response.status_code in (403, 404)


def _setup_report(api: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    client_id = api.post("/api/v1/client/create", json={"name": "ACME"}, headers=headers).json()["client_id"]
    report_id = api.post(f"/api/v1/client/{client_id}/report/create", json={"name": "R"}, headers=headers).json()[
        "report_id"
    ]
    return client_id, report_id


def test_trigger_returns_the_seed_shape(api: TestClient, ana: dict[str, str]) -> None:
    client_id, report_id = _setup_report(api, ana)
    upload = _presign(api, ana, "burp_sample_small.xml")
    api.put(_path_and_query(upload["url"]), content=b"<issues/>")
    response = api.post(
        f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/burp",
        json={
            "tags": json.dumps({"assets": ["DMZ hosts"], "findings": ["q4-scan"]}),
            "useParserActions": True,
            "key": upload["key"],
            "fileName": "burp_sample_small.xml",
        },
        headers=ana,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    job = body["importJob"]
    assert body["status"] == "success"
    assert body["operationId"] == job["id"]
    seed_fields = {
        "id", "user_id", "user_email", "tenant_id", "client_id", "report_id", "source", "file_location",
        "original_filename", "file_type", "file_size", "parser_actions_enabled", "processed_bytes",
        "processed_findings", "processed_assets", "processed_finding_assets", "processed_evidence", "asset_tags",
        "finding_tags", "created_at", "last_updated_at", "failure_notified_at", "status", "error_status",
    }  # fmt: skip
    assert seed_fields <= set(job)
    assert job["status"] == "IN QUEUE"
    assert job["file_size"] == "9"
    assert job["processed_bytes"] == "0"
    assert job["file_type"] == "text/xml" or job["file_type"] == "application/xml"
    assert job["parser_actions_enabled"] is True
    assert job["asset_tags"] == ["dmz_hosts"]
    assert job["finding_tags"] == ["q4_scan"]
    assert job["created_at"].endswith("Z")
    listed = api.get("/api/v2/my-imports", headers=ana).json()
    assert listed[0]["key"] == job["id"]
    assert listed[0]["reportName"] == "R"
    assert listed[0]["clientName"] == "ACME"
    assert listed[0]["status"] == "IN QUEUE"
    assert api.get(f"/api/v2/my-imports/{job['id']}", headers=ana).json()["id"] == job["id"]


def test_trigger_accepts_tags_as_an_object(api: TestClient, ana: dict[str, str]) -> None:
    client_id, report_id = _setup_report(api, ana)
    upload = _presign(api, ana)
    api.put(_path_and_query(upload["url"]), content=b"<x/>")
    response = api.post(
        f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/nessus",
        json={"tags": {"assets": [], "findings": ["a"]}, "key": upload["key"], "fileName": "scan.nessus"},
        headers=ana,
    )
    assert response.json()["importJob"]["finding_tags"] == ["a"]


def test_trigger_refusals_say_why(api: TestClient, ana: dict[str, str], runtime: Runtime) -> None:
    client_id, report_id = _setup_report(api, ana)
    uploaded = _presign(api, ana)
    api.put(_path_and_query(uploaded["url"]), content=b"<x/>")
    never_uploaded = _presign(api, ana)

    def trigger(source: str, key: str, cid: int = client_id, rid: int = report_id, **extra: object) -> tuple[int, str]:
        response = api.post(
            f"/api/v2/client/{cid}/report/{rid}/preuploaded-import/{source}",
            json={"key": key, "fileName": "scan.nessus", **extra},
            headers=ana,
        )
        return response.status_code, response.json()["message"]

    code, message = trigger("nessuss", uploaded["key"])
    assert code == 400
    assert "unknown source 'nessuss'" in message
    assert "nessus" in message
    assert "qualys" in message
    assert trigger("nessus", "zzzzzzzzzzzzzzzzzzzzzzzz/none.xml")[0] == 404
    code, message = trigger("nessus", never_uploaded["key"])
    assert code == 400
    assert "nothing has been uploaded" in message
    assert trigger("nessus", uploaded["key"], cid=999)[0] == 404
    assert trigger("nessus", uploaded["key"], rid=999)[0] == 404
    code, message = trigger("nessus", uploaded["key"], tags="{not json")
    assert code == 400
    assert "tags" in message


def test_other_tenants_key_client_and_report_are_refused(
    api: TestClient, ana: dict[str, str], runtime: Runtime
) -> None:
    client_id, report_id = _setup_report(api, ana)
    anas_upload = _presign(api, ana)
    api.put(_path_and_query(anas_upload["url"]), content=b"<x/>")
    make_user(runtime, "eve@example.com", tenant_id=7)
    eve = login(api, "eve@example.com")
    eve_client, eve_report = _setup_report(api, eve)
    eves_upload = _presign(api, eve)
    api.put(_path_and_query(eves_upload["url"]), content=b"<x/>")

    # Eve cannot import Ana's upload into her own report, nor her upload into Ana's report.
    stolen_key = api.post(
        f"/api/v2/client/{eve_client}/report/{eve_report}/preuploaded-import/nessus",
        json={"key": anas_upload["key"], "fileName": "x"},
        headers=eve,
    )
    assert stolen_key.status_code == 403
    foreign_report = api.post(
        f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/nessus",
        json={"key": eves_upload["key"], "fileName": "x"},
        headers=eve,
    )
    assert foreign_report.status_code == 404
    # And neither sees the other's jobs.
    job = api.post(
        f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/nessus",
        json={"key": anas_upload["key"], "fileName": "x"},
        headers=ana,
    ).json()["operationId"]
    assert api.get("/api/v2/my-imports", headers=eve).json() == []
    assert api.get(f"/api/v2/my-imports/{job}", headers=eve).status_code == 404
