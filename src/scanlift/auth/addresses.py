"""The client's address, for throttling: the connecting peer, or what a trusted proxy forwarded."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: Request, trusted_proxies: Sequence[str]) -> str | None:
    """The connecting address; when that is a trusted proxy, the right-most address of
    ``X-Forwarded-For`` that is not one (each proxy appends the address it saw, so anything to its
    left may be made up by the client)."""
    peer = request.client.host if request.client is not None else None
    trusted = _networks(trusted_proxies)
    if peer is None or not _within(peer, trusted):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _within(address, trusted):
            return address[:64]
    return peer


def _networks(entries: Sequence[str]) -> list[Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _within(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
