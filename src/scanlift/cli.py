"""``scanlift serve | worker | db upgrade | users create | import FILE | parse FILE``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from scanlift import logs
from scanlift.config import Settings, get_settings
from scanlift.supervise import Supervised


def main(argv: list[str] | None = None) -> None:
    parser = _argument_parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    service = args.handler in (_serve, _worker, _sweeper)
    logs.configure(settings.log_format if service else "text", settings.log_level)
    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code or 0)


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scanlift", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API (and, by default, workers beside it)")
    serve.set_defaults(handler=_serve)

    worker = commands.add_parser("worker", help="run import workers only")
    worker.add_argument("--concurrency", type=int, default=None, help="worker processes (default: cores)")
    worker.set_defaults(handler=_worker)

    sweeper = commands.add_parser("sweeper", help=argparse.SUPPRESS)
    sweeper.set_defaults(handler=_sweeper)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to this version's schema")
    upgrade.set_defaults(handler=_db_upgrade)

    users = commands.add_parser("users", help="manage users")
    user_commands = users.add_subparsers(required=True, metavar="ACTION")
    create = user_commands.add_parser("create", help="add a user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="default: prompt, or SCANLIFT_NEW_USER_PASSWORD")
    create.add_argument("--tenant", type=int, default=0)
    create.add_argument(
        "--role", choices=["administrator", "analyst", "viewer"], default="analyst", help="default: analyst"
    )
    create.add_argument("--admin", action="store_true", help="the same as --role administrator")
    create.set_defaults(handler=_users_create)

    upload = commands.add_parser("import", help="import a file through the four-step HTTP flow")
    upload.add_argument("file", type=Path)
    upload.add_argument("--client", type=int, required=True)
    upload.add_argument("--report", type=int, required=True)
    upload.add_argument("--source", required=True)
    upload.add_argument("--url", default=os.environ.get("SCANLIFT_URL", "http://127.0.0.1:8080"))
    upload.add_argument("--username", default=os.environ.get("SCANLIFT_USERNAME"))
    upload.add_argument("--password", default=os.environ.get("SCANLIFT_PASSWORD"))
    upload.add_argument("--asset-tag", action="append", default=[])
    upload.add_argument("--finding-tag", action="append", default=[])
    upload.add_argument("--parser-actions", action="store_true")
    upload.set_defaults(handler=_import)

    parse = commands.add_parser("parse", help="print a file's normalised records as JSON lines, offline")
    parse.add_argument("file", type=Path)
    parse.add_argument("--source", help="default: detect from the file's content")
    parse.set_defaults(handler=_parse)
    return parser


def _prepare_database(settings: Settings, *, migrate: bool) -> None:
    from scanlift.db.engine import Database, is_sqlite
    from scanlift.db.migrate import ensure_current, upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    try:
        if migrate and is_sqlite(db.engine):
            upgrade(settings.resolved_database_url)
        ensure_current(db.engine, settings.resolved_database_url)
    finally:
        db.dispose()


def _database_ready(settings: Settings, *, migrate: bool) -> bool:
    """Prepare the database for a service; False, once the reason is printed, when its schema is
    not this version's (the operator has to run ``scanlift db upgrade``, so retrying cannot help)."""
    from scanlift.db.migrate import SchemaOutOfDate

    try:
        _prepare_database(settings, migrate=migrate)
    except SchemaOutOfDate as exc:
        print(f"scanlift: {exc}", file=sys.stderr)
        return False
    return True


def _bootstrap(settings: Settings) -> None:
    from sqlalchemy.exc import IntegrityError

    from scanlift.auth.service import bootstrap_admin, ensure_tenant
    from scanlift.db.engine import Database

    db = Database(settings.resolved_database_url)
    try:
        with db.session() as session:
            ensure_tenant(session)
            password = settings.admin_password.get_secret_value() if settings.admin_password else None
            created = bootstrap_admin(session, email=settings.admin_email, password=password)
    except IntegrityError:
        created = None  # another replica starting at the same moment bootstrapped first
    finally:
        db.dispose()
    if created and created.generated_password:
        print(
            f"\n  Created admin {created.email} with password {created.generated_password}\n"
            "  (shown once; set SCANLIFT_ADMIN_PASSWORD before the first start to choose it)\n",
            flush=True,
        )
    elif created:
        print(f"Created admin {created.email}", flush=True)


