"""The OpenAPI document as standard tools read it (openapi-spec-validator, client
generators, schemathesis): what FastAPI and pydantic emit, made standard by general
rules — never by naming particular schemas — so routes added later follow them too.

- Schema names: pydantic qualifies a class name with its module path when two modules
  define it (`scic__api__routes__directory__CoopPublic`); generators then name models
  by title and drop one as a duplicate. Each such schema is named by `schema_name`, and
  every schema's title is its name.
- Keywords JSON Schema does not have on strings (pydantic's `ge`/`le` on dates) become
  words in the description; a string's default is a string.
- A pattern stated for an optional field goes onto its string branch.
- `oneOf` branches that restate properties (one of `funder`, `funder_id` is required)
  keep only their `required` lists: the properties are the object's own.
- The text rules the server enforces on every request (scic.text_rules) are stated as a
  `pattern` on each string a request carries, so a generated valid request passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scic.text_rules import ALLOWED_TEXT_PATTERN

REF = "#/components/schemas/"
_NON_STANDARD = {"ge": "from", "gt": "after", "le": "to", "lt": "before"}


def standardise(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    _name_schemas(document, schemas)
    for node in _nodes(document):
        _standard_keywords(node)
        _plain_one_of(node)
        _pattern_on_the_string(node)
    for name in sorted(_request_schemas(document, schemas)):
        _state_text_rules(schemas[name])
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") in ("path", "query"):  # what the server checks
                    _state_text_rules(parameter.get("schema", {}))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _state_text_rules(media.get("schema", {}))
    return document


def schema_name(key: str, taken: set[str]) -> str:
    """The name of a schema pydantic qualified with its module path: the class name when
    free, else the class name after the nearest module names that make it unique
    (`scic__api__routes__directory__CoopPublic` → `DirectoryCoopPublic`)."""
    *modules, name = key.split("__")
    name = _plain(name)
    candidate = name
    for start in range(len(modules) - 1, -1, -1):
        if candidate not in taken:
            return candidate
        candidate = "".join(_camel(m) for m in modules[start:]) + name
    return candidate


def _plain(name: str) -> str:
    """`Body_post_bank_statement` (FastAPI's name for a form body) → `BodyPostBankStatement`."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _camel(module: str) -> str:
    return "".join(part.title() for part in module.split("_"))


def _name_schemas(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    taken = {key for key in schemas if is_standard_name(key)}
    renamed: dict[str, str] = {}
    for key in sorted(schemas):
        if not is_standard_name(key):
            renamed[key] = schema_name(key, taken)
            taken.add(renamed[key])
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
    for key, schema in schemas.items():
        schema["title"] = key
    if renamed:
        for node in _nodes(document):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF) and ref[len(REF) :] in renamed:
                node["$ref"] = REF + renamed[ref[len(REF) :]]


def _standard_keywords(node: dict[str, Any]) -> None:
    if node.get("type") != "string":
        return
    bounds = [f"{word} {node.pop(key)}" for key, word in _NON_STANDARD.items() if key in node]
    if bounds:
        limits = " ".join(bounds)
        text = node.get("description")
        node["description"] = f"{text} ({limits})" if text else limits.capitalize()
    if "default" in node and not isinstance(node["default"], str | None):
        node["default"] = str(node["default"])


def _pattern_on_the_string(node: dict[str, Any]) -> None:
    """A pattern given to an optional field lands beside its `anyOf`, where it would
    apply to null too: it goes onto the string branch."""
    branches = node.get("anyOf")
    if "pattern" in node and "type" not in node and isinstance(branches, list):
        pattern = node.pop("pattern")
        for branch in branches:
            if branch.get("type") == "string":
                branch["pattern"] = pattern


def _plain_one_of(node: dict[str, Any]) -> None:
    branches = node.get("oneOf")
    if node.get("type") != "object" or not isinstance(branches, list):
        return
    own = node.get("properties", {})
    if all(set(b) <= {"properties", "required"} for b in branches) and all(
        set(b.get("properties", {})) <= set(own) for b in branches
    ):
        node["oneOf"] = [{"required": b.get("required", [])} for b in branches]


def _request_schemas(document: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Schemas a request may carry: those a request body or parameter refers to, and
    every schema they refer to in turn."""
    roots: list[Any] = []
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            roots.append(operation.get("requestBody", {}))
            roots.append([p for p in operation.get("parameters", []) if p.get("in") != "header"])
    found: set[str] = set()
    pending = [*roots]
    while pending:
        for node in _nodes(pending.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF) and ref[len(REF) :] not in found:
                found.add(ref[len(REF) :])
                pending.append(schemas.get(ref[len(REF) :], {}))
    return found & set(schemas)


def _state_text_rules(schema: dict[str, Any]) -> None:
    """Every free text of a request (no pattern, enum or format of its own) states the
    characters the server refuses."""
    for node in _nodes(schema):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(node):
            node["pattern"] = ALLOWED_TEXT_PATTERN


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)


def is_standard_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name) is not None
