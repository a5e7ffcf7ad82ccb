"""What a form is: the command it sends, and its fields named exactly as the fields of
the API body (nested objects with dots: `funder.name`), each with its English label
(the msgid; scic/web/forms/labels.py gives the French), its kind and, for a field that
names something of the cooperative, the list its value is chosen from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "text",
    "textarea",
    "email",
    "money",  # a positive amount, typed as in France: 1 250,50
    "signed-money",  # a result: -1 200,00 for a loss
    "integer",
    "percent",  # a rate typed in percent (2,5), sent as a ratio ("0.025")
    "ratio",  # a share typed as a decimal (0,40), sent as it is ("0.40")
    "date",
    "select",  # one of fixed options
    "choice",  # one of the cooperative's members, subscriptions, grants…
    "checkbox",
    "codes",  # a list of codes typed with commas between them ("salaries, usagers")
]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # select: (value, English label)
    choices: str | None = None  # choice: the list's name in scic/web/forms/choices.py
    help: str | None = None
    group: str | None = None  # the fieldset it belongs to (its legend, English)
    n: int | None = None  # a row's number, for "{n}" in its label and legend

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True)
class Done:
    """A recorded write, for the confirmation and the page that shows it."""

    body: dict[str, Any]  # what the form sent, as the API body (nested)
    path: dict[str, str]
    id: str
    extra: dict[str, Any]  # what the write answered beside its id (funder_id…)
    names: Callable[[str, str], str]  # names(list, id): the name a choice list shows


@dataclass(frozen=True)
class Form:
    command: str  # the name in scic.write.commands.COMMANDS
    title: str
    intro: str | None
    fields: tuple[Field, ...]
    confirm: Callable[[Done], tuple[str, dict[str, Any]]]  # (msgid, its values)
    shows: Callable[[Done], str]  # the page that shows what was recorded
    submit: str = "Record"
    listed: str | None = None  # its title in the list of forms, when `title` has a {year}
    # fields that depend on the cooperative (rows of a list: `categories.0.code`…), and
    # their values as they stand: rows(conn, coop_id, today) -> (fields, values)
    rows: Callable[[Any, str, Any], tuple[tuple[Field, ...], dict[str, str]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)
