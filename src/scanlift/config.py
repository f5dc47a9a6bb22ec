"""One settings object for every process, read from SCANLIFT_* variables or a .env file."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

GiB = 1024**3


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCANLIFT_", env_file=".env", env_ignore_empty=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    #: Base URL that clients use to reach the API; presigned upload URLs are built on it.
    public_url: str | None = None
    data_dir: Path = Path("./data")
    #: SQLAlchemy URL. Default: SQLite in the data directory.
    database_url: str | None = None
    #: ``file:///path`` for the embedded object store (default: ``<data_dir>/objects``),
    #: or ``s3://bucket/prefix`` for S3 (AWS, MinIO, SeaweedFS; see the ``s3_*`` settings).
    storage_url: str | None = None
    #: S3 endpoint used by the API and workers, e.g. ``http://minio:9000``. Unset: AWS for ``s3_region``.
    s3_endpoint_url: str | None = None
    #: S3 endpoint that clients reach for presigned uploads (e.g. ``https://scans.example.com/cloud``).
    #: Default: ``s3_endpoint_url``.
    s3_public_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    #: Unset: the standard AWS credential chain (AWS_* variables, ~/.aws, instance roles).
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    #: Create the bucket on first start when it does not exist.
    s3_create_bucket: bool = True
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    #: Celery broker. Default: a file-system queue in the data directory, no server needed.
    broker_url: str | None = None
    #: Signs tokens and presigned URLs. Generated and kept in the data directory when unset.
    secret_key: SecretStr | None = None

    admin_email: str = "admin@scanlift.local"
    admin_password: SecretStr | None = None

    max_upload_bytes: int = Field(default=8 * GiB, gt=0)
    #: Every request body except a file upload's: JSON and form bodies are small.
    max_request_body_bytes: int = Field(default=1024 * 1024, gt=0)
    token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    presign_ttl_seconds: int = Field(default=60 * 60, gt=0)
    #: How long finished jobs stay listed by /api/v2/my-imports (PlexTrac keeps them one hour).
    job_retention_seconds: int = Field(default=60 * 60, gt=0)
    login_failures_per_minute: int = Field(default=10, gt=0)
    #: Failed logins from one client address per minute, whatever the user names, before 429.
    login_failures_per_address_per_minute: int = Field(default=30, gt=0)
    #: Proxies whose ``X-Forwarded-For`` is believed (addresses or networks, e.g. ``10.0.0.0/8``).
    #: Empty: the connecting address is the client's, and the header is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)

    #: Worker processes started by ``scanlift serve`` and ``scanlift worker``; 0 means one per core.
    worker_concurrency: int = Field(default=0, ge=0)
    #: ``scanlift serve`` starts workers beside the API unless this is false.
    embedded_worker: bool = True
    job_lease_seconds: int = Field(default=60, ge=5)
    job_max_attempts: int = Field(default=3, ge=1)
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    queue_poll_interval: float = Field(default=0.1, gt=0)
    #: Address-space cap for each worker process, so that a runaway parse fails alone.
    worker_memory_limit_mb: int = Field(default=4096, ge=0)
    #: A worker process whose peak memory passed this is replaced by a fresh one once its
    #: import ends, so that one huge file does not keep its memory held (0: never).
    worker_recycle_mb: int = Field(default=1024, ge=0)
    #: Scheduling priority drop for import processes (0-19), so that an API on the same host
    #: stays responsive while imports run.
    worker_nice: int = Field(default=10, ge=0, le=19)
    #: PostgreSQL: how many imports write into the database at once. Each keeps a database
    #: backend busy; the others parse into a spool meanwhile and merge when a slot frees up.
    max_concurrent_merges: int = Field(default=1, ge=1)
    #: How long an import retries (with backoff) while the database or object store is down.
    job_retry_seconds: float = Field(default=300.0, ge=0)
    #: Redis re-delivers a message not acknowledged within this time. The job lease already
    #: recovers dead workers' jobs, and a re-delivery of a running import is dropped by its
    #: claim, so this only has to be long enough not to churn; keep it above the longest import.
    broker_visibility_timeout_seconds: int = Field(default=24 * 3600, ge=1)
    #: Broker queue for import jobs; give each installation sharing one broker its own.
    queue_name: str = Field(default="imports", min_length=1)
    #: ``json`` (one JSON object per line) or ``text``.
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'scanlift.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or (self.data_dir.resolve() / "objects").as_uri()

    @property
    def queue_dir(self) -> Path:
        return self.data_dir.resolve() / "queue"

    @property
    def uses_embedded_broker(self) -> bool:
        return self.broker_url is None

    @property
    def resolved_worker_concurrency(self) -> int:
        return self.worker_concurrency or os.cpu_count() or 1

    def resolved_secret_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _persistent_secret(self.data_dir.resolve() / "secret_key")


def _persistent_secret(path: Path) -> str:
    """Every process of one installation must share the key, so it is written once and reused."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(candidate)
    return candidate


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
