"""A rebuild is refused while a server runs on the same database, however its path is
spelt: through a symbolic link, or a relative path (SQLite files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger import occupancy
from ledger.db import create_engine


@pytest.mark.parametrize("spelling", ["symlink", "relative"])
def test_a_rebuild_through_another_path_is_refused(
    tmp_path: Path, backend: str, spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL databases have no path")
    served = tmp_path / "served" / "scic.db"
    served.parent.mkdir()
    served.touch()
    if spelling == "symlink":
        other = tmp_path / "elsewhere.db"
        other.symlink_to(served)
        url = f"sqlite:///{other}"
    else:
        monkeypatch.chdir(tmp_path)
        url = f"sqlite:///{os.path.join('.', 'served', '..', 'served', 'scic.db')}"
    server, rebuild = create_engine(f"sqlite:///{served}"), create_engine(url)
    with (
        occupancy.claim(server, alone=False),
        pytest.raises(occupancy.InUse),
        occupancy.claim(rebuild, alone=True),
    ):
        pass
    with occupancy.claim(rebuild, alone=True):
        pass  # alone once the server is gone
