"""Hostile XML: nothing is fetched, no entity is expanded, and every case ends in a clear error."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import InvalidFile
from scanlift.parsers.nessus import NessusParser
from tests.parsers.records import run_parser


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY leak "LEAKED">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A loopback HTTP server that records any fetch the parser might attempt."""
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _parse(document: bytes) -> list[object]:
    return list(run_parser(NessusParser(), io.BytesIO(document)))


def test_xxe_with_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<NessusClientData_v2><Report><ReportHost name='&x;'/></Report></NessusClientData_v2>"
    ).encode()
    with pytest.raises(InvalidFile, match="XML entit") as caught:
        _parse(document)
    assert "TOP-SECRET" not in str(caught.value)


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    document = f"<?xml version='1.0'?><!DOCTYPE lolz [{entities}]><NessusClientData_v2>&lol9;</NessusClientData_v2>"
    with pytest.raises(InvalidFile) as caught:
        _parse(document.encode())
    assert "entit" in str(caught.value)


def test_external_dtd_is_accepted_but_never_fetched(listener: str) -> None:
    document = (
        f'<?xml version="1.0"?><!DOCTYPE NessusClientData_v2 SYSTEM "{listener}/scan.dtd">'
        "<NessusClientData_v2><Report><ReportHost name='h'><HostProperties/></ReportHost></Report>"
        "</NessusClientData_v2>"
    ).encode()
    assert len(_parse(document)) == 1
    assert _Recorder.hits == []


def test_parameter_entity_over_http_is_refused_without_a_fetch(listener: str) -> None:
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "{listener}/x.dtd"> %ext;]>'
        "<NessusClientData_v2>&leak;</NessusClientData_v2>"
    ).encode()
    with pytest.raises(InvalidFile):
        _parse(document)
    assert _Recorder.hits == []


def test_undefined_entity_is_an_error_even_with_an_external_dtd() -> None:
    document = b'<!DOCTYPE SCAN SYSTEM "scan.dtd"><NessusClientData_v2>a &foo; b</NessusClientData_v2>'
    with pytest.raises(InvalidFile, match="Entity 'foo' not defined"):
        _parse(document)


def test_inline_dtd_without_entities_is_accepted() -> None:
    document = (
        b'<?xml version="1.0"?><!DOCTYPE issues [<!ELEMENT issues (issue*)>'
        b'<!ATTLIST issues burpVersion CDATA "">]><issues burpVersion="2"><issue>x</issue></issues>'
    )
    issues = [e.text for e in iter_elements(io.BytesIO(document), source="burp", roots=("issues",), tags=("issue",))]
    assert issues == ["x"]


@pytest.mark.parametrize(
    ("document", "cause"),
    [
        (b"", "the file is empty"),
        (b"   \n", "the file is empty"),
        (b"PK\x03\x04\x00\x00binary", "binary data"),
        (b"Plugin ID,Risk\n1,None\n", "not XML"),
        (b"<NessusClientData_v2><Report><ReportHost name='h'>", "truncated"),
        (b"<NessusClientData_v2><a></b></NessusClientData_v2>", "not well-formed"),
        (b"<foo/>", "root element is <foo>, expected <NessusClientData_v2>"),
    ],
)
def test_bad_files_end_with_a_readable_cause(document: bytes, cause: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        _parse(document)
    message = str(caught.value)
    assert message.startswith("invalid nessus file: ")
    assert cause in message
