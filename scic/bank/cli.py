"""`scic bank import FILE --coop ID`: read a statement in from the command line;
`scic bank direct-debits --coop ID --due DATE -o FILE`: write the pain.008 of the calls
due, and `scic bank transfers --coop ID --on DATE -o FILE` the pain.001 of the payouts
owed (recorded, as through the API: nothing is produced twice)."""

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
    payouts = verbs.add_parser(
        "transfers",
        help="write the pain.001 of the reimbursements and remunerations owed (each recorded)",
    )
    payouts.add_argument("--coop", required=True)
    payouts.add_argument("--on", required=True, type=date.fromisoformat, help="execution date")
    payouts.add_argument("--account", default=None, help="bank account id (when several)")
    payouts.add_argument("-o", "--output", required=True, help="the file to write")
    payouts.set_defaults(run=run_file, verb="transfers")


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
    from scic.bank import direct_debits, transfers
    from scic.money import format_cents

    now = service.store.clock()
    with service.engine.begin() as conn:
        if args.verb == "direct-debits":
            debits = direct_debits.produce(conn, args.coop, args.due, args.account, "cli", now)
            file_id, schema, content = debits.file_id, debits.schema, debits.content
            cents = [d.due.amount_cents for d in debits.plan.debits]
            left = [x.detail for x in debits.plan.left_out]
        else:
            paid = transfers.produce(conn, args.coop, args.on, args.account, "cli", now)
            file_id, schema, content = paid.file_id, paid.schema, paid.content
            cents = [t.payout.amount_cents for t in paid.plan.transfers]
            left = [x.detail for x in paid.plan.left_out]
    Path(args.output).write_bytes(content)
    what = "debits" if args.verb == "direct-debits" else "transfers"
    out = [
        f"{args.output}: {schema}, {len(cents)} {what}, {format_cents(sum(cents))} EUR "
        f"(file {file_id})"
    ]
    out += [f"  left out: {detail}" for detail in left]
    return out
