"""Client, report and client-asset objects in PlexTrac's shapes (api-notes §4.3, §4.5, §4.6)."""

from __future__ import annotations

from scanlift.clients.models import Client, ClientAsset, ClientAssetPort, Report
from scanlift.clients.schemas import ClientAssetObject, ClientObject, ClientRow, ReportObject, ReportRow, ReportRowData
from scanlift.views import epoch_ms, ports_map, same_named

# The fields each object carries under the row's own names and as stored; the others are spelled
# out where the object is built, because PlexTrac renames or converts them.
_CLIENT_AS_STORED = ("tenant_id", "name", "description", "poc", "poc_email", "tags", "custom_field")
_REPORT_AS_STORED = (
    "id",
    "client_id",
    "tenant_id",
    "name",
    "description",
    "status",
    "start_date",
    "end_date",
    "tags",
    "custom_field",
)
_ASSET_AS_STORED = (
    "id",
    "asset",
    "client_id",
    "type",
    "description",
    "hostname",
    "host_fqdn",
    "netbios_name",
    "mac_address",
    "operating_system",
    "tags",
)


def client_object(client: Client) -> ClientObject:
    return ClientObject(
        **same_named(client, *_CLIENT_AS_STORED),
        client_id=client.id,
        id=client.id,
        doc_type="client",
        createdAt=epoch_ms(client.created_at),
        updatedAt=epoch_ms(client.updated_at),
    )


def client_row(client: Client) -> ClientRow:
    return ClientRow(id=f"client_{client.id}", doc_id=[client.id], data=(client.id, client.name, None))


def report_object(report: Report) -> ReportObject:
    return ReportObject(
        **same_named(report, *_REPORT_AS_STORED),
        report_id=report.id,
        doc_type="report",
        reportType="default",
        includeEvidence=report.include_evidence,
        createdAt=epoch_ms(report.created_at),
        updatedAt=epoch_ms(report.updated_at),
    )


def report_row(report: Report, findings_count: int) -> ReportRow:
    data: ReportRowData = (
        report.id,
        report.name,
        None,
        report.status,
        findings_count,
        [],
        [],
        epoch_ms(report.created_at),
        report.start_date,
        report.end_date,
        report.tags,
        None,
        None,
    )
    return ReportRow(id=f"report_{report.id}", doc_id=[report.id], data=data)


def asset_object(asset: ClientAsset, ports: list[ClientAssetPort]) -> ClientAssetObject:
    return ClientAssetObject(
        **same_named(asset, *_ASSET_AS_STORED),
        doc_type="client_asset",
        knownIps=asset.known_ips,
        ports=ports_map(ports),
        parent_asset=None,
        child_assets={},
        createdAt=epoch_ms(asset.created_at),
        updatedAt=epoch_ms(asset.updated_at),
    )
