"""Service benchmarks on the production stack (PostgreSQL, SeaweedFS S3, Redis, separate workers).

Load: p50/p99 latency of ``GET /api/v2/my-imports`` while 4 large imports run, against the same
requests with nothing running. Throughput: end-to-end import time of one large file (trigger to
IMPORT COMPLETE), against a parse-only pass over the same file in one process.

    python -m bench.service_bench --load-size 200MB --throughput-size 1GB
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time

import httpx

from bench.parse_bench import OUT, _ensure_file
from bench.stack import production_stack

IDLE_REQUESTS = 400


def _latencies(url: str, token: str, *, count: int | None = None, until: threading.Event | None = None) -> list[float]:
    samples = []
    with httpx.Client(base_url=url, headers={"Authorization": token}, timeout=30) as http:
        while (count is None or len(samples) < count) and not (until is not None and until.is_set()):
            started = time.perf_counter()
            response = http.get("/api/v2/my-imports")
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            time.sleep(0.02)
    return samples


def _percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def load(size: str) -> list[str]:
    path = _ensure_file("nessus", size)
    with production_stack(workers=2, concurrency=2) as stack:
        api = stack.client()
        api.authenticate()
        token = api._token or ""
        _latencies(stack.server.url, token, count=50)  # warm-up
        idle = _latencies(stack.server.url, token, count=IDLE_REQUESTS)
        operations = []
        for i in range(4):
            client_id, report_id = stack.new_report(api, f"load {i}")
            operations.append(api.trigger(client_id, report_id, "nessus", api.upload(path), path.name))
        done = threading.Event()
        samples: list[float] = []
        sampler = threading.Thread(target=lambda: samples.extend(_latencies(stack.server.url, token, until=done)))
        sampler.start()
        started = time.monotonic()
        outcomes = [api.wait(op, poll_seconds=1.0, timeout=3600) for op in operations]
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        assert all(o.status == "IMPORT COMPLETE" for o in outcomes), [o.error_status for o in outcomes]
        api.close()
    rows = [
        "| condition | requests | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        f"| idle | {len(idle)} | {_percentile(idle, 50):.1f} | {_percentile(idle, 99):.1f} | {max(idle):.1f} |",
        f"| 4 imports of {path.stat().st_size / 1e6:,.0f} MB running ({elapsed:.0f} s) | {len(samples)} | "
        f"{_percentile(samples, 50):.1f} | {_percentile(samples, 99):.1f} | {max(samples):.1f} |",
    ]
    return rows


def throughput(size: str) -> list[str]:
    path = _ensure_file("nessus", size)
    parse = subprocess.run(
        [sys.executable, "-m", "bench.parse_bench", "--child", "scanlift", "--formats", "nessus", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    parse_seconds = float(__import__("json").loads(parse.stdout)["seconds"])
    with production_stack(workers=1, concurrency=1) as stack:
        api = stack.client()
        client_id, report_id = stack.new_report(api, "throughput")
        key = api.upload(path)
        started = time.monotonic()
        outcome = api.wait(api.trigger(client_id, report_id, "nessus", key, path.name), poll_seconds=0.5, timeout=7200)
        import_seconds = time.monotonic() - started
        assert outcome.status == "IMPORT COMPLETE", outcome.error_status
        job = api.request("GET", f"/api/v2/my-imports/{outcome.operation_id}").json()
        worker_peak = stack.worker_peak_rss_mb()
        api.close()
    counts = [job["processed_findings"], job["processed_finding_assets"], job["processed_evidence"]]
    return [
        "| file | parse only (s) | end-to-end import, PostgreSQL + S3 (s) | ratio | findings | affected | evidence "
        "| worker peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {path.stat().st_size / 1e6:,.0f} MB .nessus | {parse_seconds:.1f} | {import_seconds:.1f} | "
        f"{import_seconds / parse_seconds:.2f}x | " + " | ".join(f"{c:,}" for c in counts) + f" | {worker_peak:.0f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load-size", default="200MB")
    parser.add_argument("--throughput-size", default="1GB")
    parser.add_argument("--only", choices=["load", "throughput"])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only != "throughput":
        print("\n".join(load(args.load_size)), flush=True)
    if args.only != "load":
        print("\n".join(throughput(args.throughput_size)), flush=True)


if __name__ == "__main__":
    main()
