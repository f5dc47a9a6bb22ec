"""Schemathesis over the whole OpenAPI document: every operation, generated requests, checked answers.

Each generated request is sent twice: as generated (ids that mostly do not exist, and in the
negative phase, malformed values), then with the ids of a real client, report, finding, asset,
upload and import put in, so that each operation's success answer is exercised as well. Every
answer must be a non-5xx with a documented status code, content type, headers and body schema.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis import Case, checks

from scanlift.app import create_app
from scanlift.auth import totp
from scanlift.auth.models import User
from scanlift.auth.roles import Role
from scanlift.auth.sessions import start_challenge
from scanlift.config import Settings
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user
from tests.support.harness import Harness
from tests.support.profiles import BOTH_DATABASES

pytestmark = pytest.mark.parametrize("database", BOTH_DATABASES, indirect=True)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]

#: Imported before the run, for findings with CVEs, CWEs, scores, custom fields, ports and evidence;
#: the Burp one has a numeric flaw id, the OpenVAS one a dotted OID.
IMPORTS = (("burp", "burp/one_finding_with_cwe.xml"), ("openvas", "openvas/one_vuln.xml"))

#: The password tests.support.accounts gives every user.
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    """What exists before the run, and the values that make a generated request reach it."""

    username: str
    token: str
    client_id: int
    report_id: int
    flaw_ids: Iterator[str]
    asset_id: str
    operation_id: str
    upload_key: str
    presigned_urls: Iterator[str]
    #: Another user of the tenant, for the user-admin routes (so the caller stays an administrator).
    target_user_id: int
    #: The caller's pending TOTP secret, for /api/v2/user/mfa/qr/activate.
    mfa_secret: str
    #: A fresh challenge and TOTP of a user with two-factor on, for /api/v1/authenticate/mfa.
    mfa_login: Callable[[], dict[str, str]]
    emails: Iterator[str]
    #: A new token of the caller (logout revokes the one it is sent with).
    fresh_token: Callable[[], str]
    #: Whether a request reached the operation's success answer.
    succeeded: bool = False


@pytest.fixture
def world(api: TestClient, harness: Harness, corpus_dir: Path) -> Iterator[World]:
    jobs = [harness.run((corpus_dir / path).read_bytes(), source=source).id for source, path in IMPORTS]
    token = login(api, harness.user.email)["Authorization"]
    headers = {"Authorization": token}
    base = f"/api/v1/client/{harness.client_id}/report/{harness.report_id}"
    flaw_ids = [str(row["id"]) for row in api.get(f"{base}/flaws", headers=headers).json()]
    assets = api.get(f"/api/v1/client/{harness.client_id}/assets", headers=headers).json()
    assert len(flaw_ids) == len(IMPORTS)
    assert assets
    # A presigned URL takes any number of PUTs until it expires; a few are enough to rotate through.
    urls = [api.post("/api/v2/presigned-url", json={"name": "x.xml"}, headers=headers).json()["url"] for _ in range(3)]
    runtime = harness.runtime
    target = make_user(runtime, "target@example.com", role=Role.ANALYST)
    mfa_user = make_user(runtime, "mfa@example.com", role=Role.VIEWER)
    pending, enabled = totp.new_secret(), totp.new_secret()
    with runtime.db.session() as session:
        session.get(User, harness.user.id).mfa_secret = pending  # type: ignore[union-attr]
        mfa = session.get(User, mfa_user.id)
        assert mfa is not None
        mfa.mfa_secret, mfa.mfa_enabled = enabled, True
    world = World(
        username=harness.user.email,
        token=token,
        client_id=harness.client_id,
        report_id=harness.report_id,
        flaw_ids=itertools.cycle(flaw_ids),
        asset_id=assets[0]["id"],
        operation_id=jobs[0],
        upload_key=harness.upload(b"<NessusClientData_v2/>", "contract.nessus"),
        presigned_urls=itertools.cycle(urls),
        target_user_id=target.id,
        mfa_secret=pending,
        mfa_login=lambda: {"code": start_challenge(runtime.db, mfa), "token": totp.totp(enabled)},
        emails=(f"new{n}@example.com" for n in itertools.count()),
        fresh_token=lambda: login(api, harness.user.email)["Authorization"],
    )
    yield world
    # Else the run only ever saw refusals, and the success answer's schema went unchecked.
    assert world.succeeded, "no generated request reached the operation's success answer"


@pytest.fixture
def app(runtime: Runtime, world: World) -> FastAPI:
    """The app under test, over the world's database."""
    return create_app(runtime.settings, runtime)


# The document is read at collection, from an app that serves nothing else (its runtime is lazy, so
# it never opens a database or a data dir); each request then goes to the test's own app. (Loading
# it from a fixture, schemathesis.pytest.from_fixture, needs Node._nodeid, which pytest 9.2 dropped.)
_DOCUMENT_ONLY = Settings(
    _env_file=None,  # type: ignore[call-arg]
    data_dir=Path("never-used"),
    secret_key=SecretStr("only-the-openapi-document-is-read-from-this-app"),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_DOCUMENT_ONLY))


def _reaching_real_data(case: Case, world: World) -> Case:
    """The same request, aimed at the data that exists."""
    real = case.derive()
    params = dict(real.path_parameters)
    known = {
        "client_id": world.client_id,
        "report_id": world.report_id,
        "asset_id": world.asset_id,
        "operation_id": world.operation_id,
        "tenant_id": 0,
        "user_id": world.target_user_id,
    }
    params.update({name: value for name, value in known.items() if name in params})
    if "flaw_id" in params:
        params["flaw_id"] = next(world.flaw_ids)
    if "source" in params:
        params["source"] = "nmap-xml" if "/assets/import/" in case.path else "nessus"
    if case.path == "/cloud/uploads/{key}":
        url = urlsplit(next(world.presigned_urls))
        params["key"] = url.path.removeprefix("/cloud/uploads/")
        real.query = {name: values[0] for name, values in parse_qs(url.query).items()}
    real.path_parameters = params
    if isinstance(real.body, dict) and "key" in real.body:
        real.body = {**real.body, "key": world.upload_key}
    if isinstance(real.body, dict) and "password" in real.body:
        real.body = {**real.body, "username": world.username, "password": PASSWORD}
    if isinstance(real.body, dict) and "email" in real.body:
        real.body = {**real.body, "email": next(world.emails)}
    if isinstance(real.body, dict) and "new_password" in real.body:
        real.body = {"current_password": PASSWORD, "new_password": PASSWORD}
    if case.path == "/api/v1/authenticate/mfa":
        real.body = world.mfa_login()
    if case.path == "/api/v2/user/mfa/qr/activate":
        real.body = {"code": totp.totp(world.mfa_secret)}
    return real


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_keeps_its_contract(case: Case, world: World, app: FastAPI) -> None:
    headers = {"Authorization": world.token}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    if case.path == "/api/v1/logout":
        headers = {"Authorization": world.fresh_token()}
    response = _reaching_real_data(case, world).call_and_validate(app=app, headers=headers, checks=CHECKS)
    world.succeeded |= response.status_code < 300