def _serve(_args: argparse.Namespace) -> int:
    import uvicorn

    from scanlift.app import create_app

    settings = get_settings()
    if not _database_ready(settings, migrate=True):
        return 2
    _bootstrap(settings)
    worker = Supervised("worker", [sys.executable, "-m", "scanlift", "worker"])
    if settings.embedded_worker:
        worker.start()
    try:
        # log_config=None: uvicorn's lines go through scanlift's (JSON) logging like the rest.
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    finally:
        worker.stop()
    return 0


def _worker(args: argparse.Namespace) -> int:
    from scanlift.jobs.queue import make_celery
    from scanlift.jobs.tasks import register_tasks

    settings = get_settings()
    if not _database_ready(settings, migrate=False):
        return 2
    app = make_celery(settings)
    register_tasks(app, settings)
    sweeper = Supervised("sweeper", [sys.executable, "-m", "scanlift", "sweeper"])
    sweeper.start()
    concurrency = args.concurrency or settings.resolved_worker_concurrency
    try:
        app.worker_main(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--queues={settings.queue_name}",
                # Unique per process: RabbitMQ gives each node name one exclusive control queue,
                # so a second worker on the same host under the default name would stop at once.
                f"--hostname=scanlift-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ]
        )
    finally:
        sweeper.stop()
    return 0


def _sweeper(_args: argparse.Namespace) -> int:
    from scanlift.jobs.sweeper import SweepPolicy, run_forever
    from scanlift.runtime import Runtime

    settings = get_settings()
    runtime = Runtime(settings)
    policy = SweepPolicy(max_attempts=settings.job_max_attempts, retention_seconds=settings.job_retention_seconds)
    run_forever(runtime.db, runtime.queue, runtime.storage, policy, interval=settings.sweep_interval_seconds)
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from scanlift.db.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    print("database schema is up to date")
    return 0


def _users_create(args: argparse.Namespace) -> int:
    import getpass

    from scanlift.auth.roles import Role
    from scanlift.auth.service import create_user
    from scanlift.db.engine import Database
    from scanlift.errors import Conflict

    settings = get_settings()
    password = args.password or os.environ.get("SCANLIFT_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
    db = Database(settings.resolved_database_url)
    try:
        with db.session() as session:
            role = Role.ADMINISTRATOR if args.admin else Role(args.role)
            user = create_user(session, email=args.email, password=password, tenant_id=args.tenant, role=role)
            print(f"created user {user.email} (id {user.id}, tenant {user.tenant_id}, role {user.role})")
    except (ValueError, Conflict) as exc:
        print(f"scanlift: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def _import(args: argparse.Namespace) -> int:
    from scanlift.client import ApiError, ImportClient, progress_bar

    if not args.username or not args.password:
        print(
            "scanlift: --username and --password (or SCANLIFT_USERNAME/PASSWORD) are required",
            file=sys.stderr,
        )
        return 2
    if not args.file.is_file():
        print(f"scanlift: {args.file} is not a file", file=sys.stderr)
        return 2
    client = ImportClient(args.url, args.username, args.password)
    try:
        key = client.upload(args.file, lambda done, total: progress_bar("upload ", done, total))
        sys.stderr.write("\n")
        operation_id = client.trigger(
            args.client,
            args.report,
            args.source,
            key,
            args.file.name,
            tags={"assets": args.asset_tag, "findings": args.finding_tag},
            use_parser_actions=args.parser_actions,
        )
        print(f"queued import {operation_id}", file=sys.stderr)
        outcome = client.wait(
            operation_id, on_status=lambda row: progress_bar("import ", int(row.get("progress") or 0), 100)
        )
        sys.stderr.write("\n")
    except ApiError as exc:
        print(f"scanlift: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    print(json.dumps(outcome.job))
    if outcome.status != "IMPORT COMPLETE":
        print(f"scanlift: import failed: {outcome.error_status}", file=sys.stderr)
        return 1
    return 0


def _parse(args: argparse.Namespace) -> int:
    from scanlift.errors import UserError
    from scanlift.parsers.runner import parse_stream

    try:
        with args.file.open("rb") as handle:
            for record in parse_stream(handle, source=args.source or "auto", filename=args.file.name):
                payload = {"record": type(record).__name__, **dataclasses.asdict(record)}
                sys.stdout.write(json.dumps(payload, default=str) + "\n")
    except UserError as exc:
        print(f"scanlift: {exc}", file=sys.stderr)
        return 1
    return 0
