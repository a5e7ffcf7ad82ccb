"""Open Cap Format 1.2.0 export: the share capital and the titres participatifs as an
`.ocf.zip` (manifest, stakeholders, stock classes, transactions) checked against the
official schemas (scic/reports/ocf_schema) and OCF's logical rules before it is served.

Mapping. Members and title holders are stakeholders; each member category is a stock
class (its shares are the members' parts sociales), the titres participatifs another. A
subscription is a stock issuance whose security id is the subscription id. OCF securities
are consumed whole: a transfer, a reimbursement (a repurchase at the amount paid back) or
a correction that takes shares away consumes the member's securities first in, first out
and issues the rest as a balance security, and the shares transferred as new securities of
the receiver. A correction that gives shares back is a new issuance. What OCF cannot say —
partly paid shares, voting colleges, one member one vote, grants, ESUS — is in the
comments and in the sidecar `scic-sidecar.json`, and the manifest lists what is unmapped.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.schema import events
from scic.api.public.capital import CapitalTable
from scic.money import format_cents
from scic.projections import views
from scic.projections.tables import (
    funders,
    funding_movements,
    member_categories,
    members,
    movements,
    parties,
    title_issues,
)
from scic.reports.context import Context

SCHEMA_DIR = Path(__file__).parent / "ocf_schema" / "schema"
SCHEMA_BASE = "https://schema.opencaptablecoalition.com/v/1.2.0/"
FILES = {
    "OCF_STAKEHOLDERS_FILE": ("Stakeholders.ocf.json", "stakeholders_files"),
    "OCF_STOCK_CLASSES_FILE": ("StockClasses.ocf.json", "stock_classes_files"),
    "OCF_TRANSACTIONS_FILE": ("Transactions.ocf.json", "transactions_files"),
}
FILE_SCHEMAS = {
    "OCF_MANIFEST_FILE": "files/OCFManifestFile.schema.json",
    "OCF_STAKEHOLDERS_FILE": "files/StakeholdersFile.schema.json",
    "OCF_STOCK_CLASSES_FILE": "files/StockClassesFile.schema.json",
    "OCF_TRANSACTIONS_FILE": "files/TransactionsFile.schema.json",
}
MANIFEST = "Manifest.ocf.json"
SIDECAR = "scic-sidecar.json"
TITLES_CLASS = "sc_titres_participatifs"
UNMAPPED = [
    "partly paid shares: subscribed, called, paid and unpaid amounts per member (sidecar)",
    "voting colleges and their weights; one member, one vote whatever the shares (R4)",
    "category changes after subscription: securities keep the class they were issued in",
    "withdrawals waiting for reimbursement (R5): still shares until reimbursed",
    "grants, ESUS approvals and investments, calls and payments without share movements",
]
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class _Lot:
    security_id: str
    stakeholder_id: str
    stock_class_id: str
    quantity: int


@dataclass
class _Book:
    """Open securities per stakeholder, consumed first in, first out."""

    items: list[dict[str, Any]] = field(default_factory=list)
    lots: dict[str, list[_Lot]] = field(default_factory=lambda: defaultdict(list))
    counter: int = 0

    def issue(
        self, day: date, holder: str, klass: str, quantity: int, price: int, **extra: Any
    ) -> str:
        security = extra.pop("security_id", None) or self._new_id(holder)
        self.items.append(
            {
                "object_type": "TX_STOCK_ISSUANCE",
                "id": f"tx_{security}",
                "security_id": security,
                "custom_id": security,
                "date": day.isoformat(),
                "stakeholder_id": holder,
                "stock_class_id": klass,
                "quantity": str(quantity),
                "share_price": _money(price),
                "stock_legend_ids": [],
                "security_law_exemptions": [],
                **extra,
            }
        )
        self.lots[holder].append(_Lot(security, holder, klass, quantity))
        return security

    def take(self, holder: str, quantity: int) -> list[tuple[_Lot, int]]:
        """Lots consumed for `quantity` shares, and how much of each."""
        taken = []
        while quantity > 0:
            lot = self.lots[holder].pop(0)
            used = min(lot.quantity, quantity)
            taken.append((lot, used))
            quantity -= used
        return taken

    def consume(
        self, kind: str, day: date, holder: str, quantity: int, **extra: Any
    ) -> list[tuple[_Lot, int]]:
        taken = self.take(holder, quantity)
        for lot, used in taken:
            tx: dict[str, Any] = {
                "object_type": kind,
                "id": f"tx_{self._new_id(holder)}",
                "security_id": lot.security_id,
                "date": day.isoformat(),
                "quantity": str(used),
                **extra,
            }
            self.items.append(tx)
            if used < lot.quantity:
                balance = self._new_id(holder)
                tx["balance_security_id"] = balance
                self.issue(
                    day,
                    holder,
                    lot.stock_class_id,
                    lot.quantity - used,
                    0,
                    security_id=balance,
                    comments=[f"balance of {lot.security_id}"],
                )
                self.lots[holder].insert(0, self.lots[holder].pop())
        return taken

    def _new_id(self, holder: str) -> str:
        self.counter += 1
        return f"sec_{self.counter:06d}"


def _money(cents: int) -> dict[str, str]:
    return {"amount": format_cents(cents), "currency": "EUR"}


def package(conn: sa.Connection, ctx: Context) -> dict[str, Any]:
    """The OCF files (name → JSON document) and the sidecar, before zipping."""
    rules = ctx.statutes
    nominal = rules.share_nominal_cents
    names = views.member_names(conn, ctx.coop_id)
    history = _category_history(conn, ctx.coop_id)
    m = members.c
    member_rows = conn.execute(
        sa.select(m.member_id, m.kind, m.number)
        .where(m.coop_id == ctx.coop_id, m.admitted_on <= ctx.as_of)
        .order_by(m.admitted_on, m.member_id)
    ).all()
    stakeholders = [
        {
            "object_type": "STAKEHOLDER",
            "id": row.member_id,
            "name": {"legal_name": names.get(row.member_id, views.ERASED)},
            "stakeholder_type": "INDIVIDUAL" if row.kind == "person" else "INSTITUTION",
            # the cooperative's own number for the member (n° d'associé), when it has one
            "issuer_assigned_id": row.number or row.member_id,
            "comments": [f"category {_category_on(history, row.member_id, ctx.as_of)}"],
        }
        for row in member_rows
    ]
    classes = [
        {
            "object_type": "STOCK_CLASS",
            "id": f"sc_{c.code}",
            "name": f"Parts sociales — {c.name}",
            "class_type": "COMMON",
            "default_id_prefix": f"{c.code.upper()}-",
            "initial_shares_authorized": "UNLIMITED",
            "votes_per_share": "0",
            "par_value": _money(nominal),
            "price_per_share": _money(nominal),
            "seniority": "1",
            "comments": [
                "variable capital (R1): shares issued at nominal and reimbursed at most at it",
                "one member, one vote in colleges (R4): votes do not follow shares",
            ],
        }
        for c in rules.categories
    ]
    book = _Book()
    _shares(conn, ctx, book, history, nominal)
    holders = _titles(conn, ctx, book, classes)
    stakeholders += holders
    capital = CapitalTable.of(views.capital_table(conn, ctx.coop_id, ctx.as_of, None, "member"))
    college = CapitalTable.of(views.capital_table(conn, ctx.coop_id, ctx.as_of, None, "college"))
    sidecar = {
        "about": "What Open Cap Format 1.2.0 cannot say about this SCIC, as at as_of.",
        "as_of": ctx.as_of.isoformat(),
        "coop_id": ctx.coop_id,
        "share_nominal": format_cents(nominal),
        "unmapped": UNMAPPED,
        "holdings": [row.model_dump() for row in capital.rows],
        "totals": capital.totals.model_dump(),
        "colleges": [
            {"code": c.code, "name": c.name, "weight": str(c.weight), "categories": c.categories}
            for c in rules.colleges
        ],
        "capital_by_college": [row.model_dump() for row in college.rows],
    }
    return {
        "Stakeholders.ocf.json": {"file_type": "OCF_STAKEHOLDERS_FILE", "items": stakeholders},
        "StockClasses.ocf.json": {"file_type": "OCF_STOCK_CLASSES_FILE", "items": classes},
        "Transactions.ocf.json": {
            "file_type": "OCF_TRANSACTIONS_FILE",
            "items": _by_date(book.items),
        },
        SIDECAR: sidecar,
    }


def _by_date(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shares, then titles, merged by date; the sort is stable, so within a day each
    security is still issued before anything consumes it."""
    return sorted(items, key=lambda tx: str(tx["date"]))


