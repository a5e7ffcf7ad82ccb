"""The `scic` command: serve, database upgrade, import, rebuild, verify."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scic import database
from scic.settings import get_settings


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

    imp = commands.add_parser("import", help="append events from a JSON Lines file (resumable)")
    imp.add_argument("file")
    imp.add_argument("--batch-size", type=int, default=2_000)
    imp.set_defaults(run=_import)

    rebuild = commands.add_parser("rebuild", help="replay all events into the projections")
    rebuild.set_defaults(run=_rebuild)

    spec = commands.add_parser("openapi", help="write the OpenAPI contract (openapi/openapi.json)")
    spec.add_argument("--output", default="openapi/openapi.json")
    spec.set_defaults(run=_openapi)

    verify = commands.add_parser("verify", help="recompute the hash chain")
    verify.set_defaults(run=_verify)
    return parser


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

        print(seed_demo(service))
    print(f"SCIC ledger on http://{args.host}:{args.port}  (API docs: /docs)", flush=True)
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="info")
    return 0


def _import(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from ledger.bulk import import_jsonl
    from scic.service import open_service

    database.upgrade(_url())
    service = open_service(_url())
    size = os.path.getsize(args.file)
    with tqdm(total=size, unit="B", unit_scale=True, desc="import", file=sys.stderr) as bar:
        report = import_jsonl(service.store, args.file, args.batch_size, progress=bar.update,
                              actor="cli:import")
    print(f"{report.lines} lines: {report.appended} appended, {report.skipped} already there")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from scic.service import open_service

    count = open_service(_url()).store.rebuild()
    print(f"rebuilt projections from {count} events")
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

    report = open_service(_url()).store.verify()
    if report.ok:
        print(f"hash chain intact: {report.checked} events")
        return 0
    print(f"hash chain broken at position {report.first_broken_position}: {report.reason}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
