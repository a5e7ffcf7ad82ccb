"""The `scic` command: serve, database upgrade, import, export, rebuild, verify, head, API
tokens, reports (FEC among them) and rule tables (TMO)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ledger import occupancy
from scic import database
from scic.bank import cli as bank_cli
from scic.settings import get_settings, shown

if TYPE_CHECKING:
    from ledger.receipts import Receipt
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
    serve.add_argument(
        "--no-dispatch", action="store_true", help="do not deliver webhooks in this process"
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run the scheduler in this process"
    )
    serve.add_argument("--no-mail", action="store_true", help="do not send mail from this process")
    serve.set_defaults(run=_serve)

    dispatch = commands.add_parser("dispatch", help="deliver webhooks (until stopped)")
    dispatch.add_argument("--once", action="store_true", help="one pass, then exit")
    dispatch.add_argument("--idle", type=float, default=0.5, help="seconds between idle looks")
    dispatch.add_argument("--lease", type=float, default=60.0, help="seconds a claim lasts")
    dispatch.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="total seconds one delivery may take (at most a third of the lease)",
    )
    dispatch.set_defaults(run=_dispatch)

    mail = commands.add_parser("mail", help="send the queued mails (until stopped)")
    mail.add_argument("--once", action="store_true", help="one pass, then exit")
    mail.add_argument("--idle", type=float, default=2.0, help="seconds between idle looks")
    mail.set_defaults(run=_mail)

    scheduler = commands.add_parser(
        "scheduler", help="run the scheduler: reminders, nightly chain verification"
    )
    scheduler.add_argument(
        "--every", type=float, default=900.0, help="seconds between reminder runs"
    )
    scheduler.set_defaults(run=_scheduler)

    db = commands.add_parser("db", help="schema migrations")
    db_commands = db.add_subparsers(title="db commands", required=True)
    up = db_commands.add_parser("upgrade", help="migrate to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(run=lambda a: database.upgrade(_url(), a.revision))
    down = db_commands.add_parser("downgrade", help="migrate back to a revision")
    down.add_argument("revision")
    down.set_defaults(run=lambda a: database.downgrade(_url(), a.revision))
    grant = db_commands.add_parser(
        "grant",
        help="PostgreSQL: give ROLE the least privileges `scic serve` needs (run as the owner"
        " after each upgrade)",
    )
    grant.add_argument("role")
    grant.set_defaults(run=_grant)

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
    imp.add_argument(
        "--apply-corrections",
        action="store_true",
        help="a register: record each line that contradicts the ledger as a correction "
        "(run it with --dry-run first to see them)",
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

    verify = commands.add_parser(
        "verify", help="recompute the hash chain and hold it against receipts of its head"
    )
    verify.add_argument(
        "--head",
        action="append",
        default=[],
        metavar="POSITION:HASH",
        help="a head noted earlier (`scic head`); repeatable",
    )
    verify.add_argument(
        "--receipts",
        nargs="?",
        const="",
        metavar="FILE",
        help="also the receipts in FILE (JSON Lines, as `scic head --receipts` prints them); "
        "without FILE, the stored ones only; says how many held the chain",
    )
    verify.add_argument(
        "--projections",
        action="store_true",
        help="also replay into the projections (rolled back) and name the first row that differs",
    )
    verify.set_defaults(run=_verify)

    head = commands.add_parser("head", help="print the chain's head: position and hash")
    printed = head.add_mutually_exclusive_group()
    printed.add_argument(
        "--sign",
        metavar="REASON",
        help="also record a receipt signed with SCIC_RECEIPT_KEY, printed as JSON",
    )
    printed.add_argument(
        "--receipts",
        action="store_true",
        help="print the receipts stored in the database as JSON Lines, to keep copies elsewhere",
    )
    head.set_defaults(run=_head)

    _token_parsers(commands)
    from scic.accounts import cli as accounts_cli

    accounts_cli.add_parsers(commands, _token_service)
    bank_cli.add_parsers(commands, _bank_import, _bank_file)
    _report_parser(commands)
    _rules_parser(commands)
    return parser


# -- scic report: the documents of scic.reports, to a file or stdout -----------------------


def _report_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser(
        "report", help="write a report (registers, statements, OCF) as JSON, CSV, XLSX or PDF"
    )
    report.add_argument("name", help="member-register, movements, capital-variation, …")
    report.add_argument("--coop", required=True)
    when = report.add_mutually_exclusive_group()
    when.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    when.add_argument("--year", type=int, help="a fiscal year")
    report.add_argument("--format", help="json, csv, xlsx, pdf (ocf: zip)")
    report.add_argument("--funder", help="grant-statement: one funder's")
    report.add_argument("-o", "--output", help="file to write (default: standard output)")
    report.add_argument(
        "--encoding", choices=("iso-8859-15", "utf-8"), default="iso-8859-15", help="fec only"
    )
    report.add_argument(
        "--include-open", action="store_true", help="fec only: an open year, not validated"
    )
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    if args.name == "fec":  # a text file of its own shape (R17), from scic.accounting
        return _report_fec(args)
    import os
    import tempfile
    from datetime import date

    from tqdm import tqdm

    from scic import reports
    from scic.errors import DomainError
    from scic.reports.context import resolve
    from scic.service import open_service

    service = open_service(_url())
    try:
        with tqdm(total=3, desc=f"report {args.name}", file=sys.stderr, leave=False) as bar:
            spec = reports.spec_of(args.name)
            fmt = reports.check_format(spec, args.format)
            as_of = date.fromisoformat(args.as_of) if args.as_of else None
            with service.engine.connect() as conn:
                ctx = resolve(conn, args.coop, service.today(), as_of, args.year, args.funder)
                bar.update()
                file = reports.render(conn, spec, ctx, fmt)
                bar.update()
            if args.output is None:
                sys.stdout.buffer.write(file.body)
                sys.stdout.flush()
            else:  # written whole, then renamed: never a half-written report on disk
                folder = os.path.dirname(os.path.abspath(args.output))
                with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
                    tmp.write(file.body)
                os.replace(tmp.name, args.output)
            bar.update()
    except (DomainError, ValueError) as exc:
        print(f"scic report: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 2
    finally:
        service.close()
    if args.output is not None:
        print(f"wrote {args.output} ({file.filename}, {len(file.body)} bytes)")
    return 0


def _token_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from scic.access.tokens import ROLES

    token = commands.add_parser("token", help="API tokens: create, list, revoke")
    token_commands = token.add_subparsers(title="token commands", required=True)
    create = token_commands.add_parser(
        "create", help="issue a token: printed once, as the last word of the output"
    )
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--coop", help="its cooperative (every role but admin)")
    create.add_argument("--member", help="member tokens: the member (mbr_…) it speaks for")
    create.add_argument("--funder", help="funder tokens: the funder (fnd_…) it speaks for")
    create.add_argument(
        "--party", help="member and funder tokens: the party (pty_…) it speaks for, instead"
    )
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
    url = get_settings().database_url
    database.prepare(url)
    return url


def _grant(args: argparse.Namespace) -> int:
    try:
        statements = database.grant_serve_role(_url(), args.role)
    except ValueError as exc:
        return _fail("db grant", str(exc))
    print("\n".join(statements))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from scic.api.app import create_app
    from scic.api.connections import with_header_timeout
    from scic.service import open_service

    print(f"database: {shown(_url())}", flush=True)
    database.upgrade(_url())
    service = open_service(_url())
    service.events_out = get_settings().events_out()
    if args.demo:
        from scic.demo import seed_demo

        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        print(seed_demo(service, base_url=f"http://{host}:{args.port}"), flush=True)
        _print_demo_tokens(service)
    print(f"SCIC ledger on http://{args.host}:{args.port}  (API docs: /docs)", flush=True)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from loopback; the app
    # believes it only from SCIC_TRUSTED_PROXIES (scic.access.guard.client_address).
    with (
        _events_out(service, not args.no_dispatch, not args.no_scheduler, not args.no_mail),
        occupancy.claim(service.engine, alone=False),
    ):
        uvicorn.run(
            create_app(service),
            host=args.host,
            port=args.port,
            log_level="info",
            proxy_headers=False,
            # An idle keep-alive connection closes after 5 s; a request's line and
            # headers are at most 64 KiB and due within SCIC_HEADER_TIMEOUT (h11, see
            # scic.api.connections); beyond 1,000 connections at once new ones get
            # 503. A body must arrive within 30 s (scic.api.limits).
            http=with_header_timeout(get_settings().header_timeout),
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=65536,
            limit_concurrency=1000,
        )
    return 0


@contextmanager
def _events_out(
    service: Service, dispatch: bool, schedule: bool, mail: bool = True
) -> Iterator[None]:
    """The webhook dispatcher, the mail sender and the scheduler beside the API, stopped
    with it."""
    import threading

    from scic.integrations.dispatcher import Dispatcher
    from scic.integrations.scheduler import Scheduler
    from scic.mail.sender import MailSender

    stop = threading.Event()
    dispatcher = Dispatcher(service) if dispatch else None
    worker = None
    if dispatcher is not None:
        worker = threading.Thread(target=dispatcher.run, args=(stop,), daemon=True)
        worker.start()
    mailer = None
    if mail:
        sender = MailSender(service)  # without SCIC_SMTP_URL its first pass says so, once
        mailer = threading.Thread(target=sender.run, args=(stop,), daemon=True)
        mailer.start()
    scheduler = Scheduler(service) if schedule else None
    if scheduler is not None:
        scheduler.start()
    try:
        yield
    finally:
        stop.set()
        if worker is not None:
            worker.join(timeout=15)
        if mailer is not None:
            mailer.join(timeout=30)
        if dispatcher is not None:
            dispatcher.close()
        if scheduler is not None:
            scheduler.shutdown()


def _dispatch(args: argparse.Namespace) -> int:
    import signal
    import threading
    from datetime import timedelta

    from scic.integrations.dispatcher import Dispatcher
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    service.events_out = get_settings().events_out()
    dispatcher = Dispatcher(service, timeout=args.timeout, lease=timedelta(seconds=args.lease))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("dispatcher running", flush=True)
    try:
        if args.once:
            print(f"{dispatcher.run_once()} attempts")
        else:
            dispatcher.run(stop, idle=args.idle)
    except KeyboardInterrupt:
        pass
    finally:
        dispatcher.close()
        service.close()
    return 0


def _mail(args: argparse.Namespace) -> int:
    import signal
    import threading

    from scic.mail.sender import MailSender
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    sender = MailSender(service)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        f"mail sender running ({sender.smtp or 'SCIC_SMTP_URL is not set: nothing is sent'})",
        flush=True,
    )
    try:
        if args.once:
            print(f"{sender.run_once()} mails sent or skipped")
        else:
            sender.run(stop, idle=args.idle)
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
    return 0


def _scheduler(args: argparse.Namespace) -> int:
    import signal
    import threading
    from datetime import timedelta

    from scic.integrations.scheduler import Scheduler
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    scheduler = Scheduler(
        service,
        reminders_every=timedelta(seconds=args.every),
        on_leadership=lambda leader: print("leader" if leader else "follower", flush=True),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler.start()
    print("scheduler running", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown()
        service.close()
    return 0


def _print_demo_tokens(service: Service) -> None:
    """The demo tokens, the same from one start to the next: only hashes are in the
    database, so the secrets printed are kept in a file of the user data directory (read
    and written by its owner only) and printed again while they remain valid."""
    import json

    from scic.access.tokens import demo_tokens

    path = demo_tokens_file(_url())
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    before = dict(kept)
    with service.engine.begin() as conn:
        print(demo_tokens(conn, service.store.clock(), kept=kept), flush=True)
        print(_demo_accounts(conn, service.store.clock(), kept), flush=True)
    if kept != before:
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(kept, out, indent=1)
    print(f"(demo tokens kept in {path}: the same ones are printed at the next start)")


def _demo_accounts(conn: sa.Connection, now: Any, kept: dict[str, str]) -> str:
    """One account per role on the demo cooperative (scic.accounts.demo)."""
    from scic.access.tokens import first_coop
    from scic.accounts.demo import demo_accounts

    coop_id = first_coop(conn)
    return demo_accounts(conn, now, coop_id, kept) if coop_id else ""


def demo_tokens_file(url: str) -> Path:
    """Where the demo tokens of a database are kept: one file per database."""
    import hashlib

    import platformdirs

    sqlite = database.sqlite_file(url)
    key = f"sqlite:{sqlite.resolve()}" if sqlite is not None else url
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return platformdirs.user_data_path("scic", appauthor=False) / "demo-tokens" / f"{digest}.json"


def _token_create(args: argparse.Namespace) -> int:
    from scic.access import tokens
    from scic.errors import DomainError

    url = _url()
    print(f"database: {shown(url)}", file=sys.stderr)
    new = database.is_new(url)
    try:
        expires = tokens.parse_expiry(args.expires) if args.expires else None
        with _token_service() as service, service.engine.begin() as conn:
            _warn_if_empty(conn, url, new)
            issued = tokens.issue(
                conn,
                role=args.role,
                now=service.store.clock(),
                coop_id=args.coop,
                party_id=args.party,
                member_id=args.member,
                funder_id=args.funder,
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


def _warn_if_empty(conn: sa.Connection, url: str, new: bool) -> None:
    """A token for a database nobody uses works nowhere: say so (the usual cause is a
    SCIC_DATABASE_URL other than the server's)."""
    from scic.projections.tables import coops

    if new:
        state = "is a new database (created just now)"
    elif conn.execute(sa.select(coops.c.coop_id).limit(1)).first() is None:
        state = "holds no cooperative yet"
    else:
        return
    print(
        f"warning: {shown(url)} {state}: is SCIC_DATABASE_URL the one the server uses?",
        file=sys.stderr,
    )


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


def _bank_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail("bank import", f"{path}: no such file")

    def run() -> int:
        for line in bank_cli.import_statement(_open(), args):
            print(line)
        return 0

    return _guarded("bank import", run)


def _bank_file(args: argparse.Namespace) -> int:
    def run() -> int:
        for line in bank_cli.write_file(_open(), args):
            print(line)
        return 0

    return _guarded(f"bank {args.verb}", run)


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
        return _guarded(
            "import",
            lambda: _import_register(path, args.coop, args.dry_run, args.apply_corrections),
        )
    if args.coop is not None or args.dry_run or args.apply_corrections:
        return _fail(
            "import",
            "--coop, --dry-run and --apply-corrections are for a member register (.csv, .xlsx)",
        )
    return _guarded("import", lambda: _import_events(path, args.batch_size))


def _import_events(path: Path, batch_size: int) -> int:
    from scic import backup

    service = _open()
    kind = backup.sniff(path)
    started = time.monotonic()
    if kind == "events":
        with _bar(path.stat().st_size, "import", "B") as bar:
            report = backup.import_events(service, path, batch_size, progress=bar.update)
        print(
            f"{report.lines:,} lines: {report.appended:,} appended, "
            f"{report.skipped:,} already there{_took(started)}"
            f"{_rate(started, report.appended)}"
        )
        return 0
    beside = backup.parties_path(path)
    party_file = beside if beside.is_file() else None
    if party_file is None:
        print(f"note: no {beside.name} beside it: members will have no names", file=sys.stderr)
    with _bar(None if kind == "page" else _count_lines(path), "import", "event") as bar:
        done = backup.restore(
            service, backup.read_records(path, kind), party_file, bar.update, source=path.name
        )
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


def _import_register(path: Path, coop_id: str, dry_run: bool, apply_corrections: bool) -> int:
    from scic.register_import import RegisterRefused, import_register

    service = _open()
    with _bar(None, "check" if dry_run else "import", "command") as bar:

        def total(count: int) -> None:
            bar.total = count
            bar.refresh()

        try:
            report = import_register(
                service,
                path,
                coop_id,
                dry_run=dry_run,
                apply_corrections=apply_corrections,
                progress=bar.update,
                on_plan=total,
            )
        except RegisterRefused as refused:
            bar.close()
            for finding in refused.findings:
                print(f"{path.name} {finding}", file=sys.stderr)
            for contradiction in refused.contradictions:
                print(f"{path.name} {contradiction}", file=sys.stderr)
            count = len(refused.findings) + len(refused.contradictions)
            what = "problem" if refused.findings else "contradiction"
            hint = ""
            correctable = all(c.correctable for c in refused.contradictions)
            if refused.contradictions and correctable and not refused.findings:
                hint = " (--apply-corrections records them as corrections)"
            print(
                f"scic import: {count} {what}{'s' * (count > 1)} in {path.name}; "
                f"nothing written{hint}",
                file=sys.stderr,
            )
            return 1
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}", file=sys.stderr)
    for fix in report.corrections:
        verb = "would correct" if dry_run else "corrected"
        print(f"{verb} line {fix.line} ({fix.member}): {fix.what}: {fix.ledger} → {fix.file}")
    print(report.summary())
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


