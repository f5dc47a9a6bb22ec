"""Write a synthetic Qualys VM scan report (``<ASSET_DATA_REPORT>``) of a given size.

Shaped like the VM "Scan Report" XML export: the DOCTYPE naming Qualys's external DTD, a
``HEADER``, ``RISK_SCORE_PER_HOST`` with one entry per host, ``HOST_LIST/HOST`` with IP, DNS,
NETBIOS, operating system and ``VULN_INFO_LIST/VULN_INFO`` detections (QID, type, port, protocol,
service, a CDATA ``RESULT`` from a few dozen bytes to tens of KB), then a ``GLOSSARY`` with one
``VULN_DETAILS`` per QID used (fixed pool of 1,500 QIDs) and the ``APPENDICES``.

The host count and the per-host totals come before the hosts in a real export, so the hosts and
the risk-score entries are streamed to two part files next to the output and joined at the end:
memory stays constant. Deterministic for a given seed. Usage:
    python -m bench.gen_qualys --size 1GB bench/out/qualys-1GB.xml
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from bench.sizes import parse_size

WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of words
    "the remote host service version vulnerable attacker exploit allows arbitrary code execution denial "
    "of service information disclosure kernel package update patch vendor advisory authentication "
    "bypass privilege escalation buffer overflow crafted request server client protocol certificate "
    "cipher configuration registry windows linux openssl apache nginx java library component detected"
).split()

CATEGORIES = (
    "General remote services", "Information gathering", "TCP/IP", "Web server", "CGI", "Windows", "Local",
    "SMB / NETBIOS", "RPC", "Firewall", "Hardware", "Security Policy", "Ubuntu", "RedHat", "Database",
)  # fmt: skip
#: (port, protocol, service) as Qualys names them.
SERVICES = (
    ("22", "tcp", "ssh"), ("80", "tcp", "http"), ("443", "tcp", "http over ssl"), ("3389", "tcp", "win remote desktop"),
    ("445", "tcp", "microsoft-ds"), ("123", "udp", "ntp"), ("161", "udp", "snmp"), ("8443", "tcp", "http over ssl"),
    ("25", "tcp", "smtp"), ("1433", "tcp", "mssql"),
)  # fmt: skip
SYSTEMS = (
    "Windows Server 2019 Datacenter 64 bit Edition Version 1809", "Ubuntu / Tiny Core Linux / Linux 2.6.x",
    "Red Hat Enterprise Linux Server 7.9", "Windows 10 Enterprise 64 bit Edition Version 21H2",
    "Linux 2.4-2.6 / Embedded Device / F5 Networks Big-IP / Linux 2.6", "CentOS Linux 8.4.2105",
)  # fmt: skip
TYPES = ("Ig", "Vuln", "Practice")

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>

<!DOCTYPE ASSET_DATA_REPORT SYSTEM "https://qualysguard.qg2.apps.qualys.com/asset_data_report.dtd">
<ASSET_DATA_REPORT>
  <HEADER>
    <COMPANY><![CDATA[Synthetic Corp]]></COMPANY>
    <USERNAME>synth_ab12</USERNAME>
    <GENERATION_DATETIME>2026-01-05T10:00:00Z</GENERATION_DATETIME>
    <TEMPLATE><![CDATA[All confirmed and Information Vulnerabilities 1-5]]></TEMPLATE>
    <TARGET>
      <USER_ASSET_GROUPS>
        <ASSET_GROUP_TITLE><![CDATA[All]]></ASSET_GROUP_TITLE>
      </USER_ASSET_GROUPS>
      <COMBINED_IP_LIST>
        <RANGE>
          <START>{first}</START>
          <END>{last}</END>
        </RANGE>
      </COMBINED_IP_LIST>
    </TARGET>
    <RISK_SCORE_SUMMARY>
      <TOTAL_VULNERABILITIES>{total}</TOTAL_VULNERABILITIES>
      <AVG_SECURITY_RISK>{average:.1f}</AVG_SECURITY_RISK>
      <BUSINESS_RISK>{business}/100</BUSINESS_RISK>
    </RISK_SCORE_SUMMARY>
  </HEADER>
  <RISK_SCORE_PER_HOST>
"""

