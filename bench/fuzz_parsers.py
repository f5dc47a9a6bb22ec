"""Coverage-guided fuzzing (atheris, libFuzzer) of format detection and of every parser's entry.

    make fuzz                                              # every target, 60 s each
    .venv/bin/python -m bench.fuzz_parsers --seconds 300 --targets auto,nessus,owaspzap

Each target runs in its own process: ``auto`` drives detection, a source id drives that parser,
both through the one runner the pipeline uses (``parsers.runner.parse_stream``), reading every
record. A parse may end in one way only besides success: a ``UserError`` (a bad file, said
clearly). Anything else counts as a crash, and so do a parse slower than ``--timeout`` seconds
and one that takes the process past ``--rss-limit-mb``. The seeds are the small real files of
the corpus and the fixtures; libFuzzer mutates them, keeping what reaches new code.

Every crashing input is copied to ``tests/parsers/fuzz_regressions/<target>-<sha1>.bin``, where
``tests/parsers/test_fuzz_regressions.py`` replays it through the same check on every test run:
commit it with the fix. A table of what ran is printed at the end (targets, executions, crashes).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = ROOT / "tests" / "parsers" / "fuzz_regressions"
SEED_DIRS = (ROOT.parent / "shared" / "corpus", ROOT / "tests" / "parsers" / "fixtures")
#: Seeds larger than this slow every mutation down without reaching more code.
MAX_SEED_BYTES = 48 * 1024


def check_one_input(data: bytes, source: str) -> None:
    """Parse ``data`` as ``source`` to the end; only a ``UserError`` may stop it (the contract)."""
    from scanlift.errors import UserError
    from scanlift.parsers.runner import parse_stream

    try:
        for _record in parse_stream(io.BytesIO(data), source=source, filename="fuzz-input"):
            pass
    except UserError:
        pass


def seeds() -> Iterator[Path]:
    for folder in SEED_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and 0 < path.stat().st_size <= MAX_SEED_BYTES and path.suffix not in {".md"}:
                yield path


def targets() -> list[str]:
    from scanlift.parsers.registry import AUTO, PARSERS

    return [AUTO, *sorted(PARSERS)]


def fuzz_one(target: str, libfuzzer_args: list[str]) -> None:
    """The child process: instrument scanlift's parsers and hand control to libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["scanlift"]):
        import scanlift.parsers.registry  # every parser module, instrumented
        import scanlift.parsers.runner  # noqa: F401

    def test_one_input(data: bytes) -> None:
        check_one_input(data, target)

    atheris.Setup([sys.argv[0], *libfuzzer_args], test_one_input)
    atheris.Fuzz()


def run_target(target: str, seconds: int, timeout: int, rss_limit_mb: int, workdir: Path) -> tuple[int, list[Path]]:
    """Fuzz one target for ``seconds``; its executions and the crashing inputs it saved."""
    corpus = workdir / target / "corpus"
    crashes = workdir / target / "crashes"
    corpus.mkdir(parents=True)
    crashes.mkdir()
    for seed in seeds():
        shutil.copyfile(seed, corpus / hashlib.sha1(seed.read_bytes(), usedforsecurity=False).hexdigest())
    args = [
        f"-max_total_time={seconds}",
        f"-timeout={timeout}",
        f"-rss_limit_mb={rss_limit_mb}",
        f"-artifact_prefix={crashes}/",
        "-max_len=65536",
        "-print_final_stats=1",
        str(corpus),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "bench.fuzz_parsers", "--child", target, "--", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        errors="replace",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    executions = re.findall(r"stat::number_of_executed_units:\s*(\d+)", run.stderr)
    found = sorted(path for path in crashes.iterdir() if path.is_file())
    if run.returncode != 0 and not found:
        sys.stderr.write(run.stderr[-4000:])
        raise RuntimeError(f"the fuzzer of {target!r} failed without saving an input (exit {run.returncode})")
    return (int(executions[-1]) if executions else 0), found


def keep_regression(target: str, crash: Path) -> Path:
    data = crash.read_bytes()
    kept = REGRESSIONS / f"{target}-{hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]}.bin"
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(data)
    return kept


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        fuzz_one(argv[1], argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--targets", default="", help="comma-separated: auto and source ids (default: all)")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=1024, help="memory one input may take the process to")
    options = parser.parse_args(argv)
    chosen = [t for t in options.targets.split(",") if t] or targets()
    rows = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scanlift-fuzz-") as tmp:
        for target in chosen:
            executions, crashes = run_target(target, options.seconds, options.timeout, options.rss_limit_mb, Path(tmp))
            kept = [keep_regression(target, crash) for crash in crashes]
            rows.append((target, executions, kept))
            print(f"{target}: {executions:,} inputs, {len(kept)} crashing", flush=True)
    print(f"\n{len(chosen)} targets, {options.seconds} s each, {time.monotonic() - started:.0f} s in all\n")
    print("| target | inputs run | crashing inputs kept |")
    print("|---|---|---|")
    for target, executions, kept in rows:
        names = ", ".join(path.name for path in kept) or "none"
        print(f"| {target} | {executions:,} | {names} |")
    return 1 if any(kept for _, _, kept in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
