"""Where a large import's time goes on PostgreSQL, and the floors under the end-to-end time.

    python -m bench.throughput_floor --size 1GB

Measured one after the other in one run, on the same generated .nessus file:

1. parse only: scanlift's parser over the file, in a child process (as ``bench.parse_bench``);
2. merge only: the file's records, parsed into a spool beforehand, merged into an empty report by
   the real ``ReportMerger`` in one transaction. Wall time, the merging thread's CPU time, and the
   CPU time of the PostgreSQL backend serving that transaction (from /proc: same host). Once under
   Python's default collector thresholds, once under the worker's (``jobs.tasks``);
3. database only: the rows that merge wrote to the three bulk tables (affected assets, their
   ports, evidence), exported with COPY TO and loaded again with COPY FROM in one transaction:
   PostgreSQL's own cost of storing them, with no Python per row. Once with the schema's foreign
   keys, and once without them, to show their share.

The end-to-end import also parses, so it cannot beat the larger of (1) and (3); and while the
parser and the merge share one interpreter, it cannot beat (1) + the merge's CPU time either.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import text
from tests.support.harness import new_report
from tests.support.profiles import postgres_database

from bench.parse_bench import OUT, _ensure_file
from scanlift.auth.service import ensure_tenant
from scanlift.db.engine import Database
from scanlift.db.migrate import upgrade
from scanlift.findings.locks import lock_for_merge
from scanlift.findings.merge import MergeTarget, ReportMerger
from scanlift.jobs.spool import RecordSpool
from scanlift.jobs.tasks import GC_THRESHOLDS
from scanlift.parsers.runner import parse_stream

#: Parents first, so that the foreign keys hold at every row.
BULK_TABLES = ("affected_assets", "affected_asset_ports", "evidence")
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _parse_only(path: Path) -> float:
    output = subprocess.run(
        [sys.executable, "-m", "bench.parse_bench", "--child", "scanlift", "--formats", "nessus", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return float(json.loads(output)["seconds"])


def _merge_in_new_database(url: str, path: Path, spool_dir: str) -> dict[str, float]:
    upgrade(url)
    db = Database(url)
    try:
        return _merge_only(db, path, spool_dir)
    finally:
        db.engine.dispose()


def _merge_only(db: Database, path: Path, spool_dir: str) -> dict[str, float]:
    with db.session() as session:
        ensure_tenant(session, 0)
    client_id, report_id = new_report(db, client_name="floor", report_name="floor")
    with RecordSpool(spool_dir) as spool, path.open("rb") as handle:
        for record in parse_stream(handle, source="nessus"):
            spool.append(record)
        with db.session() as session:
            lock_for_merge(session, client_id, slots=1, wait=True)
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            backend_before = _cpu_seconds(backend)
            wall = thread = 0.0
            merger = ReportMerger(session, MergeTarget(client_id=client_id, report_id=report_id, source="nessus"))
            for batch in spool.batches():  # reading the spool back is not the merge's work: not timed
                started, cpu = time.perf_counter(), time.thread_time()
                merger.add(batch)
                wall, thread = wall + time.perf_counter() - started, thread + time.thread_time() - cpu
            started, cpu = time.perf_counter(), time.thread_time()
            counts = merger.finish()
            wall, thread = wall + time.perf_counter() - started, thread + time.thread_time() - cpu
            backend_cpu = _cpu_seconds(backend) - backend_before
    return {"wall": wall, "thread": thread, "backend": backend_cpu, "affected": counts.finding_assets}


@contextmanager
def _exported(url: str, directory: Path) -> Iterator[dict[str, Path]]:
    files = {table: directory / f"{table}.copy" for table in BULK_TABLES}
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table, file in files.items():
            with file.open("wb") as out, cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for data in copy:
                    out.write(data)
    yield files


def _reload(url: str, files: dict[str, Path], *, foreign_keys: bool) -> dict[str, float]:
    """Empty the bulk tables and COPY the exported rows back in, in one transaction."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {', '.join(reversed(BULK_TABLES))}")
        if not foreign_keys:
            for table in BULK_TABLES:
                constraints = connection.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", (table,)
                ).fetchall()
                for (name,) in constraints:
                    connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        connection.execute("CHECKPOINT")
        backend = connection.info.backend_pid
        backend_before, started = _cpu_seconds(backend), time.perf_counter()
        with connection.transaction(), connection.cursor() as cursor:
            for table, file in files.items():
                with file.open("rb") as source, cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    while data := source.read(1 << 20):
                        copy.write(data)
        return {"wall": time.perf_counter() - started, "backend": _cpu_seconds(backend) - backend_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1GB")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = _ensure_file("nessus", args.size)
    parse_seconds = _parse_only(path)
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        with postgres_database() as url:
            merge_default = _merge_in_new_database(url, path, scratch)
        defaults = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        with postgres_database() as url:
            merge = _merge_in_new_database(url, path, scratch)
            gc.set_threshold(*defaults)
            plain_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
            with _exported(plain_url, Path(scratch)) as files:
                with_fks = _reload(plain_url, files, foreign_keys=True)
                without_fks = _reload(plain_url, files, foreign_keys=False)
    size_mb = path.stat().st_size / 1e6
    rows = [
        f"{size_mb:,.0f} MB .nessus, {int(merge['affected']):,} affected assets and as many evidence rows; "
        f"the target allows {2 * parse_seconds:.1f} s end to end (2x parse only)",
        "",
        "| step | wall (s) | Python CPU (s) | PostgreSQL backend CPU (s) |",
        "|---|---|---|---|",
        f"| parse only | {parse_seconds:.1f} | {parse_seconds:.1f} | - |",
        f"| merge only (records already parsed), Python's default GC thresholds | {merge_default['wall']:.1f} | "
        f"{merge_default['thread']:.1f} | {merge_default['backend']:.1f} |",
        f"| merge only (records already parsed), the worker's GC thresholds {GC_THRESHOLDS} | {merge['wall']:.1f} | "
        f"{merge['thread']:.1f} | {merge['backend']:.1f} |",
        f"| database only: COPY the bulk rows, with foreign keys | {with_fks['wall']:.1f} | 0 | "
        f"{with_fks['backend']:.1f} |",
        f"| database only: COPY the bulk rows, without foreign keys | {without_fks['wall']:.1f} | 0 | "
        f"{without_fks['backend']:.1f} |",
    ]
    print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()
