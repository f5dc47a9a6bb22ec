"""Every bound on what an uploaded file may hold, in one place, read from SCANLIFT_* variables.

A file is hostile until parsed (``docs/security.md``). The defaults leave room for every real
export seen so far and stop what only an attack needs; an operator may move them within the
ranges below. Bounds on requests (body size, login attempts) are in ``config.Settings``.

The values are read once per process, when the parsers are imported.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

KiB = 1024
MiB = 1024 * KiB


class FileLimits(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCANLIFT_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    #: JSON nesting, in levels: deeper than any scanner export goes.
    json_max_depth: int = Field(default=256, ge=16, le=4096)
    #: The longest JSON number, in digits. Past Python's int-string limit (4,300), ijson's C
    #: backend crashes the process, so that is the ceiling.
    json_max_number_digits: int = Field(default=4000, ge=32, le=4000)
    #: The longest stretch of a JSON document between two quotes: bounds every string value.
    json_max_value_bytes: int = Field(default=8 * MiB, ge=64 * KiB, le=256 * MiB)
    #: A CSV header row longer than this is no header.
    csv_max_header_bytes: int = Field(default=1 * MiB, ge=4 * KiB, le=64 * MiB)
    #: The longest CSV line, and so the longest cell (whole plugin outputs sit in one cell).
    csv_max_line_bytes: int = Field(default=16 * MiB, ge=64 * KiB, le=1024 * MiB)
    #: A finding's id (the scanner's plugin id): longer ones end the import.
    max_id_chars: int = Field(default=256, ge=64, le=4096)
    #: An asset's name: longer ones end the import.
    max_name_chars: int = Field(default=1024, ge=255, le=65536)
    #: Titles and other short text; longer ones are cut with a visible marker.
    max_title_chars: int = Field(default=1024, ge=128, le=65536)
    #: Descriptions, recommendations and other long text; cut with a marker.
    max_text_chars: int = Field(default=1 * MiB, ge=4 * KiB, le=64 * MiB)
    #: One piece of evidence (a request, a response, a plugin output); cut with a marker.
    max_evidence_chars: int = Field(default=16 * MiB, ge=64 * KiB, le=256 * MiB)
    #: Items in one list of a record (references, CVEs, evidence…): more end the import.
    max_list_items: int = Field(default=10_000, ge=100, le=1_000_000)


@cache
def file_limits() -> FileLimits:
    return FileLimits()
