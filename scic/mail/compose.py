"""A queued mail made into a message: its recipients resolved now (a member's current
address and language, its opt-out), its words rendered, its attachments built.

Header safety: names and subjects may come from anyone (a member's name). Carriage
returns, line feeds and other control characters are replaced by spaces before they
reach a header, addresses must be one `local@domain` without spaces or controls, and
the headers are written by `email.headerregistry` (which encodes and folds them), so
nothing a name holds can add a header or a recipient to the SMTP conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa

from scic.documents import certificate, render, subscription_form
from scic.documents.lang import Lang, day, euros
from scic.documents.tables import coop_profiles
from scic.errors import named
from scic.mail.tables import mail_preferences
from scic.mail.templates import NOTICES, REQUESTS
from scic.mail.templates import render as render_text
from scic.projections import funding_views, views
from scic.projections.tables import members, parties

_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+@[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+$")
MANAGER_ROLES = ("manager",)
REGISTER = {"fr": "la SCIC", "en": "the SCIC"}


@dataclass(frozen=True)
class Skip:
    """Nothing to send: `reason` is listed in the delivery log (no-email, opted-out…)."""

    reason: str


@dataclass
class Composed:
    message: EmailMessage
    recipients: list[str]
    subject: str
    attachments: list[str] = field(default_factory=list)


def one_line(text: str) -> str:
    """Header text: controls (CR, LF…) become a space, never a new header line."""
    return _CONTROLS.sub(" ", text).strip()


def valid_address(address: str | None) -> str | None:
    if address is None:
        return None
    address = address.strip()
    return address if _ADDRESS.fullmatch(address) and len(address) <= 254 else None


def compose(conn: sa.Connection, row: Any, sender: str, now: datetime) -> Composed | Skip:
    # an administrator's password reset belongs to no cooperative
    coop = views.coop_row(conn, row["coop_id"]) if row["coop_id"] else {"name": ""}
    people = _recipients(conn, row)
    if isinstance(people, Skip):
        return people
    (name, party_id), addresses = people
    lang = _lang(conn, row, party_id)
    if party_id is not None and not row["legal"] and _opted_out(conn, party_id):
        return Skip("opted-out")
    values = _values(conn, row, lang, coop["name"] or REGISTER[lang], name)
    rendered = render_text(row["kind"], lang, values, row["recipient"])
    message = EmailMessage()
    message["Subject"] = one_line(rendered.subject)
    message["From"] = _from(sender)
    message["To"] = [Address(one_line(name or ""), addr_spec=a) for a in addresses]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{row['mail_id']}@scic-ledger>"
    message["Content-Language"] = lang
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    names = []
    for filename, body in _attachments(conn, row, lang):
        message.add_attachment(body, maintype="application", subtype="pdf", filename=filename)
        names.append(filename)
    return Composed(message, addresses, message["Subject"], names)


def _from(sender: str) -> Address:
    """SCIC_MAIL_FROM: `addr` or `Name <addr>`."""
    found = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", sender)
    name, addr = (found.group(1), found.group(2)) if found else ("", sender.strip())
    return Address(one_line(name.strip('"')), addr_spec=valid_address(addr) or "registre@localhost")


def _recipients(
    conn: sa.Connection, row: Any
) -> tuple[tuple[str | None, str | None], list[str]] | Skip:
    if row["recipient"] == "address":
        address = valid_address(row["to_address"])
        return ((None, row["party_id"]), [address]) if address else Skip("invalid-address")
    if row["recipient"] == "managers":
        found = _manager_addresses(conn, row["coop_id"])
        return ((None, None), found) if found else Skip("no-management-address")
    party_id = row["party_id"]
    if row["recipient"] == "member":
        party_id = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == row["member_id"])
        ).scalar()
    person = conn.execute(
        sa.select(parties.c.name, parties.c.email, parties.c.erased_at).where(
            parties.c.party_id == party_id
        )
    ).first()
    if person is None or person.erased_at is not None:
        return Skip("erased")
    if not person.email:
        return Skip("no-email")
    address = valid_address(person.email)
    if address is None:
        return Skip("invalid-address")
    return (person.name, party_id), [address]


def _manager_addresses(conn: sa.Connection, coop_id: str) -> list[str]:
    """The cooperative's management address (its profile), then its managers' accounts."""
    found: list[str] = []
    contact = conn.execute(
        sa.select(coop_profiles.c.contact_email).where(coop_profiles.c.coop_id == coop_id)
    ).scalar()
    if valid_address(contact):
        found.append(str(contact).strip())
    return found


def _lang(conn: sa.Connection, row: Any, party_id: str | None) -> Lang:
    if row["lang"] in ("fr", "en"):
        return row["lang"]  # type: ignore[no-any-return]
    if party_id is not None:
        chosen = conn.execute(
            sa.select(mail_preferences.c.lang).where(mail_preferences.c.party_id == party_id)
        ).scalar()
        if chosen in ("fr", "en"):
            return chosen  # type: ignore[no-any-return]
    return "fr"


def _opted_out(conn: sa.Connection, party_id: str) -> bool:
    return bool(
        conn.execute(
            sa.select(mail_preferences.c.opted_out).where(mail_preferences.c.party_id == party_id)
        ).scalar()
    )


def _values(
    conn: sa.Connection, row: Any, lang: Lang, coop: str, name: str | None
) -> dict[str, str]:
    p = row["params"]
    values = {"coop": coop, "name": name or ""}
    if "on" in p:
        values["on"] = day(date.fromisoformat(p["on"]), lang)
    if "due_on" in p:
        values["due"] = day(date.fromisoformat(p["due_on"]), lang)
    if "notice" in p:
        values["notice"] = _notice(p["notice"], lang)
    for key, cents in (
        ("amount", p.get("amount_cents", p.get("subscribed_cents"))),
        ("paid", p.get("paid_cents")),
        ("loss", p.get("loss_share_cents")),
    ):
        if cents is not None:
            values[key] = euros(int(cents), lang)
    for key in ("set_off", "still_owed"):  # R7 — said only when there is something
        if p.get(f"{key}_cents"):
            values[key] = euros(int(p[f"{key}_cents"]), lang)
    if "shares" in p:
        values["shares"] = str(p["shares"])
    if "subscribed_cents" in p and "paid_cents" in p:
        values["unpaid"] = euros(int(p["subscribed_cents"]) - int(p["paid_cents"]), lang)
    if row["kind"] == "invitation":
        roles = {
            "manager": ("gestionnaire", "manager"),
            "accountant": ("comptable", "accountant"),
            "funder": ("financeur", "funder"),
            "member": ("associé", "member"),
        }
        values["role"] = roles.get(p.get("role", ""), (p.get("role", ""),) * 2)[lang != "fr"]
        values["link"] = p.get("link", "")
        values["expires"] = day(date.fromisoformat(p["expires_on"]), lang)
        values["name"] = p.get("name") or ""
    if row["kind"] == "password-reset":
        values["link"] = p.get("link", "")
        values["email"] = p.get("email", "")
        values["name"] = p.get("name") or ""
    if "request_kind" in p or "request_id" in p:
        _request_values(conn, row, p, lang, values)
    if p.get("job") == "grant-justification":
        grant = funding_views.grant_rows(conn, row["coop_id"], grant_id=p["obligation_id"])
        values["funder"] = grant[0].funder_name if grant else p["obligation_id"]
        if grant:
            values["amount"] = euros(grant[0].to_justify_cents, lang)
    return values


def _request_values(
    conn: sa.Connection, row: Any, p: dict[str, Any], lang: Lang, values: dict[str, str]
) -> None:
    i = 0 if lang == "fr" else 1
    kind = p.get("request_kind") or p.get("kind") or "subscription"
    values["request"] = REQUESTS[kind][i].format(shares=p.get("shares", ""))
    values["member"] = views.member_names(conn, row["coop_id"]).get(row["member_id"] or "", "")
    reason = p.get("reason") or ""
    if p.get("refusal"):  # a rule refused it: the rule's own words, in the language
        from scic.web.forms.refusals import of_domain

        said = of_domain(named(p["refusal"], p.get("rule") or None, reason), set(), lang)
        reason = said.above or reason
    values["reason"] = reason


def _notice(notice: str, lang: Lang) -> str:
    found = NOTICES.get(notice)
    return found[0 if lang == "fr" else 1] if found else notice


def _attachments(conn: sa.Connection, row: Any, lang: Lang) -> list[tuple[str, bytes]]:
    """A subscription's confirmation carries its form and the certificate as at its date."""
    if row["kind"] != "subscription-confirmed":
        return []
    p = row["params"]
    form = render(subscription_form.build(conn, row["coop_id"], p["subscription_id"], lang), "pdf")
    held = certificate.build(
        conn, row["coop_id"], row["member_id"], date.fromisoformat(p["on"]), lang
    )
    proof = render(held, "pdf")
    return [(form.filename, form.body), (proof.filename, proof.body)]