def _rate(started: float, events: int) -> str:
    """The figure a long run ends on: events per second."""
    return f" ({events / max(time.monotonic() - started, 1e-6):,.0f} events/s)"


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
    try:
        with (
            occupancy.claim(store.engine, alone=True),
            _bar(store.head(), "rebuild", "event") as bar,
        ):
            count = store.rebuild(progress=bar.update)
    except occupancy.InUse as busy:
        print(f"scic rebuild: {busy}", file=sys.stderr)
        return 1
    print(f"rebuilt projections from {count:,} events{_took(started)}{_rate(started, count)}")
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
    import json
    from datetime import UTC, datetime

    from ledger.receipts import Receipt
    from scic.service import open_service

    anchors = []
    for given in args.head:
        position, _, head_hash = given.partition(":")
        if not position.isdigit() or len(head_hash) != 64:
            print(f"--head {given!r}: expected POSITION:HASH (64 hex digits)", file=sys.stderr)
            return 2
        anchors.append(Receipt(int(position), head_hash, datetime.now(UTC), "--head", ""))
    if args.receipts:
        with open(args.receipts, encoding="utf-8") as lines:
            anchors += [Receipt.from_json(json.loads(line)) for line in lines if line.strip()]
    key = get_settings().receipt_key
    store = open_service(_url()).store
    started = time.monotonic()
    with _bar(store.head(), "verify", "event") as bar:
        report = store.verify(anchors, key.encode() if key else None, progress=bar.update)
    if not report.ok:
        print(
            f"hash chain broken at position {report.first_broken_position}: {report.reason} "
            f"({report.checked:,} events verified before it{_took(started)})"
        )
        return 1
    print(
        f"hash chain intact: {report.checked:,} events verified{_took(started)}, "
        + _held_against(anchors, store.stored_receipts(), key is not None)
    )
    if args.projections:
        drift = store.projection_drift()
        if drift is not None:
            print(
                f"projection {drift.table} row {drift.key}: stored {drift.stored}, "
                f"the events give {drift.replayed}"
            )
            return 1
        print("projections match a replay of the events")
    print(NOT_VERIFIED)
    return 0


