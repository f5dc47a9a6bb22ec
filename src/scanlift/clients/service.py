"""Access to clients, reports and client assets: administrators see every client of their
tenant, other users only the clients they were granted (``client_users``). Everything
client-scoped goes through ``get_client`` or ``visible_clients``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from scanlift.auth.models import User
from scanlift.auth.roles import sees_every_client
from scanlift.clients.models import Client, ClientAsset, ClientAssetPort, ClientUser, Report
from scanlift.errors import NotFound
from scanlift.findings.models import Finding


def visible_clients(user: User) -> ColumnElement[bool]:
    """A condition on ``Client`` that holds for the clients the user may see."""
    in_tenant = Client.tenant_id == user.tenant_id
    if sees_every_client(user.role):
        return in_tenant
    granted = select(ClientUser.client_id).where(ClientUser.user_id == user.id)
    return and_(in_tenant, Client.id.in_(granted))


def get_client(session: Session, user: User, client_id: int) -> Client:
    """The client if the user may see it; a 404 otherwise, exactly as for a missing one, so
    neither ids nor grants leak."""
    client = session.scalar(select(Client).where(Client.id == client_id, visible_clients(user)))
    if client is None:
        raise NotFound(f"client {client_id} not found")
    return client


def grant(session: Session, client: Client, user: User) -> None:
    """Let ``user`` see ``client`` (idempotent)."""
    if session.get(ClientUser, (client.id, user.id)) is None:
        session.add(ClientUser(client_id=client.id, user_id=user.id))
        session.flush()


def revoke(session: Session, client: Client, user: User) -> None:
    session.execute(delete(ClientUser).where(ClientUser.client_id == client.id, ClientUser.user_id == user.id))


def granted_client_ids(session: Session, user: User) -> list[int]:
    return list(
        session.scalars(
            select(ClientUser.client_id).where(ClientUser.user_id == user.id).order_by(ClientUser.client_id)
        )
    )


def get_report(session: Session, user: User, client_id: int, report_id: int) -> Report:
    client = get_client(session, user, client_id)
    report = session.get(Report, report_id)
    if report is None or report.client_id != client.id:
        raise NotFound(f"report {report_id} not found in client {client_id}")
    return report


def list_clients(session: Session, user: User) -> Sequence[Client]:
    return session.scalars(select(Client).where(visible_clients(user)).order_by(Client.id)).all()


def create_client(session: Session, user: User, **fields: object) -> Client:
    """A new client in the user's tenant, granted to its creator."""
    client = Client(tenant_id=user.tenant_id, **fields)
    session.add(client)
    session.flush()
    grant(session, client, user)
    return client


def list_reports(session: Session, client: Client) -> list[tuple[Report, int]]:
    """Each report of the client with its number of findings."""
    counts = select(Finding.report_id, func.count().label("n")).group_by(Finding.report_id).subquery()
    rows = session.execute(
        select(Report, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.report_id == Report.id)
        .where(Report.client_id == client.id)
        .order_by(Report.id)
    ).all()
    return [(report, int(count)) for report, count in rows]


def create_report(session: Session, client: Client, **fields: object) -> Report:
    report = Report(tenant_id=client.tenant_id, client_id=client.id, **fields)
    session.add(report)
    session.flush()
    return report


def list_assets(session: Session, client: Client) -> Sequence[ClientAsset]:
    return session.scalars(
        select(ClientAsset).where(ClientAsset.client_id == client.id).order_by(ClientAsset.asset)
    ).all()


def get_asset(session: Session, client: Client, asset_id: str) -> ClientAsset:
    asset = session.get(ClientAsset, asset_id)
    if asset is None or asset.client_id != client.id:
        raise NotFound(f"asset {asset_id} not found in client {client.id}")
    return asset


def ports_by_asset(session: Session, asset_ids: Sequence[str]) -> dict[str, list[ClientAssetPort]]:
    ports: dict[str, list[ClientAssetPort]] = {asset_id: [] for asset_id in asset_ids}
    for chunk_start in range(0, len(asset_ids), 500):
        chunk = asset_ids[chunk_start : chunk_start + 500]
        for port in session.scalars(select(ClientAssetPort).where(ClientAssetPort.asset_id.in_(chunk))):
            ports[port.asset_id].append(port)
    return ports
