"""The read routes serve whatever is stored, even what today's parsers would refuse."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scanlift.clients.models import ClientAssetPort
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user
from tests.support.harness import Harness


def test_a_stored_port_of_thousands_of_digits_does_not_break_the_asset_routes(
    api: TestClient, runtime: Runtime, harness: Harness
) -> None:
    document = (
        '<NessusClientData_v2><Report name="r"><ReportHost name="10.0.0.1">'
        '<ReportItem port="80" svc_name="www" protocol="tcp" severity="2" pluginID="1" pluginName="A"/>'
        "</ReportHost></Report></NessusClientData_v2>"
    )
    harness.run(document.encode())
    with runtime.db.session() as session:
        asset_id = session.query(ClientAssetPort.asset_id).scalar()
        session.add(ClientAssetPort(asset_id=asset_id, number="7" * 5000, protocol="tcp", service="", version=""))
    make_user(runtime, "reader@example.com")
    headers = login(api, "reader@example.com")
    response = api.get(f"/api/v1/client/{harness.client_id}/assets", headers=headers)
    assert response.status_code == 200
    ports = response.json()[0]["ports"]
    assert list(ports)[:1] == ["80"]
    assert "7" * 5000 in ports
