"""Write a synthetic .nessus file of a given size: many hosts, many items, realistic output.

Deterministic for a given seed, so runs compare like with like. Usage:
    python -m bench.gen_nessus --size 1GB bench/out/1GB.nessus
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from xml.sax.saxutils import escape

from bench.sizes import parse_size

WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of 60 words
    "the remote host is running a version of apache http server openssl ssh service banner "
    "certificate expired cipher suite weak tls protocol enabled version detected listening port "
    "request response header cookie session token admin login page directory listing index "
    "vulnerable affected package update kernel module library patch missing security advisory"
).split()

POLICY = (
    "<Policy><policyName>Synthetic</policyName><Preferences><ServerPreferences>"
    + "".join(f"<preference><name>opt{i}</name><value>{'x' * 40}</value></preference>" for i in range(200))
    + "<preference><name>plugin_set</name><value>"
    + ";".join(str(10000 + i) for i in range(20000))
    + "</value></preference></ServerPreferences></Preferences></Policy>"
)


CVSS3 = (
    "<cvss3_base_score>{score:.1f}</cvss3_base_score>"
    "<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector>"
)


def _plugins(rng: random.Random, count: int) -> list[dict[str, str]]:
    plugins = []
    for i in range(count):
        severity = rng.choice("00001122334")
        cves = "".join(
            f"<cve>CVE-{rng.randint(2005, 2025)}-{rng.randint(1000, 99999)}</cve>" for _ in range(rng.randint(0, 4))
        )
        plugins.append(
            {
                "id": str(10000 + i),
                "name": f"Synthetic check {i}: {' '.join(rng.choices(WORDS, k=5))}",
                "severity": severity,
                "family": rng.choice(["General", "Web Servers", "Misc.", "Windows", "Databases"]),
                "body": (
                    f"<synopsis>{' '.join(rng.choices(WORDS, k=12))}</synopsis>"
                    f"<description>{' '.join(rng.choices(WORDS, k=60))}</description>"
                    f"<solution>{' '.join(rng.choices(WORDS, k=15))}</solution>"
                    f"<risk_factor>{['None', 'Low', 'Medium', 'High', 'Critical'][int(severity)]}</risk_factor>"
                    f"<see_also>https://example.com/advisory/{i}</see_also>"
                    + (CVSS3.format(score=rng.uniform(1, 10)) if severity != "0" else "")
                    + cves
                ),
            }
        )  # fmt: skip
    return plugins


def generate(path: Path, size: int, *, items_per_host: int = 50, plugin_count: int = 3000, seed: int = 7) -> int:
    """Write about ``size`` bytes: hosts of ``items_per_host`` items drawn from ``plugin_count`` plugins
    (the report's findings); returns the bytes written."""
    rng = random.Random(seed)
    plugins = _plugins(rng, plugin_count)
    written = 0
    host = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        head = f'<?xml version="1.0" ?>\n<NessusClientData_v2>{POLICY}<Report name="synthetic">\n'
        out.write(head)
        written += len(head)
        while written < size:
            host += 1
            ip = f"10.{(host >> 16) & 255}.{(host >> 8) & 255}.{host & 255}"
            parts = [
                f'<ReportHost name="{ip}"><HostProperties><tag name="host-ip">{ip}</tag>'
                f'<tag name="host-fqdn">host{host}.corp.example</tag>'
                f'<tag name="operating-system">Linux Kernel 5.{host % 20}</tag>'
                f'<tag name="HOST_START">Mon Jan  1 00:00:00 2026</tag></HostProperties>\n'
            ]
            for plugin in rng.sample(plugins, items_per_host):
                port = rng.choice(["0", "22", "80", "443", "445", "3389", "8080"])
                output = escape(" ".join(rng.choices(WORDS, k=rng.randint(5, 450)))) + " &lt;tag&gt; &amp; done"
                parts.append(
                    f'<ReportItem port="{port}" svc_name="www" protocol="tcp" severity="{plugin["severity"]}" '
                    f'pluginID="{plugin["id"]}" pluginName="{plugin["name"]}" pluginFamily="{plugin["family"]}">'
                    f"{plugin['body']}<plugin_output>{output}</plugin_output></ReportItem>\n"
                )
            parts.append("</ReportHost>\n")
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
        tail = "</Report></NessusClientData_v2>\n"
        out.write(tail)
        written += len(tail)
    return host


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", default="100MB")
    args = parser.parse_args()
    hosts = generate(args.path, parse_size(args.size))
    print(f"wrote {args.path} ({args.path.stat().st_size} bytes, {hosts} hosts)")


if __name__ == "__main__":
    main()
