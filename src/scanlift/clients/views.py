"""Client, report and client-asset objects in PlexTrac's shapes (api-notes §4.3, §4.5, §4.6)."""

from __future__ import annotations

from scanlift.clients.models import Client, ClientAsset, ClientAssetPort, Report
from scanlift.clients.schemas import ClientAssetObject, ClientObject, ClientRow, ReportObject, ReportRow, ReportRowData
from scanlift.views import epoch_ms, ports_map


def client_object(client: Client) -> ClientObject:
    return ClientObject(
        client_id=client.id,
        id=client.id,
        doc_type="client",
        tenant_id=client.tenant_id,
        name=client.name,
        description=client.description,
        poc=client.poc,
        poc_email=client.poc_email,
        tags=client.tags,
        custom_field=client.custom_field,
        createdAt=epoch_ms(client.created_at),
        updatedAt=epoch_ms(client.updated_at),
    )


def client_row(client: Client) -> ClientRow:
    return ClientRow(id=f"client_{client.id}", doc_id=[client.id], data=(client.id, client.name, None))


def report_object(report: Report) -> ReportObject:
    return ReportObject(
        id=report.id,
        report_id=report.id,
        client_id=report.client_id,
        tenant_id=report.tenant_id,
        doc_type="report",
        reportType="default",
        name=report.name,
        description=report.description,
        status=report.status,
        start_date=report.start_date,
        end_date=report.end_date,
        tags=report.tags,
        custom_field=report.custom_field,
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
        id=asset.id,
        asset=asset.asset,
        client_id=asset.client_id,
        doc_type="client_asset",
        type=asset.type,
        description=asset.description,
        knownIps=asset.known_ips,
        hostname=asset.hostname,
        host_fqdn=asset.host_fqdn,
        netbios_name=asset.netbios_name,
        mac_address=asset.mac_address,
        operating_system=asset.operating_system,
        ports=ports_map(ports),
        tags=asset.tags,
        parent_asset=None,
        child_assets={},
        createdAt=epoch_ms(asset.created_at),
        updatedAt=epoch_ms(asset.updated_at),
    )