TAIL = """  <APPENDICES>
    <TEMPLATE_DETAILS>
      <FILTER_SUMMARY>
        Status:New, Active, Re-Opened
        Display non-running kernels:
        Off
        Exclude non-running kernels:
        Off
        Exclude non-running services:
        Off
        Exclude QIDs not exploitable due to configuration:
        Off
        Vulnerabilities:
        State:Active
        Information Gathered:
        State:Active
        Included Operating Systems:
        All Operating Systems
      </FILTER_SUMMARY>
    </TEMPLATE_DETAILS>
  </APPENDICES>
</ASSET_DATA_REPORT>
<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION. Qualys provides the QualysGuard Service "As Is," without any \
warranty of any kind. Qualys makes no warranty that the information contained in this report is complete or \
error-free. Copyright 2026, Qualys, Inc. //-->
"""


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def _text(rng: random.Random, paragraphs: int) -> str:
    return "<P>\n".join(" ".join(_sentence(rng, 8, 25) for _ in range(rng.randint(1, 4))) for _ in range(paragraphs))


def _cdata(tag: str, text: str, indent: str) -> str:
    return f"{indent}<{tag}><![CDATA[{text}]]></{tag}>\n"


def _references(list_tag: str, item_tag: str, pairs: list[tuple[str, str]]) -> str:
    items = "".join(
        f"          <{item_tag}>\n"
        f"            <ID><![CDATA[{ident}]]></ID>\n"
        f"            <URL><![CDATA[{url}]]></URL>\n"
        f"          </{item_tag}>\n"
        for ident, url in pairs
    )
    return f"        <{list_tag}>\n{items}        </{list_tag}>\n"


def _details(rng: random.Random, qid: int, kind: str, severity: int) -> str:
    """One glossary <VULN_DETAILS> entry."""
    category = "Information gathering" if kind == "Ig" else rng.choice(CATEGORIES)
    title = f"{_sentence(rng, 3, 8)[:-1]} (QID {qid})"
    solution = (
        f"{_text(rng, rng.randint(1, 2))}\n<P>Patch:<BR>\nFollowing are links for downloading patches to fix the "
        f'vulnerabilities:\n<P> <A HREF="https://vendor.example/advisories/{qid}" TARGET="_blank">ADV-{qid}</A>'
    )
    parts = [
        f'      <VULN_DETAILS id="qid_{qid}">\n',
        f'        <QID id="qid_{qid}">{qid}</QID>\n',
        _cdata("TITLE", title, "        "),
        f"        <SEVERITY>{severity}</SEVERITY>\n",
        f"        <CATEGORY>{category}</CATEGORY>\n",
        _cdata("THREAT", _text(rng, rng.randint(1, 4)), "        "),
        _cdata("IMPACT", _text(rng, 1) if kind != "Ig" else "N/A", "        "),
        _cdata("SOLUTION", solution if kind != "Ig" else "N/A", "        "),
    ]
    cves = [f"CVE-{rng.randint(2008, 2025)}-{rng.randint(1000, 49999)}" for _ in range(rng.randint(0, 6))]
    if kind == "Ig":
        cves = []
    if cves and rng.random() < 0.2:
        exploits = "".join(
            "                <EXPLT>\n"
            + _cdata("REF", cve, "                  ")
            + _cdata("DESC", f"{_sentence(rng, 3, 8)} - The Exploit-DB Ref : {rng.randint(10000, 52000)}", "   " * 6)
            + _cdata("LINK", f"http://www.exploit-db.com/exploits/{rng.randint(10000, 52000)}", "   " * 6)
            + "                </EXPLT>\n"
            for cve in cves[:2]
        )
        parts.append(
            "        <CORRELATION>\n          <EXPLOITABILITY>\n            <EXPLT_SRC>\n"
            + _cdata("SRC_NAME", "The Exploit-DB", "              ")
            + f"              <EXPLT_LIST>\n{exploits}              </EXPLT_LIST>\n"
            "            </EXPLT_SRC>\n          </EXPLOITABILITY>\n        </CORRELATION>\n"
        )
    parts.append(f"        <PCI_FLAG>{1 if severity >= 3 else 0}</PCI_FLAG>\n")
    parts.append(
        f"        <LAST_UPDATE>20{rng.randint(15, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T12:00:00Z"
        "</LAST_UPDATE>\n"
    )
    if kind != "Ig":
        base = rng.uniform(2, 10)
        parts.append(
            "        <CVSS_SCORE>\n"
            f"          <CVSS_BASE>{base:.1f} (AV:N/AC:L/Au:N/C:P/I:P/A:P)</CVSS_BASE>\n"
            f"          <CVSS_TEMPORAL>{base * 0.8:.1f} (E:U/RL:OF/RC:C)</CVSS_TEMPORAL>\n"
            "        </CVSS_SCORE>\n"
            "        <CVSS3_SCORE>\n"
            f"          <CVSS3_BASE>{base:.1f} (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)</CVSS3_BASE>\n"
            f"          <CVSS3_TEMPORAL>{base * 0.9:.1f} (E:U/RL:O/RC:C)</CVSS3_TEMPORAL>\n"
            "        </CVSS3_SCORE>\n"
        )
        if rng.random() < 0.3:
            parts.append(_references("VENDOR_REFERENCE_LIST", "VENDOR_REFERENCE",
                                     [(f"ADV-{qid}", f"https://vendor.example/advisories/{qid}")]))  # fmt: skip
    if cves:
        parts.append(
            _references(
                "CVE_ID_LIST", "CVE_ID", [(c, f"http://cve.mitre.org/cgi-bin/cvename.cgi?name={c}") for c in cves]
            )
        )
        if rng.random() < 0.1:
            bid = str(rng.randint(1000, 99999))
            parts.append(
                _references("BUGTRAQ_ID_LIST", "BUGTRAQ_ID", [(bid, f"http://www.securityfocus.com/bid/{bid}")])
            )
    parts.append("      </VULN_DETAILS>\n")
    return "".join(parts)


