"""The pipeline's stages before the merge: read → parse → transform.

Each stage takes what the one before gives and knows nothing of the others:
- **read** streams the uploaded object through a counting reader that reports progress;
- **parse** runs the parser (``parsers.runner``) over it and yields records;
- **transform** passes the records through the pipeline's transforms, in order. There are none
  yet: parser actions (ignore, re-rate, link to a writeup) plug in here.
The merge and finish stages are in ``jobs.merging`` and ``jobs.finishing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from scanlift.jobs.attempt import Attempt
from scanlift.jobs.models import ImportJob, JobKind
from scanlift.jobs.progress import CountingReader
from scanlift.parsers.base import InvalidFile, Parser, ScanRecord
from scanlift.parsers.registry import ASSET_SOURCES, parser_for
from scanlift.parsers.runner import parse_stream
from scanlift.uploads.storage import ObjectStore

#: A transform sees the job and its records, and yields the records the merge should get.
Transform = Callable[[ImportJob, Iterator[ScanRecord]], Iterator[ScanRecord]]


@contextmanager
def read(storage: ObjectStore, attempt: Attempt) -> Iterator[CountingReader]:
    """The uploaded file, streamed, counting bytes as the parser pulls them."""
    job = attempt.job
    if job.file_size > attempt.settings.max_bytes:
        raise InvalidFile(job.source, f"the file is {job.file_size} bytes; the limit is {attempt.settings.max_bytes}")
    with storage.open(job.file_location, etag=job.file_etag) as raw:
        yield CountingReader(raw, attempt.on_bytes_read)


def parse(reader: CountingReader, job: ImportJob) -> Iterator[ScanRecord]:
    """The file's records; the head is checked and the parser chosen before this returns."""
    return parse_stream(reader, source=job.source, filename=job.original_filename, parser=_asset_parser(job))


def transform(records: Iterator[ScanRecord], job: ImportJob, transforms: Sequence[Transform]) -> Iterator[ScanRecord]:
    for step in transforms:
        records = step(job, records)
    return records


def _asset_parser(job: ImportJob) -> Parser | None:
    """Asset imports name their parser by PlexTrac's asset-import ids; file imports choose their own."""
    return parser_for(ASSET_SOURCES[job.source]) if job.kind == JobKind.ASSETS else None
