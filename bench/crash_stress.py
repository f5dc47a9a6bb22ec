"""Crash stress: kill -9 the worker in the middle of an import, start a new one, and check that
the job completes with a report identical to an import that never crashed. Repeated N times.

    python -m bench.crash_stress --runs 5 --size 200MB
"""

from __future__ import annotations

import argparse
import random
import time

from tests.support.server import kill_hard, running_worker, start_worker
from tests.support.snapshot import report_snapshot

from bench.parse_bench import _ensure_file
from bench.stack import production_stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="200MB")
    args = parser.parse_args()
    path = _ensure_file("nessus", args.size)
    rng = random.Random(11)
    env = {"SCANLIFT_JOB_LEASE_SECONDS": "5"}
    rows = ["| run | killed at | attempts | status | report identical to the uncrashed import | recovery (s) |"]
    rows.append("|---|---|---|---|---|---|")
    with production_stack(workers=0, extra_env=env) as stack:
        api = stack.client()
        with running_worker(stack.server, stack.env):
            baseline = stack.new_report(api, "baseline")
            key = api.upload(path)
            outcome = api.wait(api.trigger(*baseline, "nessus", key, path.name), poll_seconds=0.3, timeout=3600)
            assert outcome.status == "IMPORT COMPLETE", outcome.error_status
        expected = report_snapshot(api, *baseline)
        for run in range(1, args.runs + 1):
            target = stack.new_report(api, f"crash {run}")
            worker = start_worker(stack.server, stack.env)
            operation = api.trigger(*target, "nessus", api.upload(path), path.name)
            # On PostgreSQL the merge transaction runs from the first batch on, so every point
            # is inside it. (99 % is shown only in the last instants of a merge while parsing.)
            kill_at = rng.choice([5, 25, 50, 75, 90])
            while True:
                job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
                if job["status"] == "PROCESSING" and job["progress"] >= kill_at:
                    break
                if job["status"] not in ("IN QUEUE", "PROCESSING"):
                    raise SystemExit(f"run {run}: the import ended ({job['status']}) before the kill point")
                time.sleep(0.05)
            kill_hard(worker)
            killed = time.monotonic()
            with running_worker(stack.server, stack.env):
                outcome = api.wait(operation, poll_seconds=0.2, timeout=3600)
            recovery = time.monotonic() - killed
            job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
            same = report_snapshot(api, *target) == expected
            rows.append(
                f"| {run} | {job_progress(kill_at)} | {job['attempts']} | {outcome.status} | {same} | {recovery:.1f} |"
            )
            print(rows[-1], flush=True)
        api.close()
    print("\n".join(rows))


def job_progress(percent: int) -> str:
    return f"{percent} % read, merging"


if __name__ == "__main__":
    main()
