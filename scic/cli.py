"""The `scic` command: serve, database upgrade, import, export, rebuild, verify, API tokens."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scic import database
from scic.settings import get_settings

if TYPE_CHECKING:
    from scic.service import Service


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scic", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed a demo cooperative if empty")
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="schema migrations")
    db_commands = db.add_subparsers(title="db commands", required=True)
    up = db_commands.add_parser("upgrade", help="migrate to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(run=lambda a: database.upgrade(_url(), a.revision))
    down = db_commands.add_parser("downgrade", help="migrate back to a revision")
    down.add_argument("revision")
    down.set_defaults(run=lambda a: database.downgrade(_url(), a.revision))

    imp = commands.add_parser(
        "import",
        help="events (.jsonl: to append, a backup, or the feed; .json: a feed page) or a "
        "member register (.csv, .xlsx, with --coop)",
    )
    imp.add_argument("file")
    imp.add_argument("--batch-size", type=int, default=2_000)
    imp.add_argument("--coop", help="a register's cooperative")
    imp.add_argument(
        "--dry-run", action="store_true", help="a register: check every line, write nothing"
    )
    imp.set_defaults(run=_import)

    exp = commands.add_parser(
        "export", help="back up events as recorded (JSONL) and their parties beside them"
    )
    scope = exp.add_mutually_exclusive_group(required=True)
    scope.add_argument("--coop", help="one cooperative's events")
    scope.add_argument("--all", action="store_true", help="every event (restores verbatim)")
    exp.add_argument("file", help="FILE.jsonl; parties go to FILE.parties.jsonl")
    exp.set_defaults(run=_export)

    rebuild = commands.add_parser("rebuild", help="replay all events into the projections")
    rebuild.set_defaults(run=_rebuild)

    spec = commands.add_parser("openapi", help="write the OpenAPI contract (openapi/openapi.json)")
    spec.add_argument("--output", default="openapi/openapi.json")
    spec.set_defaults(run=_openapi)

    verify = commands.add_parser("verify", help="recompute the hash chain")
    verify.set_defaults(run=_verify)

    _token_parsers(commands)
    return parser


def _token_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from scic.access.tokens import ROLES

    token = commands.add_parser("token", help="API tokens: create, list, revoke")
    token_commands = token.add_subparsers(title="token commands", required=True)
    create = token_commands.add_parser(
        "create", help="issue a token: printed once, as the last word of the output"
    )
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--coop", help="its cooperative (every role but admin)")
    create.add_argument("--party", help="member and funder tokens: the party they speak for")
    create.add_argument(
        "--expires",
        help="YYYY-MM-DD (through that day, French time) or an ISO 8601 datetime; default: never",
    )
    create.add_argument("--label", help="a note for whoever lists tokens later")
    create.set_defaults(run=_token_create)
    listing = token_commands.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--coop")
    listing.add_argument("--active", action="store_true", help="only usable tokens")
    listing.set_defaults(run=_token_list)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(run=_token_revoke)


def _url() -> str:
    return get_settings().database_url


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from scic.api.app import create_app
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    if args.demo:
        from scic.demo import seed_demo

        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        print(seed_demo(service, base_url=f"http://{host}:{args.port}"), flush=True)
        _print_demo_tokens(service)
    print(f"SCIC ledger on http://{args.host}:{args.port}  (API docs: /docs)", flush=True)
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="info")
    return 0


def _print_demo_tokens(service: Service) -> None:
    from scic.access.tokens import demo_tokens

    with service.engine.begin() as conn:
        print(demo_tokens(conn, service.store.clock()), flush=True)


def _token_create(args: argparse.Namespace) -> int:
    from scic.access import tokens
    from scic.errors import DomainError

    try:
        expires = tokens.parse_expiry(args.expires) if args.expires else None
        with _token_service() as service, service.engine.begin() as conn:
            issued = tokens.issue(
                conn,
                role=args.role,
                now=service.store.clock(),
                coop_id=args.coop,
                party_id=args.party,
                expires_at=expires,
                label=args.label,
                created_by="cli",
            )
    except (DomainError, ValueError) as exc:
        print(f"scic token create: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 2
    record = issued.record
    scope = f"cooperative {record['coop_id']}" if record["coop_id"] else "every cooperative"
    party = f", speaking for party {record['party_id']}" if record["party_id"] else ""
    print(
        f"token {record['id']}: {record['role']} of {scope}{party}; expires "
        f"{record['expires_at'] or 'never'}. It is shown this once:"
    )
    print(issued.secret)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    from scic.access import tokens

    with _token_service() as service, service.engine.connect() as conn:
        rows = tokens.listing(conn, service.store.clock(), args.coop, args.active)
    for r in rows:
        state = "active" if r["active"] else ("revoked" if r["revoked_at"] else "expired")
        print(
            f"{r['id']}  {r['role']:<10}  {r['coop_id'] or '-':<21}  {r['party_id'] or '-':<21}"
            f"  {state:<7}  expires {r['expires_at'] or 'never'}  {r['label'] or ''}".rstrip()
        )
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from scic.access import tokens
    from scic.errors import NotFound

    try:
        with _token_service() as service, service.engine.begin() as conn:
            record = tokens.revoke(conn, args.token_id, service.store.clock(), "cli")
    except NotFound as exc:
        print(f"scic token revoke: {exc.detail}", file=sys.stderr)
        return 1
    print(f"token {record['id']} revoked at {record['revoked_at']}")
    return 0


@contextmanager
def _token_service() -> Iterator[Service]:
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    try:
        yield service
    finally:
        service.close()


def _import(args: argparse.Namespace) -> int:
    from scic.register_import import SUFFIXES

    path = Path(args.file)
    if not path.is_file():
        return _fail("import", f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods"):
        return _fail("import", f"{path}: save the sheet as .xlsx or .csv first")
    if suffix in SUFFIXES:
        if args.coop is None:
            return _fail("import", f"{path}: a member register needs --coop ID")
        return _guarded("import", lambda: _import_register(path, args.coop, args.dry_run))
    if args.coop is not None or args.dry_run:
        return _fail("import", "--coop and --dry-run are for a member register (.csv, .xlsx)")
    return _guarded("import", lambda: _import_events(path, args.batch_size))


def _import_events(path: Path, batch_size: int) -> int:
    from ledger.bulk import import_jsonl
    from scic import backup

    service = _open()
    kind = backup.sniff(path)
    started = time.monotonic()
    if kind == "events":
        with _bar(path.stat().st_size, "import", "B") as bar:
            report = import_jsonl(
                service.store, path, batch_size, progress=bar.update, actor="cli:import"
            )
        print(
            f"{report.lines:,} lines: {report.appended:,} appended, "
            f"{report.skipped:,} already there{_took(started)}"
        )
        return 0
    beside = backup.parties_path(path)
    party_file = beside if beside.is_file() else None
    if party_file is None:
        print(f"note: no {beside.name} beside it: members will have no names", file=sys.stderr)
    with _bar(None if kind == "page" else _count_lines(path), "import", "event") as bar:
        done = backup.restore(service, backup.read_records(path, kind), party_file, bar.update)
    r = done.events
    print(
        f"restored {r.records:,} events{_took(started)}: {r.verbatim:,} verbatim (same positions"
        f" and hashes), {r.rechained:,} re-chained, {r.skipped:,} already there; "
        f"{done.parties:,} parties"
    )
    return 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def _import_register(path: Path, coop_id: str, dry_run: bool) -> int:
    from scic.register_import import RegisterRefused, import_register

    service = _open()
    started = time.monotonic()
    with _bar(None, "check" if dry_run else "import", "command") as bar:

        def total(count: int) -> None:
            bar.total = count
            bar.refresh()

        try:
            report = import_register(
                service, path, coop_id, dry_run=dry_run, progress=bar.update, on_plan=total
            )
        except RegisterRefused as refused:
            bar.close()
            for finding in refused.findings:
                print(f"{path.name} {finding}", file=sys.stderr)
            count = len(refused.findings)
            print(
                f"scic import: {count} problem{'s' * (count > 1)} in {path.name}; nothing written",
                file=sys.stderr,
            )
            return 1
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}", file=sys.stderr)
    figures = ", ".join(
        _counted(n, word)
        for n, word in (
            (report.members, "member"),
            (report.subscriptions, "subscription"),
            (report.payments, "payment"),
        )
    )
    if dry_run:
        print(f"dry run: {figures} from {path.name} are valid{_took(started)}; nothing written")
    else:
        print(f"imported {figures} from {path.name}{_took(started)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from scic import backup

    def run() -> int:
        service = _open()
        started = time.monotonic()
        with _bar(service.store.head(), "export", "event") as bar:
            report = backup.export(service, Path(args.file), args.coop, bar.update)
        print(
            f"exported {report.events:,} events to {args.file} and {report.parties:,} parties to "
            f"{report.parties_path}{_took(started)}"
        )
        return 0

    return _guarded("export", run)


def _open() -> Service:
    from scic.service import open_service

    database.upgrade(_url())
    return open_service(_url())


@contextmanager
def _bar(total: int | None, desc: str, unit: str) -> Iterator[Any]:
    """A tqdm progress bar on stderr (gone when done: the summary line replaces it)."""
    from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

    with tqdm(
        total=total, desc=desc, unit=unit, unit_scale=unit == "B", file=sys.stderr, leave=False
    ) as bar:
        yield bar


def _counted(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _took(started: float) -> str:
    return f" in {time.monotonic() - started:.1f} s"


def _fail(command: str, message: str) -> int:
    print(f"scic {command}: {message}", file=sys.stderr)
    return 1


def _guarded(command: str, run: Callable[[], int]) -> int:
    """A bad file or a refusal is one line on stderr and exit 1, never a traceback."""
    import sqlalchemy as sa

    from ledger.errors import LedgerError
    from scic.errors import DomainError

    try:
        return run()
    except (LedgerError, DomainError) as exc:
        return _fail(command, exc.detail)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return _fail(command, str(exc))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return _fail(command, f"the database refused it: {reason}")
    except Exception as exc:  # a file shaped in a way nobody foresaw: still one line
        if os.environ.get("SCIC_TRACEBACK"):
            raise
        return _fail(command, f"failed ({type(exc).__name__}: {exc}); SCIC_TRACEBACK=1 shows where")


def _rebuild(args: argparse.Namespace) -> int:
    from scic.service import open_service

    store = open_service(_url()).store
    started = time.monotonic()
    with _bar(store.head(), "rebuild", "event") as bar:
        count = store.rebuild(progress=bar.update)
    print(f"rebuilt projections from {count:,} events{_took(started)}")
    return 0


def openapi_document() -> str:
    import json

    from scic.api.app import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _openapi(args: argparse.Namespace) -> int:
    from pathlib import Path

    Path(args.output).write_text(openapi_document(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from scic.service import open_service

    store = open_service(_url()).store
    started = time.monotonic()
    with _bar(store.head(), "verify", "event") as bar:
        report = store.verify(progress=bar.update)
    if report.ok:
        print(f"hash chain intact: {report.checked:,} events verified{_took(started)}")
        return 0
    print(
        f"hash chain broken at position {report.first_broken_position}: {report.reason} "
        f"({report.checked:,} events verified before it{_took(started)})"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
