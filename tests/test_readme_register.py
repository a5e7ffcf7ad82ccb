"""The README's member register section, run: its `scic import` examples (the first
import, the re-run, the grown register, the contradiction, the corrections' dry run and
their recording, the run after it) are run in that order on registers built to match,
and each prints exactly what the README shows under it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from tests.test_cli import scic_script
from tests.test_register_import import xlsx
from tests.test_register_reimport import _coop

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "### Member register"
HEADERS = ["N° d'associé", "Nom", "Catégorie", "Date d'admission", "Parts", "Montant versé",
           "Date de souscription", "Versement", "Date du versement"]  # fmt: skip


def _registers(folder: Path) -> None:
    """18 members, 19 subscriptions, 4 payments; Atelier Bois (n° 2) on line 3 with 20
    shares of 2024-04-01; June adds a member on two lines; the corrected one gives Atelier
    Bois 10 shares."""
    lines: list[list[Any]] = [
        ["1", "Jeanne Dupont", "usagers", "15/03/2024", 4, "50,00", None, "150,00", "01/06/2024"],
        ["2", "Atelier Bois", "partenaires", "01/04/2024", 20, "1 000,00"],
    ]
    for n in range(3, 19):
        paying = n <= 5
        lines.append(
            [str(n), f"Associé {n}", "usagers", "02/05/2024", 2 if paying else 1,
             "25,00" if paying else "50,00", None, "75,00" if paying else None,
             "01/07/2024" if paying else None]
        )  # fmt: skip
    lines.append(["1", "Jeanne Dupont", None, None, 2, "25,00", "01/09/2024"])
    xlsx(folder / "registre.xlsx", lines, HEADERS)
    june = [
        *lines,
        ["19", "Léa Roux", "usagers", "01/06/2025"],
        ["19", "Léa Roux", None, None, 2, "100,00", "01/06/2025"],
    ]
    xlsx(folder / "registre-juin.xlsx", june, HEADERS)
    corrected = [list(line) for line in lines]
    corrected[1][4:6] = [10, "500,00"]
    xlsx(folder / "registre-corrige.xlsx", corrected, HEADERS)


def _examples() -> list[tuple[list[str], list[str]]]:
    """(command, the lines shown under it) of the section's console blocks."""
    section = README.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    examples: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((shlex.split(line[2:].split("  #", 1)[0]), []))
            else:
                examples[-1][1].append(line)
    return examples


def _said(output: str) -> list[str]:
    """The lines printed, the progress bar's redrawn line left out, and the log's warning
    of a slow write lock (a loaded machine's, not the command's output)."""
    lines = [re.sub(r"^.*command/s\]\s*", "", line) for line in output.splitlines()]
    return [line for line in lines if line.strip() and not line.startswith("write lock held")]


def test_the_readme_register_examples_print_what_they_show(database_url, tmp_path) -> None:
    examples = _examples()
    commands = [" ".join(c) for c, _ in examples]
    assert any("--apply-corrections" in c and "--dry-run" not in c for c in commands)
    assert len([c for c in commands if c.startswith("scic import registre.xlsx")]) == 2
    _registers(tmp_path)
    coop = _coop(database_url, "La Filature du Vallon")
    env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"}
    env |= {"SCIC_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    for command, shown in examples:
        assert command[0] == "scic", command
        args = [coop if a == "$COOP" else a for a in command[1:]]
        run = subprocess.run(
            [scic_script(), *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        assert _said(run.stdout) == shown, " ".join(command)
