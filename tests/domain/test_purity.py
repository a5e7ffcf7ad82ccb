"""The domain is pure: importing the timeline (which imports every aggregate it folds)
loads no database layer, no ledger, and nothing of the project that does I/O."""

from __future__ import annotations

import json
import subprocess
import sys

# Modules of the project the domain may import: pure values and rules, no I/O.
PURE = (
    "scic.domain",
    "scic.rules",
    "scic.money",
    "scic.dates",
    "scic.decimals",
    "scic.errors",
    "scic.jsontypes",
    "scic.text_rules",
)


def loaded_by(*modules: str) -> list[str]:
    """The modules a fresh interpreter holds after importing `modules`."""
    script = (
        f"import json, sys; import {', '.join(modules)}; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_importing_the_timeline_loads_neither_the_database_nor_the_ledger() -> None:
    loaded = loaded_by("scic.domain.timeline")
    assert "scic.domain.timeline" in loaded
    assert not [m for m in loaded if m == "sqlalchemy" or m.startswith("sqlalchemy.")]
    assert not [m for m in loaded if m == "ledger" or m.startswith("ledger.")]
    project = [m for m in loaded if m.startswith("scic.")]
    outside = [m for m in project if not any(m == p or m.startswith(f"{p}.") for p in PURE)]
    assert outside == []


def impure(loaded: list[str]) -> list[str]:
    return [
        m
        for m in loaded
        if m.split(".")[0] in ("sqlalchemy", "ledger")
        or (m.startswith("scic.") and not any(m == p or m.startswith(f"{p}.") for p in PURE))
    ]


def test_every_aggregate_home_is_pure_too() -> None:
    """The homes the event registry gathers (scic.events) import only pure modules."""
    from scic.events import HOMES

    assert impure(loaded_by(*(home.__name__ for home in HOMES))) == []