def _category_history(conn: sa.Connection, coop_id: str) -> dict[str, list[tuple[date, str]]]:
    c = member_categories.c
    out: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for row in conn.execute(
        sa.select(c.member_id, c.effective_date, c.category)
        .where(c.coop_id == coop_id)
        .order_by(c.effective_date, c.position)
    ):
        out[row.member_id].append((row.effective_date, row.category))
    return out


def _category_on(history: dict[str, list[tuple[date, str]]], member: str, day: date) -> str:
    found = history[member][0][1] if history.get(member) else "?"
    for since, category in history.get(member, []):
        if since <= day:
            found = category
    return found


def _shares(
    conn: sa.Connection,
    ctx: Context,
    book: _Book,
    history: dict[str, list[tuple[date, str]]],
    nominal: int,
) -> None:
    """Share movements in timeline order — (effective date, position) — as OCF
    transactions; the two rows of a transfer are handled together."""
    mv = movements.c
    rows = conn.execute(
        sa.select(movements)
        .where(mv.coop_id == ctx.coop_id, mv.effective_date <= ctx.as_of, mv.shares != 0)
        .order_by(mv.effective_date, mv.position, mv.member_id)
    ).mappings()
    pending_in: dict[str, Any] = {}
    for row in rows:
        day, member, shares, kind = (
            row["effective_date"],
            row["member_id"],
            row["shares"],
            row["kind"],
        )
        if kind == "subscription":
            paid = format_cents(row["paid_cents"])
            book.issue(
                day,
                member,
                f"sc_{_category_on(history, member, day)}",
                shares,
                nominal,
                security_id=row["subscription_id"],
                comments=[f"subscribed {format_cents(row['subscribed_cents'])}, paid {paid}"],
            )
        elif kind in ("transfer-out", "transfer-in"):
            pending_in.setdefault(row["event_id"], {})[kind] = row
            pair = pending_in[row["event_id"]]
            if len(pair) == 2:
                _transfer(book, day, pair["transfer-out"], pair["transfer-in"], nominal)
        elif shares < 0:
            label = "TX_STOCK_REPURCHASE" if kind == "reimbursement" else "TX_STOCK_CANCELLATION"
            extra: dict[str, Any]
            if label == "TX_STOCK_REPURCHASE":
                per_share = -row["paid_cents"] // -shares if shares else 0
                extra = {"price": _money(per_share), "comments": ["reimbursement (R5, R6)"]}
            else:
                extra = {"reason_text": f"correction ({row['event_id']})"}
            book.consume(label, day, member, -shares, **extra)
        else:  # a correction giving shares back (a reversed reimbursement or transfer)
            book.issue(
                day,
                member,
                f"sc_{_category_on(history, member, day)}",
                shares,
                nominal,
                comments=[f"correction ({row['event_id']}) restoring shares"],
            )