def _pool(rng: random.Random, count: int) -> list[tuple[int, str, int, bool]]:
    """(QID, type, severity, on a port) for a fixed pool of QIDs, in QID order."""
    qids: set[int] = set()
    while len(qids) < count:
        qids.add(rng.choice((rng.randint(1, 999), rng.randint(10000, 124999), rng.randint(370000, 380999))))
    pool = []
    for qid in sorted(qids):
        kind = rng.choices(TYPES, (3, 5, 2))[0]
        severity = (
            rng.choices((1, 2, 3), (6, 3, 1))[0] if kind == "Ig" else rng.choices((1, 2, 3, 4, 5), (2, 3, 4, 2, 1))[0]
        )
        pool.append((qid, kind, severity, rng.random() < 0.6))
    return pool


def _result_block(rng: random.Random, size: int) -> str:
    """Tab-separated result lines that RESULT texts are cut from."""
    lines = []
    length = 0
    while length < size:
        line = rng.choice(
            (
                f"{rng.choice(WORDS)}-{rng.randint(1, 99)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}\t"
                f"{rng.choice(WORDS)} {rng.choice(WORDS)}\tinstalled",
                f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}\t{rng.getrandbits(48):012x}",
                f"HKLM\\SOFTWARE\\{rng.choice(WORDS).capitalize()}\\{rng.choice(WORDS).capitalize()}\t"
                f"Version\t{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9999)}",
                f"/usr/lib/{rng.choice(WORDS)}/{rng.choice(WORDS)}.so.{rng.randint(0, 9)} found {_sentence(rng, 2, 6)}",
                f"TLSv1.{rng.randint(0, 3)}\t{rng.choice(('AES', 'CHACHA20', 'DES-CBC3'))}"
                f"-SHA{rng.choice((1, 256, 384))}\t{rng.choice(('LOW', 'MEDIUM', 'HIGH'))}"
                f"\t{rng.choice((112, 128, 256))}",
            )
        )
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)


def _result(rng: random.Random, block: str, ip: str) -> str:
    size = int(rng.choices((rng.uniform(20, 200), rng.uniform(200, 2000), rng.uniform(2000, 10000),
                            rng.uniform(10000, 60000)), (50, 35, 13, 2))[0])  # fmt: skip
    start = block.find("\n", rng.randrange(len(block) - size - 1)) + 1
    end = block.find("\n", start + size)
    return f"IP address\tHost name\n{ip}\t" + block[start : end if end > 0 else len(block)]


