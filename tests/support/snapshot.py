"""A report as the API shows it, without generated ids and times: equal snapshots, equal reports."""

from __future__ import annotations

from typing import Any

from scanlift.client import ImportClient

_VOLATILE = {"createdAt", "last_update", "updatedAt"}


def report_snapshot(client: ImportClient, client_id: int, report_id: int) -> dict[str, Any]:
    base = f"/api/v1/client/{client_id}/report/{report_id}"
    findings = {}
    for row in client.request("GET", f"{base}/flaws").json():
        finding = client.request("GET", f"{base}/flaw/{row['id']}").json()
        kept = {k: v for k, v in finding.items() if k not in _VOLATILE | {"client_id", "report_id"}}
        kept["affected_assets"] = {
            a["asset"]: {
                **{k: v for k, v in a.items() if k not in _VOLATILE | {"evidence", "id"}},
                "evidence": sorted((e["caption"], e["code"]) for e in a["evidence"]),
            }
            for a in finding["affected_assets"].values()
        }
        findings[str(row["id"])] = kept
    assets = {
        a["asset"]: {k: v for k, v in a.items() if k not in _VOLATILE | {"id", "client_id"}}
        for a in client.request("GET", f"/api/v1/client/{client_id}/assets").json()
    }
    return {"findings": findings, "assets": assets}
