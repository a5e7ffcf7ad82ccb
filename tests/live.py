"""Real processes for tests: the installed `scic` console script and a running server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def scic_script() -> str:
    beside = Path(sys.executable).with_name("scic")
    found = str(beside) if beside.exists() else shutil.which("scic")
    if found is None:
        pytest.fail("the `scic` console script is not installed (pip install -e .)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(
    logs: Path,
    url: str | None,
    *,
    graceful: bool = True,
    cwd: Path | None = None,
    **env_vars: str,
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`scic serve` in its own process (in `cwd`, default `logs`), answering /health;
    stopped with SIGTERM after (`graceful=False`: the test may kill it, and how it ended
    is not checked). Its output goes to `logs/serve-PORT.log`."""
    port = free_port()
    log = logs / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"} | env_vars
    if url is not None:
        env["SCIC_DATABASE_URL"] = url
    with log.open("wb") as out:
        server = subprocess.Popen(
            [scic_script(), "serve", "--port", str(port)],
            cwd=cwd or logs,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None:
            assert server.poll() is None, f"scic serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on /health:\n{log.read_text()}"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        yield port, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if not graceful:
        return
    # uvicorn shuts down gracefully, then re-raises SIGTERM (or exits 0 on older versions)
    assert server.returncode in (0, -signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()