def _host(rng: random.Random, number: int, pool: list[tuple[int, str, int, bool]], block: str) -> tuple[str, list[int]]:
    """One <HOST> and the QIDs detected on it."""
    ip = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
    dns = f"host{number}.{rng.choice(WORDS)}.corp.example"
    parts = [
        "    <HOST>\n",
        f"      <IP>{ip}</IP>\n",
        "      <TRACKING_METHOD>IP</TRACKING_METHOD>\n",
        _cdata("DNS", dns, "      "),
        _cdata("NETBIOS", f"HOST{number}", "      ") if number % 3 else "",
        _cdata("OPERATING_SYSTEM", rng.choice(SYSTEMS), "      "),
        "      <ASSET_GROUPS>\n",
        _cdata("ASSET_GROUP_TITLE", f"Site {number % 17}", "        "),
        "      </ASSET_GROUPS>\n",
        "      <VULN_INFO_LIST>\n",
    ]
    detections = rng.sample(pool, rng.randint(15, 120))
    for qid, kind, _severity, on_port in detections:
        port = ""
        ssl = "false"
        if on_port:
            number_text, protocol, service = rng.choice(SERVICES)
            ssl = "true" if "ssl" in service else "false"
            port = (
                f"          <PORT>{number_text}</PORT>\n          <SERVICE>{service}</SERVICE>\n"
                f"          <PROTOCOL>{protocol}</PROTOCOL>\n"
            )
        found = (
            f"20{rng.randint(20, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
        )
        status = f"          <VULN_STATUS>{rng.choice(('New', 'Active', 'Re-Opened'))}</VULN_STATUS>\n"
        cvss = "          <CVSS_FINAL>-</CVSS_FINAL>\n          <CVSS3_FINAL>-</CVSS3_FINAL>\n"
        parts.append(
            "        <VULN_INFO>\n"
            f'          <QID id="qid_{qid}">{qid}</QID>\n'
            f"          <TYPE>{kind}</TYPE>\n"
            f"{port}"
            f"          <SSL>{ssl}</SSL>\n"
            f'          <RESULT format="table"><![CDATA[{_result(rng, block, ip)}]]></RESULT>\n'
            f"          <FIRST_FOUND>{found}</FIRST_FOUND>\n"
            "          <LAST_FOUND>2026-01-05T09:00:00Z</LAST_FOUND>\n"
            f"          <TIMES_FOUND>{rng.randint(1, 900)}</TIMES_FOUND>\n"
            + (status + cvss if kind != "Ig" else "")
            + "        </VULN_INFO>\n"
        )
    parts.append("      </VULN_INFO_LIST>\n    </HOST>\n")
    return "".join(parts), [qid for qid, _kind, _severity, _port in detections]


def generate(path: Path, size: int, *, seed: int = 13) -> tuple[int, int]:
    """Write about ``size`` bytes to ``path``; return (hosts, detections)."""
    rng = random.Random(seed)
    pool = _pool(rng, 1500)
    glossary = {qid: _details(rng, qid, kind, severity) for qid, kind, severity, _port in pool}
    block = _result_block(rng, 1_000_000)
    used: set[int] = set()
    glossary_size = 0
    hosts = detections = 0
    written = len(HEAD) + len(TAIL) + 200
    path.parent.mkdir(parents=True, exist_ok=True)
    hosts_part = path.with_name(path.name + ".hosts.part")
    risk_part = path.with_name(path.name + ".risk.part")
    try:
        with hosts_part.open("w", encoding="utf-8") as host_out, risk_part.open("w", encoding="utf-8") as risk_out:
            host_out.write("  <HOST_LIST>\n")
            risk_total = 0.0
            while written + glossary_size < size:
                hosts += 1
                chunk, qids = _host(rng, hosts, pool, block)
                count = len(qids)
                for qid in qids:
                    if qid not in used:
                        used.add(qid)
                        glossary_size += len(glossary[qid])
                risk = rng.uniform(1, 4.5)
                risk_total += risk
                entry = (
                    "    <HOSTS>\n"
                    f"      <IP_ADDRESS>10.{(hosts >> 16) & 255}.{(hosts >> 8) & 255}.{hosts & 255}</IP_ADDRESS>\n"
                    f"      <TOTAL_VULNERABILITIES>{count}</TOTAL_VULNERABILITIES>\n"
                    f"      <SECURITY_RISK>{risk:.1f}</SECURITY_RISK>\n"
                    "    </HOSTS>\n"
                )
                host_out.write(chunk)
                risk_out.write(entry)
                written += len(chunk) + len(entry)
                detections += count
            host_out.write("  </HOST_LIST>\n")
        with path.open("w", encoding="utf-8") as out:
            last = hosts
            out.write(
                HEAD.format(
                    first="10.0.0.1",
                    last=f"10.{(last >> 16) & 255}.{(last >> 8) & 255}.{last & 255}",
                    total=detections,
                    average=risk_total / max(hosts, 1),
                    business=int(risk_total / max(hosts, 1) * 10),
                )
            )
            for part in (risk_part, hosts_part):
                if part is hosts_part:
                    out.write("  </RISK_SCORE_PER_HOST>\n")
                with part.open("r", encoding="utf-8") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
            out.write("  <GLOSSARY>\n    <VULN_DETAILS_LIST>\n")
            for qid, _kind, _severity, _port in pool:
                if qid in used:
                    out.write(glossary[qid])
            out.write("    </VULN_DETAILS_LIST>\n  </GLOSSARY>\n")
            out.write(TAIL)
    finally:
        hosts_part.unlink(missing_ok=True)
        risk_part.unlink(missing_ok=True)
    return hosts, detections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", default="100MB")
    args = parser.parse_args()
    hosts, detections = generate(args.path, parse_size(args.size))
    print(f"wrote {args.path} ({args.path.stat().st_size} bytes, {hosts} hosts, {detections} detections)")


if __name__ == "__main__":
    main()