NOT_VERIFIED = (
    "not verified: parties (names, addresses: kept outside the chain so they can be erased)"
    " and api_tokens (roles, revocations) have no audit trail; an edit made in the database"
    " to either is not seen"
)


def _held_against(given: list[Receipt], stored: list[Receipt], keyed: bool) -> str:
    """What the chain was held against: receipts (given, stored), or the plain fact that
    nothing outside the chain pins it."""
    if not given and not stored:
        return "held against no receipt: nothing outside the chain pins its head" + (
            "" if keyed else " (SCIC_RECEIPT_KEY unset: none are recorded)"
        )
    newest = max([*given, *stored], key=lambda r: r.position)
    return (
        f"held against {len(given)} given and {len(stored)} stored receipts, the newest at "
        f"position {newest.position} ({newest.reason})"
        + ("" if keyed else " (signatures not checked: SCIC_RECEIPT_KEY unset)")
    )


def _head(args: argparse.Namespace) -> int:
    import json

    from scic.service import open_service

    store = open_service(_url()).store
    if args.receipts:
        for receipt in store.stored_receipts():
            print(json.dumps(receipt.to_json()))
        return 0
    if args.sign is None:
        position, head_hash = store.head_of_chain()
        print(f"{position}:{head_hash}")
        return 0
    key = get_settings().receipt_key
    if not key:
        print(
            "scic head --sign needs SCIC_RECEIPT_KEY (a key kept outside the database)",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(store.issue_receipt(key.encode(), args.sign).to_json()))
    return 0


