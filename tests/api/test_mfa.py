"""TOTP two-factor in PlexTrac's flow: login answers a ``code``; /api/v1/authenticate/mfa takes
it with a 6-digit TOTP. Codes are single-use, expire, and wrong TOTPs are throttled."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from scanlift.auth import totp
from scanlift.auth.models import MfaChallenge
from scanlift.db.base import utcnow
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user

CREDENTIALS = {"username": "ana@example.com", "password": "correct-horse-battery"}


def _enable_mfa(api: TestClient, runtime: Runtime) -> str:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    setup = api.get("/api/v2/user/mfa/qr", headers=headers).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/scanlift:ana%40example.com?secret=")
    secret = str(setup["secret"])
    wrong = f"{(int(totp.totp(secret)) + 1) % 10**6:06d}"
    assert api.post("/api/v2/user/mfa/qr/activate", json={"code": wrong}, headers=headers).status_code == 400
    # The previous step's code (within the drift allowed), so that the current one is still unused.
    previous = totp.totp(secret, time.time() - totp.STEP_SECONDS)
    assert api.post("/api/v2/user/mfa/qr/activate", json={"code": previous}, headers=headers).status_code == 200
    assert api.get("/api/v2/user/mfa/qr", headers=headers).status_code == 409
    return secret


def _challenge(api: TestClient) -> str:
    body = api.post("/api/v1/authenticate", json=CREDENTIALS).json()
    assert (body["status"], body["mfa_enabled"]) == ("success", True)
    assert "token" not in body
    return str(body["code"])


def test_totp_matches_rfc_6238_vectors() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    for at, expected in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")):
        assert totp.totp(secret, at) == expected[-6:]
    step = 1000 // totp.STEP_SECONDS
    assert totp.matching_step(secret, totp.totp(secret, 1000 - 30), at=1000) == step - 1
    assert totp.matching_step(secret, totp.totp(secret, 1000 - 90), at=1000) is None
    assert totp.matching_step(secret, totp.totp(secret, 1000), at=1000, after=step) is None


def test_a_totp_code_is_accepted_once(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    now = totp.totp(secret)
    assert api.post("/api/v1/authenticate/mfa", json={"code": _challenge(api), "token": now}).status_code == 200
    # The same code, seen by someone looking over a shoulder, in a fresh login within its window.
    replayed = api.post("/api/v1/authenticate/mfa", json={"code": _challenge(api), "token": now})
    assert replayed.status_code == 401
    following = totp.totp(secret, time.time() + totp.STEP_SECONDS)
    assert api.post("/api/v1/authenticate/mfa", json={"code": _challenge(api), "token": following}).status_code == 200


def test_login_with_a_second_factor(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    code = _challenge(api)
    response = api.post("/api/v1/authenticate/mfa", json={"code": code, "token": totp.totp(secret)})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert api.get("/api/v1/client/list", headers={"Authorization": token}).status_code == 200
    assert api.get("/api/v1/user/whoami", headers={"Authorization": token}).json()["mfa_enabled"] is True


def test_a_wrong_code_is_refused_and_repeated_failures_are_throttled(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    wrong = f"{(int(totp.totp(secret)) + 500_000) % 10**6:06d}"
    kept = _challenge(api)
    codes = []
    for _ in range(runtime.settings.login_failures_per_minute):
        response = api.post("/api/v1/authenticate/mfa", json={"code": _challenge(api), "token": wrong})
        codes.append(response.status_code)
    assert set(codes) == {401}
    throttled = api.post("/api/v1/authenticate/mfa", json={"code": kept, "token": totp.totp(secret)})
    assert throttled.status_code == 429
    # The failures count as failed logins of the user: the password step is throttled too.
    assert api.post("/api/v1/authenticate", json=CREDENTIALS).status_code == 429


def test_a_challenge_is_single_use(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    code = _challenge(api)
    assert api.post("/api/v1/authenticate/mfa", json={"code": code, "token": totp.totp(secret)}).status_code == 200
    reused = api.post("/api/v1/authenticate/mfa", json={"code": code, "token": totp.totp(secret)})
    assert reused.status_code == 401
    assert "unknown, used or expired" in reused.json()["message"]


def test_a_challenge_is_dropped_after_five_wrong_codes(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    code = _challenge(api)
    wrong = f"{(int(totp.totp(secret)) + 500_000) % 10**6:06d}"
    for _ in range(5):
        assert api.post("/api/v1/authenticate/mfa", json={"code": code, "token": wrong}).status_code == 401
    assert api.post("/api/v1/authenticate/mfa", json={"code": code, "token": totp.totp(secret)}).status_code == 401


def test_an_expired_challenge_is_refused(api: TestClient, runtime: Runtime) -> None:
    secret = _enable_mfa(api, runtime)
    code = _challenge(api)
    with runtime.db.session() as session:
        session.execute(update(MfaChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = api.post("/api/v1/authenticate/mfa", json={"code": code, "token": totp.totp(secret)})
    assert expired.status_code == 401


def test_an_admin_can_turn_a_users_second_factor_off(api: TestClient, runtime: Runtime) -> None:
    _enable_mfa(api, runtime)
    admin = make_user(runtime, "root@example.com")
    ana = next(
        u
        for u in api.get("/api/v1/tenant/0/user/list", headers=login(api, admin.email)).json()
        if u["email"] == "ana@example.com"
    )
    api.put(f"/api/v1/tenant/0/user/{ana['id']}/mfa/disable", headers=login(api, admin.email))
    assert "token" in api.post("/api/v1/authenticate", json=CREDENTIALS).json()
