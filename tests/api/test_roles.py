"""Roles: every route declares its permission; viewers write nothing; analysts administer
nothing; a client not granted to a non-admin is a 404 exactly like a missing one."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from scanlift.app import create_app
from scanlift.auth.roles import Role
from scanlift.auth.service import create_user
from scanlift.runtime import Runtime
from tests.support.accounts import login, user_headers
from tests.support.harness import Harness

#: Routes anyone may call: login, its MFA step, health and the API root, and the presigned PUT
#: (its signature is its credential).
PUBLIC = {
    "/api/v1/authenticate",
    "/api/v1/authenticate/mfa",
    "/api/v1/",
    "/api/v2/health/live",
    "/api/v2/health/ready",
    "/cloud/uploads/{key:path}",
}


def _permissions(dependant: object) -> set[str]:
    found: set[str] = set()
    for dep in getattr(dependant, "dependencies", []):
        permission = getattr(dep.call, "permission", None)
        if permission is not None:
            found.add(str(permission))
        found |= _permissions(dep)
    return found


def test_every_authenticated_route_declares_a_permission(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    undeclared = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute) and route.path not in PUBLIC and not _permissions(route.dependant)
    ]
    assert undeclared == []


def _writes(client_id: int, report_id: int, key: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        ("POST", "/api/v1/client/create", {"name": "New"}),
        ("POST", f"/api/v1/client/{client_id}/report/create", {"name": "R2"}),
        ("POST", "/api/v2/presigned-url", {"name": "scan.nessus"}),
        (
            "POST",
            f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/nessus",
            {"key": key, "fileName": "scan.nessus", "useParserActions": False, "tags": '{"assets":[],"findings":[]}'},
        ),
        ("POST", f"/api/v2/client/{client_id}/assets/import/nmap-xml", {"key": key, "fileName": "n.xml"}),
    ]


def test_a_viewer_is_refused_every_write_but_reads_granted_clients(
    api: TestClient, runtime: Runtime, harness: Harness
) -> None:
    admin = login(api, harness.user.email)
    viewer = user_headers(api, runtime, "vic@example.com", Role.VIEWER)
    viewer_id = api.get("/api/v1/user/whoami", headers=viewer).json()["id"]
    grant = f"/api/v1/tenant/0/user/{viewer_id}/client/{harness.client_id}"
    assert api.put(grant, headers=admin).status_code == 200
    key = harness.upload(b"<NessusClientData_v2/>")
    for method, path, body in _writes(harness.client_id, harness.report_id, key):
        response = api.request(method, path, json=body, headers=viewer)
        assert response.status_code == 403, (path, response.text)
        assert response.json() == {"status": "error", "message": "your role (viewer) does not allow this"}
    assert api.get(f"/api/v1/client/{harness.client_id}", headers=viewer).status_code == 200
    assert api.get(f"/api/v1/client/{harness.client_id}/reports", headers=viewer).status_code == 200
    assert [row["doc_id"] for row in api.get("/api/v1/client/list", headers=viewer).json()] == [[harness.client_id]]


def test_an_analyst_writes_into_granted_clients_only(api: TestClient, runtime: Runtime, harness: Harness) -> None:
    analyst = user_headers(api, runtime, "ann@example.com", Role.ANALYST)
    created = api.post("/api/v1/client/create", json={"name": "Mine"}, headers=analyst).json()["client_id"]
    assert api.post(f"/api/v1/client/{created}/report/create", json={"name": "R"}, headers=analyst).status_code == 200
    assert api.post("/api/v2/presigned-url", json={"name": "x.nessus"}, headers=analyst).status_code == 200
    assert [row["doc_id"] for row in api.get("/api/v1/client/list", headers=analyst).json()] == [[created]]
    other = user_headers(api, runtime, "otto@example.com", Role.ANALYST)
    assert api.get("/api/v1/client/list", headers=other).json() == []
    assert api.get(f"/api/v1/client/{created}", headers=other).status_code == 404
    # An administrator sees every client of the tenant.
    admin_view = api.get("/api/v1/client/list", headers=login(api, harness.user.email)).json()
    assert {row["doc_id"][0] for row in admin_view} == {harness.client_id, created}


def test_an_analyst_is_refused_every_admin_route(api: TestClient, runtime: Runtime, harness: Harness) -> None:
    analyst = user_headers(api, runtime, "ann@example.com", Role.ANALYST)
    user = f"/api/v1/tenant/0/user/{harness.user.id}"
    calls = [
        ("GET", "/api/v1/tenant/0/user/list", None),
        ("POST", "/api/v1/tenant/0/user/create", {"email": "x@example.com", "password": "long-enough-pw"}),
        ("GET", user, None),
        ("PUT", user, {"role": "viewer"}),
        ("PUT", f"{user}/disable", None),
        ("PUT", f"{user}/enable", None),
        ("PUT", f"{user}/password", {"password": "long-enough-pw"}),
        ("PUT", f"{user}/mfa/disable", None),
        ("PUT", f"{user}/client/{harness.client_id}", None),
        ("DELETE", f"{user}/client/{harness.client_id}", None),
    ]
    for method, path, body in calls:
        response = api.request(method, path, json=body, headers=analyst)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["status"] == "error"


def test_a_client_not_granted_is_a_404_like_a_missing_one_on_every_client_route(
    api: TestClient, runtime: Runtime, harness: Harness
) -> None:
    job = harness.run(b"<NessusClientData_v2><Report name='r'/></NessusClientData_v2>")
    admin = login(api, harness.user.email)
    analyst = user_headers(api, runtime, "ann@example.com", Role.ANALYST)
    key = harness.upload(b"<NessusClientData_v2/>")
    missing = 2**31 - 1

    def routes(client_id: int) -> list[tuple[str, str, dict[str, object] | None]]:
        report = f"/api/v1/client/{client_id}/report/{harness.report_id}"
        return [
            ("GET", f"/api/v1/client/{client_id}", None),
            ("GET", f"/api/v1/client/{client_id}/reports", None),
            ("GET", report, None),
            ("GET", f"{report}/flaws", None),
            ("GET", f"{report}/flaw/1", None),
            ("GET", f"/api/v1/client/{client_id}/assets", None),
            ("GET", f"/api/v1/client/{client_id}/asset/a", None),
            *((m, p, b) for m, p, b in _writes(client_id, harness.report_id, key) if "client/create" not in p),
        ]

    for (method, path, body), (_, missing_path, _) in zip(routes(harness.client_id), routes(missing), strict=True):
        hidden = api.request(method, path, json=body, headers=analyst)
        absent = api.request(method, missing_path, json=body, headers=analyst)
        if "presigned-url" in path:
            continue  # not client-scoped
        assert hidden.status_code == absent.status_code == 404, (path, hidden.text)
        assert hidden.json()["message"] == absent.json()["message"].replace(str(missing), str(harness.client_id))
    assert api.get("/api/v1/client/list", headers=analyst).json() == []
    # An import is visible to its owner only while they may see its client.
    with runtime.db.session() as session:
        from scanlift.jobs.models import ImportJob

        session.get(ImportJob, job.id).user_id = api.get("/api/v1/user/whoami", headers=analyst).json()["id"]  # type: ignore[union-attr]
    assert api.get("/api/v2/my-imports", headers=analyst).json() == []
    assert api.get(f"/api/v2/my-imports/{job.id}", headers=analyst).status_code == 404
    analyst_id = api.get("/api/v1/user/whoami", headers=analyst).json()["id"]
    api.put(f"/api/v1/tenant/0/user/{analyst_id}/client/{harness.client_id}", headers=admin)
    assert len(api.get("/api/v2/my-imports", headers=analyst).json()) == 1
    assert api.get(f"/api/v2/my-imports/{job.id}", headers=analyst).status_code == 200


def test_a_new_user_is_an_analyst_unless_told(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        assert create_user(session, email="plain@example.com", password="long-enough-pw").role == "analyst"