def _transfer(book: _Book, day: date, out: Any, into: Any, nominal: int) -> None:
    giver, taker, shares = out["member_id"], into["member_id"], into["shares"]
    taken = book.take(giver, shares)
    for lot, used in taken:
        resulting = book._new_id(taker)
        tx: dict[str, Any] = {
            "object_type": "TX_STOCK_TRANSFER",
            "id": f"tx_{book._new_id(giver)}",
            "security_id": lot.security_id,
            "date": day.isoformat(),
            "quantity": str(used),
            "resulting_security_ids": [resulting],
        }
        book.items.append(tx)
        book.issue(
            day,
            taker,
            lot.stock_class_id,
            used,
            nominal,
            security_id=resulting,
            comments=[f"transferred from {giver} ({lot.security_id})"],
        )
        if used < lot.quantity:
            balance = book._new_id(giver)
            tx["balance_security_id"] = balance
            book.issue(
                day,
                giver,
                lot.stock_class_id,
                lot.quantity - used,
                0,
                security_id=balance,
                comments=[f"balance of {lot.security_id}"],
            )
            book.lots[giver].insert(0, book.lots[giver].pop())


def _titles(
    conn: sa.Connection, ctx: Context, book: _Book, classes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Titres participatifs (R11): their own class, holders as institution stakeholders."""
    t = title_issues.c
    issues = (
        conn.execute(
            sa.select(title_issues, parties.c.name, funders.c.type)
            .join(funders, funders.c.funder_id == t.holder_id)
            .join(parties, parties.c.party_id == funders.c.party_id)
            .where(t.coop_id == ctx.coop_id, t.issued_on <= ctx.as_of)
            .order_by(t.issued_on, t.issue_id)
        )
        .mappings()
        .all()
    )
    if not issues:
        return []
    classes.append(
        {
            "object_type": "STOCK_CLASS",
            "id": TITLES_CLASS,
            "name": "Titres participatifs",
            "class_type": "PREFERRED",
            "default_id_prefix": "TP-",
            "initial_shares_authorized": "NOT APPLICABLE",
            "votes_per_share": "0",
            "seniority": "2",
            "comments": [
                "quasi-equity (C. com. L228-36, account 1671), not share capital: no votes, "
                "redeemable at liquidation or by the issuer after 7 years (R11)"
            ],
        }
    )
    holders: dict[str, dict[str, Any]] = {}
    fm = funding_movements.c
    for issue in issues:
        holder = issue["holder_id"]
        holders.setdefault(
            holder,
            {
                "object_type": "STAKEHOLDER",
                "id": holder,
                "name": {"legal_name": issue["name"] or views.ERASED},
                "stakeholder_type": "INSTITUTION",
                "comments": [f"titres participatifs holder ({issue['type']})"],
            },
        )
        book.issue(
            issue["issued_on"],
            holder,
            TITLES_CLASS,
            issue["count"],
            issue["nominal_cents"],
            security_id=issue["issue_id"],
        )
        for redeemed in conn.execute(
            sa.select(fm.effective_date, fm.amount_cents)
            .where(
                fm.ref_id == issue["issue_id"],
                fm.kind != "issued",
                fm.effective_date <= ctx.as_of,
            )
            .order_by(fm.effective_date, fm.position)
        ):
            count = redeemed.amount_cents // issue["nominal_cents"]
            if count > 0:
                book.consume(
                    "TX_STOCK_REPURCHASE",
                    redeemed.effective_date,
                    holder,
                    count,
                    price=_money(issue["nominal_cents"]),
                    comments=["titres participatifs redeemed"],
                )
    return list(holders.values())


# -- the zip -----------------------------------------------------------------------------


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def md5(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def build_zip(conn: sa.Connection, ctx: Context) -> bytes:
    docs = package(conn, ctx)
    bodies = {name: _dump(doc) for name, doc in docs.items()}
    manifest: dict[str, Any] = {
        "ocf_version": "1.2.0",
        "file_type": "OCF_MANIFEST_FILE",
        "issuer": {
            "object_type": "ISSUER",
            "id": ctx.coop_id,
            "legal_name": ctx.coop_name,
            "formation_date": ctx.incorporated_on.isoformat(),
            "country_of_formation": "FR",
            "tax_ids": [{"tax_id": ctx.siren, "country": "FR"}] if ctx.siren else [],
            "comments": [
                f"SCIC {ctx.statutes.legal_form} à capital variable (loi 47-1775, titre II ter)"
            ],
        },
        "as_of": ctx.as_of.isoformat(),
        "generated_at": _generated_at(conn, ctx),
        "comments": [
            *(f"not mapped: {what}" for what in UNMAPPED),
            f"sidecar {SIDECAR} md5 {md5(bodies[SIDECAR])}",
        ],
        "stock_plans_files": [],
        "stock_legend_templates_files": [],
        "vesting_terms_files": [],
        "valuations_files": [],
    }
    for name, key in FILES.values():
        manifest[key] = [{"filepath": f"./{name}", "md5": md5(bodies[name])}]
    bodies = {MANIFEST: _dump(manifest), **bodies}
    problems = check(bodies)
    if problems:  # an export that OCF's own checks would refuse is a bug: never serve it
        raise RuntimeError("OCF export fails its checks: " + "; ".join(problems[:5]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in bodies.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME), body)
    return out.getvalue()


def _generated_at(conn: sa.Connection, ctx: Context) -> str:
    """When the ledger learnt the last event shown: the same export the same bytes."""
    last = conn.execute(
        sa.select(sa.func.max(events.c.recorded_at)).where(
            events.c.tenant_id == ctx.coop_id, events.c.effective_date <= ctx.as_of
        )
    ).scalar()
    stamp = last if isinstance(last, datetime) else datetime(2000, 1, 1, tzinfo=UTC)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


# -- checks: the schemas, the manifest's md5s, OCF's logical rules -------------------------


@cache
def _validators() -> dict[str, Any]:
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    out = {}
    for file_type, relative in FILE_SCHEMAS.items():
        schema = registry.contents(SCHEMA_BASE + relative)
        out[file_type] = validator_for(schema)(schema, registry=registry)
    return out


def schema_errors(doc: dict[str, Any]) -> list[str]:
    validator = _validators()[doc["file_type"]]
    return [
        f"{doc['file_type']} {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def check(bodies: dict[str, bytes]) -> list[str]:
    """Every problem found in a package (file name → bytes): empty when it is sound."""
    problems: list[str] = []
    manifest = json.loads(bodies[MANIFEST])
    docs = {MANIFEST: manifest}
    problems += schema_errors(manifest)
    for _name, key in FILES.values():
        for ref in manifest.get(key, []):
            path = ref["filepath"].removeprefix("./")
            if path not in bodies:
                problems.append(f"manifest names {path}, not in the package")
                continue
            if md5(bodies[path]) != ref["md5"]:
                problems.append(f"{path}: md5 differs from the manifest's")
            docs[path] = json.loads(bodies[path])
            problems += schema_errors(docs[path])
    if problems:
        return problems
    return logical_errors(
        manifest,
        docs["Stakeholders.ocf.json"]["items"],
        docs["StockClasses.ocf.json"]["items"],
        docs["Transactions.ocf.json"]["items"],
    )


def logical_errors(
    manifest: dict[str, Any],
    stakeholders: list[dict[str, Any]],
    classes: list[dict[str, Any]],
    transactions: list[dict[str, Any]],
) -> list[str]:
    """What OCF's validator checks beyond the schemas: unique ids; issuances name a known
    stakeholder and class; a transfer, repurchase or cancellation names a security issued
    before it and not yet consumed, for no more than it holds, and what it leaves over
    and hands on is issued for exactly the rest; dates in order, none after as_of."""
    problems: list[str] = []
    ids = [o["id"] for o in (*stakeholders, *classes, *transactions)]
    if len(ids) != len(set(ids)):
        problems.append("object ids are not unique")
    people = {s["id"] for s in stakeholders}
    kinds = {c["id"] for c in classes}
    issued: dict[str, dict[str, Any]] = {}
    consumed: set[str] = set()
    later = {t["security_id"]: t for t in transactions if t["object_type"] == "TX_STOCK_ISSUANCE"}
    last = ""
    for tx in transactions:
        when = tx["date"]
        if when < last:
            problems.append(f"{tx['id']}: dated {when}, before the transaction listed above it")
        last = max(last, when)
        if when > manifest["as_of"]:
            problems.append(f"{tx['id']}: dated after the package's as_of")
        security = tx["security_id"]
        if tx["object_type"] == "TX_STOCK_ISSUANCE":
            if security in issued:
                problems.append(f"{tx['id']}: security {security} issued twice")
            if tx["stakeholder_id"] not in people or tx["stock_class_id"] not in kinds:
                problems.append(f"{tx['id']}: unknown stakeholder or stock class")
            issued[security] = tx
            continue
        source = issued.get(security)
        if source is None or security in consumed:
            problems.append(f"{tx['id']}: security {security} not issued, or already consumed")
            continue
        consumed.add(security)
        if source["date"] > when:
            problems.append(f"{tx['id']}: before the issuance of {security}")
        held, used = int(source["quantity"]), int(tx["quantity"])
        handed = tx.get("resulting_security_ids", [])
        rest = tx.get("balance_security_id")
        if any(h not in later for h in handed) or (rest is not None and rest not in later):
            problems.append(f"{tx['id']}: names a resulting or balance security never issued")
            continue
        if handed and sum(int(later[h]["quantity"]) for h in handed) != used:
            problems.append(f"{tx['id']}: resulting securities do not add up to {used}")
        if used + (int(later[rest]["quantity"]) if rest else 0) != held:
            problems.append(f"{tx['id']}: {used} used and the balance do not make {held}")
    return problems


def outstanding(transactions: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Shares held per (stakeholder, stock class): issued securities not consumed."""
    consumed = {t["security_id"] for t in transactions if t["object_type"] != "TX_STOCK_ISSUANCE"}
    held: dict[tuple[str, str], int] = defaultdict(int)
    for t in transactions:
        if t["object_type"] == "TX_STOCK_ISSUANCE" and t["security_id"] not in consumed:
            held[(t["stakeholder_id"], t["stock_class_id"])] += int(t["quantity"])
    return held
