"""`scic bank import FILE --coop ID`: read a statement in from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parsers(commands: argparse._SubParsersAction, run: Any) -> None:  # type: ignore[type-arg]
    bank = commands.add_parser("bank", help="bank statements: import")
    verbs = bank.add_subparsers(title="bank commands", required=True)
    imp = verbs.add_parser("import", help="read a statement in (camt.053 001.02/001.08, OFX, CSV)")
    imp.add_argument("file")
    imp.add_argument("--coop", required=True)
    imp.add_argument("--account", default=None, help="bank account id (a CSV, several accounts)")
    imp.add_argument(
        "--mapping", default=None, help='CSV columns as JSON: {"date": "Date", "text": …}'
    )
    imp.set_defaults(run=run)


def import_statement(service: Any, args: argparse.Namespace) -> list[str]:
    """The lines to print: what was read, and each new line with its best proposal."""
    from scic.api.routes.bank import import_file
    from scic.money import format_cents, parse_cents

    path = Path(args.file)
    done = import_file(
        service,
        args.coop,
        path.read_bytes(),
        path.name,
        args.account,
        args.mapping,
        "cli",
    )
    out = [
        f"{path.name}: {done['format']}, {done['lines']} lines, {done['new_lines']} new, "
        f"{done['already_known']} already read (statement {done['statement_id']})"
    ]
    for line in done["new"]:
        amount = format_cents(parse_cents(line["amount"].lstrip("-")))
        sign = "-" if line["amount"].startswith("-") else "+"
        best = line["proposals"][0] if line["proposals"] else None
        proposal = (
            f"{best['kind']} {best['target_id']} ({best['name']}, score {best['score']})"
            if best
            else "no proposal"
        )
        out.append(f"  {line['booking_date']} {sign}{amount} {line['text'][:40]!r}: {proposal}")
    return out
