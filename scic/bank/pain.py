"""The SEPA files the bank accepts, written by sepaxml and checked against the ISO 20022
XSDs it ships (pain.008 direct debits, pain.001 credit transfers) before they are served.

A bank account's `sepa_version` chooses the generation: "001.02" writes pain.008.001.02
and pain.001.001.03 (the 2009 messages every French bank takes), "001.08" writes
pain.008.001.08 and pain.001.001.09 (the 2019 messages of the SEPA rulebooks since
November 2023)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import sepaxml  # type: ignore[import-untyped]
import xmlschema
from sepaxml import SepaDD, SepaTransfer

from scic.bank.accounts import BankAccount

DIRECT_DEBITS = {"001.02": "pain.008.001.02", "001.08": "pain.008.001.08"}
TRANSFERS = {"001.02": "pain.001.001.03", "001.08": "pain.001.001.09"}
SCHEMAS_DIR = Path(sepaxml.__file__).parent / "schemas"


def xsd(schema: str) -> Path:
    """The official XSD of `schema` (e.g. pain.008.001.08) as sepaxml ships it."""
    return SCHEMAS_DIR / f"{schema}.xsd"


@cache
def _checker(schema: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(xsd(schema)))  # read once: it takes most of a second


def checked(schema: str, content: bytes) -> bytes:
    """The file, once it validates against its XSD (a file the bank would refuse is
    never served: xmlschema raises)."""
    _checker(schema).validate(content.decode("utf-8"))
    return content


@dataclass(frozen=True)
class Debit:
    """One direct debit: amount in cents, sequence FRST or RCUR."""

    end_to_end_id: str
    amount_cents: int
    debtor_name: str
    iban: str
    bic: str | None
    mandate_reference: str
    signed_on: date
    sequence: str
    collection_date: date
    text: str


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    iban: str
    bic: str | None
    execution_date: date
    text: str


def _config(account: BankAccount, name: str) -> dict[str, Any]:
    config: dict[str, Any] = {"name": name, "IBAN": account.iban, "batch": True, "currency": "EUR"}
    if account.bic:
        config["BIC"] = account.bic
    return config


def _message_id(document: Any, root: str, file_id: str) -> None:
    """The file's MsgId is ours (the record of what was sent names it), not sepaxml's."""
    document.msg_id = file_id
    document._xml.find(f"{root}/GrpHdr/MsgId").text = file_id


def direct_debits(
    account: BankAccount, creditor_name: str, file_id: str, debits: list[Debit]
) -> tuple[str, bytes]:
    """(schema, the pain.008 file) of the debits, batched by sequence and date."""
    assert account.creditor_id is not None
    schema = DIRECT_DEBITS[account.sepa_version]
    document = SepaDD(
        {**_config(account, creditor_name), "creditor_id": account.creditor_id}, schema=schema
    )
    _message_id(document, "CstmrDrctDbtInitn", file_id)
    for d in debits:
        payment: dict[str, Any] = {
            "name": d.debtor_name,
            "IBAN": d.iban,
            "amount": d.amount_cents,
            "type": d.sequence,
            "collection_date": d.collection_date,
            "mandate_id": d.mandate_reference,
            "mandate_date": d.signed_on,
            "description": d.text,
            "endtoend_id": d.end_to_end_id,
        }
        if d.bic:
            payment["BIC"] = d.bic
        document.add_payment(payment)
    return schema, checked(schema, bytes(document.export(validate=False)))


def transfers(
    account: BankAccount, debtor_name: str, file_id: str, payouts: list[Transfer]
) -> tuple[str, bytes]:
    """(schema, the pain.001 file) of the transfers, batched by execution date."""
    schema = TRANSFERS[account.sepa_version]
    document = SepaTransfer(_config(account, debtor_name), schema=schema)
    _message_id(document, "CstmrCdtTrfInitn", file_id)
    for t in payouts:
        payment: dict[str, Any] = {
            "name": t.creditor_name,
            "IBAN": t.iban,
            "amount": t.amount_cents,
            "execution_date": t.execution_date,
            "description": t.text,
            "endtoend_id": t.end_to_end_id,
        }
        if t.bic:
            payment["BIC"] = t.bic
        document.add_payment(payment)
    return schema, checked(schema, bytes(document.export(validate=False)))
