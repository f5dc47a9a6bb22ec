"""Failed logins are throttled per user name and per client address, behind trusted proxies too."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.requests import Request

from scanlift.auth.addresses import client_address
from scanlift.runtime import Runtime
from tests.support.accounts import make_user


def test_spraying_many_user_names_from_one_address_is_throttled(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    limit = runtime.settings.login_failures_per_address_per_minute
    for number in range(limit):
        response = api.post("/api/v1/authenticate", json={"username": f"u{number}@example.com", "password": "x"})
        assert response.status_code == 401
    response = api.post(
        "/api/v1/authenticate", json={"username": "ana@example.com", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert response.json()["message"] == "too many failed logins from this address; try again in a minute"
    assert response.headers["retry-after"] == "60"


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 50000), "headers": headers})


def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy() -> None:
    trusted = ["10.0.0.0/8"]
    assert client_address(_request("203.0.113.9", "198.51.100.7"), trusted) == "203.0.113.9"
    assert client_address(_request("10.1.2.3", "198.51.100.7"), trusted) == "198.51.100.7"
    # A client-supplied address to the left of what the proxy saw is not believed.
    assert client_address(_request("10.1.2.3", "1.1.1.1, 198.51.100.7, 10.9.9.9"), trusted) == "198.51.100.7"
    assert client_address(_request("10.1.2.3"), trusted) == "10.1.2.3"
    assert client_address(_request("10.1.2.3", "198.51.100.7"), []) == "10.1.2.3"