# -- accounting: `scic report fec`, `scic rules tmo-set` (R8, R17) ----------------------


def _rules_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rules = commands.add_parser("rules", help="dated rule tables")
    rule_names = rules.add_subparsers(title="rules", required=True)
    tmo = rule_names.add_parser("tmo-set", help="record the published TMO of a year (R8)")
    tmo.add_argument("--year", type=int, required=True)
    tmo.add_argument("--rate", required=True, help='decimal rate, e.g. "0.0345" for 3.45 %%')
    tmo.add_argument("--source", required=True)
    tmo.set_defaults(run=_tmo_set)


def _report_fec(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scic.accounting.exports import fec_export
    from scic.errors import DomainError

    if args.year is None:
        print("scic report fec: --year is required", file=sys.stderr)
        return 2
    with _token_service() as service, service.engine.connect() as conn:
        try:
            exported = fec_export(
                service.store, conn, args.coop, args.year, args.encoding, args.include_open
            )
        except DomainError as exc:
            print(f"{exc.slug}: {exc.detail}", file=sys.stderr)
            return 1
    target = Path(args.output or exported.name)
    if target.is_dir():
        target = target / exported.name
    target.write_bytes(exported.content)
    print(f"wrote {exported.lines} lines to {target}")
    return 0


def _tmo_set(args: argparse.Namespace) -> int:
    from datetime import date

    from ledger import NewEvent
    from scic.accounting.reads import rules_request
    from scic.domain.surplus import TmoRateSet
    from scic.write.pipeline import append_events

    data = TmoRateSet(year=args.year, rate=args.rate, source=args.source).model_dump(mode="json")
    with _token_service() as service, service.store.write() as session:
        rate = NewEvent("TmoRateSet", data, date(args.year + 1, 1, 1))
        append_events(session, [rules_request([rate], "cli:admin")], service.today())
    print(f"TMO {args.year} = {args.rate}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
