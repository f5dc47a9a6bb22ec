"""Parse speed and peak memory: scanlift's parsers against raw lxml iterparse passes.

Each measurement runs in a fresh Python process that reports its own peak RSS, so the numbers
do not leak into each other. Two baselines run over the same file with the same hardened
settings (no entities, no network, no DTD, huge_tree):

- "raw iterparse (skip)": iterparse on the record tag, clear, drop finished siblings; no Python
  work per record. This is libxml2's ceiling.
- "raw iterparse (extract)": the same, plus a dict of each record's attributes and child texts,
  the workload of infrastructure-notes.md §3. This is what any real parser must at least do,
  and the ratio column is against it.

    python -m bench.parse_bench --sizes 100MB,1GB            # Nessus
    python -m bench.parse_bench --formats nessus,burp,qualys --sizes 100MB
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from bench.sizes import parse_size
from scanlift.parsers.runner import parse_stream

# Everything is imported before any timer starts, so import time is never measured.

OUT = Path(__file__).resolve().parent / "out"

#: format -> (generator module, the record element for the raw pass, scanlift source id)
FORMATS: dict[str, tuple[str, str, str]] = {
    "nessus": ("bench.gen_nessus", "ReportItem", "nessus"),
    "burp": ("bench.gen_burp", "issue", "burp"),
    "qualys": ("bench.gen_qualys", "VULN_INFO", "qualys"),
}


def _raw_pass(path: Path, tag: str, *, extract: bool) -> int:
    count = 0
    sink: list[dict[str, str]] = []
    for _event, element in etree.iterparse(
        str(path), events=("end",), tag=tag, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    ):
        count += 1
        if extract:
            record = dict(element.attrib)
            record.update((child.tag, child.text or "") for child in element if isinstance(child.tag, str))
            sink.append(record)
            sink.clear()
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def _scanlift_pass(path: Path, source: str) -> int:
    count = 0
    with path.open("rb") as handle:
        for _record in parse_stream(handle, source=source):
            count += 1
    return count


def measure(kind: str, path: Path, fmt: str) -> dict[str, float]:
    """Run one pass in this process and report time and peak RSS (called in a child process)."""
    _module, tag, source = FORMATS[fmt]
    passes: dict[str, Callable[[], int]] = {
        "skip": lambda: _raw_pass(path, tag, extract=False),
        "extract": lambda: _raw_pass(path, tag, extract=True),
        "scanlift": lambda: _scanlift_pass(path, source),
    }
    run = passes[kind]
    started = time.perf_counter()
    records = run()
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = path.stat().st_size
    return {"seconds": elapsed, "mb_per_s": size / 1e6 / elapsed, "peak_rss_mb": peak_kib / 1024, "records": records}


def _child(kind: str, path: Path, fmt: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.parse_bench", "--child", kind, "--formats", fmt, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(output))


def _ensure_file(fmt: str, size_label: str) -> Path:
    path = OUT / f"{fmt}-{size_label}.{fmt if fmt == 'nessus' else 'xml'}"
    if not path.exists():
        module = FORMATS[fmt][0]
        subprocess.run([sys.executable, "-m", module, "--size", size_label, str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100MB")
    parser.add_argument("--formats", default="nessus")
    parser.add_argument("--child", choices=["skip", "extract", "scanlift"])
    parser.add_argument("path", nargs="?", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.path, args.formats)))
        return
    rows = [
        "| format | file size | pass | seconds | MB/s | peak RSS MB | records | speed vs extract |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt in args.formats.split(","):
        for size_label in args.sizes.split(","):
            path = _ensure_file(fmt, size_label)
            results = {kind: _child(kind, path, fmt) for kind in ("skip", "extract", "scanlift")}
            names = {
                "skip": "raw iterparse (skip)",
                "extract": "raw iterparse (extract)",
                "scanlift": "scanlift parser",
            }
            for kind, result in results.items():
                name = names[kind]
                ratio = result["mb_per_s"] / results["extract"]["mb_per_s"]
                size_mb = path.stat().st_size / 1e6
                rows.append(
                    f"| {fmt} | {size_mb:,.0f} MB | {name} | {result['seconds']:.1f} | {result['mb_per_s']:.1f} | "
                    f"{result['peak_rss_mb']:.0f} | {int(result['records']):,} | {ratio:.2f}x |"
                )
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    assert parse_size("1KB") == 1000
    main()
