"""Client assets during a merge: found or created by name, attributes filled, ports and tags grown.

Asset attributes only fill blanks and grow lists (IPs, ports, tags): an older scan imported
later never erases what a newer one said.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.clients.models import ClientAsset, ClientAssetPort
from scanlift.db.base import utcnow
from scanlift.db.upsert import chunks, insert_ignore
from scanlift.parsers.base import Port, ScanAsset


class ClientAssetMerger:
    """The client's assets that one merge touches, by name, with their ids."""

    def __init__(self, session: Session, client_id: int) -> None:
        self.session = session
        self.client_id = client_id
        #: Asset name -> id, for every asset this merge has seen.
        self.ids: dict[str, str] = {}
        self._ports_seen: set[tuple[str, str, str]] = set()

    # -- assets ------------------------------------------------------------------------------

    def ensure(self, names: Sequence[str]) -> None:
        missing = [n for n in names if n not in self.ids]
        if not missing:
            return
        now = utcnow()
        rows = [
            {
                "id": str(uuid.uuid4()),
                "client_id": self.client_id,
                "asset": name,
                "type": "General",
                "description": "",
                "known_ips": [],
                "hostname": "",
                "host_fqdn": "",
                "netbios_name": "",
                "mac_address": "",
                "operating_system": "",
                "tags": [],
                "created_at": now,
                "updated_at": now,
            }
            for name in missing
        ]
        inserted = insert_ignore(self.session, ClientAsset, rows, ["client_id", "asset"], returning=["id", "asset"])
        self.ids.update((name, asset_id) for asset_id, name in inserted)
        existing = [n for n in missing if n not in self.ids]
        for chunk in chunks(existing):
            for asset_id, name in self.session.execute(
                select(ClientAsset.id, ClientAsset.asset).where(
                    ClientAsset.client_id == self.client_id, ClientAsset.asset.in_(chunk)
                )
            ):
                self.ids[name] = asset_id

    def merge_details(self, assets: Sequence[ScanAsset]) -> None:
        if not assets:
            return
        by_name: dict[str, list[ScanAsset]] = defaultdict(list)
        for asset in assets:
            by_name[asset.name].append(asset)
        ids = sorted(self.ids[name] for name in by_name)
        rows = self.session.scalars(select(ClientAsset).where(ClientAsset.id.in_(ids)).with_for_update()).all()
        for row in rows:
            for asset in by_name[row.asset]:
                _fill_asset(row, asset)
        self.add_ports((self.ids[a.name], port) for a in assets for port in a.ports)

    def add_ports(self, pairs: Iterable[tuple[str, Port]]) -> None:
        rows: dict[tuple[str, str, str], dict[str, Any]] = {}
        for asset_id, p in pairs:
            key = (asset_id, p.number, p.protocol)
            if key in self._ports_seen:
                continue
            self._ports_seen.add(key)
            rows[key] = {
                "asset_id": asset_id,
                "number": p.number,
                "protocol": p.protocol,
                "service": p.service,
                "version": p.version,
            }
        insert_ignore(self.session, ClientAssetPort, list(rows.values()), ["asset_id", "number", "protocol"])

    def apply_tags(self, asset_tags: Sequence[str]) -> None:
        tags = list(asset_tags)
        if not tags:
            return
        for chunk in chunks(sorted(self.ids.values())):
            for row in self.session.scalars(select(ClientAsset).where(ClientAsset.id.in_(chunk)).with_for_update()):
                merged = list(dict.fromkeys([*row.tags, *tags]))
                if merged != row.tags:
                    row.tags = merged
        self.session.flush()


def _fill_asset(row: ClientAsset, asset: ScanAsset) -> None:
    """Fill blank attributes and grow the IP list; never overwrite what is already known."""
    ips = list(dict.fromkeys([*row.known_ips, *asset.ips]))
    if ips != row.known_ips:
        row.known_ips = ips
    for column, value in (
        ("hostname", asset.hostname),
        ("host_fqdn", asset.fqdn),
        ("netbios_name", asset.netbios),
        ("mac_address", asset.mac),
        ("operating_system", asset.operating_system),
        ("description", asset.description),
    ):
        if value and not getattr(row, column):
            setattr(row, column, value)
    if asset.type and row.type in ("", "General"):
        row.type = asset.type
