"""Which failures are outages of a service (retry later) rather than faults of a file or of us."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


def is_transient(exc: BaseException) -> bool:
    """True for a database, object store or network that is unreachable or overloaded right now."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    # COPY runs on psycopg's own connection (``db.upsert``): its errors are not wrapped.
    if isinstance(exc, psycopg.OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    return _is_transient_storage_error(exc)


def _is_transient_storage_error(exc: BaseException) -> bool:
    try:
        from botocore import exceptions as boto
        from urllib3 import exceptions as http
    except ImportError:  # pragma: no cover - both come with boto3, a dependency
        return False
    network = (
        boto.ConnectionError,  # endpoint unreachable, connect timeouts
        boto.HTTPClientError,  # connection closed, read timeouts, broken response streams
        boto.IncompleteReadError,  # the store went away in the middle of an object
        http.ProtocolError,
        http.ReadTimeoutError,
        http.NewConnectionError,
    )
    if isinstance(exc, network):
        return True
    if isinstance(exc, boto.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return bool(status >= 500 or exc.response.get("Error", {}).get("Code") in ("SlowDown", "RequestTimeout"))
    return False


def describe(exc: BaseException) -> str:
    """A short, readable cause for an error status."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__
