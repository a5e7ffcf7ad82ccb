"""Every refusal the code can raise is in the one catalogue (scic/errors.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import scic
from scic.errors import CATALOGUE

ROOT = Path(scic.__file__).parent


def _slugs(function_names: set[str]) -> set[tuple[str, str]]:
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in function_names
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add((str(node.args[0].value), f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_refused_slug_is_catalogued() -> None:
    raised = _slugs({"refuse", "no"})  # `no`: the timeline's judge
    assert len(raised) > 60
    missing = sorted((slug, where) for slug, where in raised if slug not in CATALOGUE)
    assert missing == []


def test_each_refusal_has_a_kind_and_the_rule_it_names() -> None:
    for slug, refusal in CATALOGUE.items():
        assert refusal.slug == slug and refusal.kind in ("conflict", "invalid")
        assert refusal.rule is None or refusal.rule.startswith("R")


def test_no_refusal_is_raised_from_two_places() -> None:
    """Each rule is judged in one place, and "one place" is one module of `scic/`: the
    module that owns the rule holds the one function judging it, and every other caller
    (a route, another aggregate, the CLI, the pages) calls that function rather than
    raising the slug itself. Several `refuse` calls of one slug inside that module are
    fine (one judge wording a token and a person apart); the same slug raised from a
    second module fails. The timeline's judge runs the aggregates' own checks, so a
    back-dated command is refused by the same code as one dated today."""
    places: dict[str, set[str]] = {}
    for slug, where in _slugs({"refuse", "no"}):
        places.setdefault(slug, set()).add(where.split(":")[0])
    assert len(places) > 100
    assert places["party-erased"] == {"contacts.py"}  # the walk reaches beyond the domain
    twice = {slug: sorted(found) for slug, found in places.items() if len(found) > 1}
    assert twice == {}


def test_each_refusal_the_domain_raises_has_a_decider_test() -> None:
    """At least one decider test (tests/domain, no database) expects each slug the domain
    raises: its aggregate's tests name it."""
    raised = {slug for slug, where in _slugs({"refuse", "no"}) if where.startswith("domain/")}
    tests = Path(__file__).parent
    named = " ".join(p.read_text(encoding="utf-8") for p in tests.glob("test_*.py"))
    untested = sorted(slug for slug in raised if f'"{slug}"' not in named)
    assert len(raised) > 50
    assert untested == []
