"""From what a person typed to the API body: amounts as typed in France (`1 250,50`,
`1250.50`, `1.250,50 €`), dates from the date input (or DD/MM/YYYY), percentages,
choices by id or by name; dotted names become nested objects (`funder.name`). Empty
fields are left out, so the API's defaults apply."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from scic.register_import import day as parse_day
from scic.register_import import money as parse_money
from scic.register_import import whole
from scic.web.forms.choices import Choice, resolve
from scic.web.forms.labels import tr
from scic.web.forms.spec import Field

SPACES = re.compile(r"[\s\u00a0\u202f]")


class Bad(ValueError):
    """A value that cannot be read; its message is an msgid."""


def read(field: Field, text: str, choices: list[Choice] | None) -> Any:
    """One field's value for the API body (None: left out)."""
    if field.kind == "checkbox":
        return True if text else None
    text = text.strip()
    if not text:
        return None
    match field.kind:
        case "money" | "signed-money":
            try:
                amount = parse_money(text)
            except ValueError as error:
                raise Bad(
                    "At most two decimals."
                    if "decimals" in str(error)
                    else "Not an amount: type it as 1 250,50 or 1250.50."
                ) from None
            if field.kind == "money" and amount.startswith("-"):
                raise Bad("Must be more than zero.")
            return amount
        case "integer":
            signless = SPACES.sub("", text)
            try:
                return whole(signless)
            except ValueError:
                raise Bad("Not a whole number.") from None
        case "percent" | "ratio":
            cleaned = SPACES.sub("", text).removesuffix("%").replace(",", ".")
            try:
                value = Decimal(cleaned)
            except InvalidOperation:
                raise Bad(
                    "Not a percentage: type it as 2,5."
                    if field.kind == "percent"
                    else "Not a decimal number: type it as 0,40."
                ) from None
            if field.kind == "percent":
                value = value / 100
            return format(value.normalize(), "f")
        case "date":
            try:
                return parse_day(text)
            except ValueError:
                raise Bad("Not a date: use the date picker, or type DD/MM/YYYY.") from None
        case "choice":
            found = resolve(choices or [], text)
            if found is None:
                raise Bad("Choose one of the list.")
            return found
        case "codes":
            return [code for code in re.split(r"[,;\s]+", text) if code]
        case "select":
            if text not in {value for value, _ in field.options}:
                raise Bad("Choose one of the list.")
            return text
    return text


def body_of(
    fields: tuple[Field, ...], posted: dict[str, str], lists: dict[str, list[Choice]], lang: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body, and the fields that could not be read (French or English)."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        text = posted.get(field.name, "")
        try:
            value = read(field, text, lists.get(field.choices or ""))
        except Bad as bad:
            errors[field.name] = tr(str(bad), lang)
            continue
        if value is None:
            if field.required:
                errors[field.name] = tr("Required.", lang)
            continue
        *parents, leaf = field.name.split(".")
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return as_lists(body), errors


def as_lists(value: Any) -> Any:
    """Numbered rows (`categories.0.code`, `categories.1.code`) as the list the API takes,
    in their order; a row left empty is no row."""
    if not isinstance(value, dict):
        return value
    if value and all(key.isdigit() for key in value):
        return [as_lists(value[key]) for key in sorted(value, key=int) if value[key]]
    return {key: as_lists(inner) for key, inner in value.items()}
