"""`scic bank import FILE --coop ID`: read a statement in from the command line;
`scic bank direct-debits --coop ID --due DATE -o FILE`: write the pain.008 of the calls
due (recorded, as through the API: the same calls are not debited twice)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any


def add_parsers(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    run: Any,
    run_file: Any,
) -> None:
    bank = commands.add_parser("bank", help="bank statements in, SEPA files out")
    verbs = bank.add_subparsers(title="bank commands", required=True)
    imp = verbs.add_parser("import", help="read a statement in (camt.053 001.02/001.08, OFX, CSV)")
    imp.add_argument("file")
    imp.add_argument("--coop", required=True)
    imp.add_argument("--account", default=None, help="bank account id (a CSV, several accounts)")
    imp.add_argument(
        "--mapping", default=None, help='CSV columns as JSON: {"date": "Date", "text": …}'
    )
    imp.set_defaults(run=run)
    debits = verbs.add_parser(
        "direct-debits",
        help="write the pain.008 of the calls due and unpaid at a date (each debit recorded)",
    )
    debits.add_argument("--coop", required=True)
    debits.add_argument("--due", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    debits.add_argument("--account", default=None, help="bank account id (when several)")
    debits.add_argument("-o", "--output", required=True, help="the file to write")
    debits.set_defaults(run=run_file, verb="direct-debits")


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


def write_file(service: Any, args: argparse.Namespace) -> list[str]:
    """Write the SEPA file asked for; the lines to print: what it holds, who it left out."""
    from scic.bank import direct_debits
    from scic.money import format_cents

    with service.engine.begin() as conn:
        done = direct_debits.produce(
            conn, args.coop, args.due, args.account, "cli", service.store.clock()
        )
    Path(args.output).write_bytes(done.content)
    total = sum(d.due.amount_cents for d in done.plan.debits)
    out = [
        f"{args.output}: {done.schema}, {len(done.plan.debits)} debits, "
        f"{format_cents(total)} EUR (file {done.file_id})"
    ]
    out += [f"  left out: {x.detail}" for x in done.plan.left_out]
    return out
