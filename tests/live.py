"""`clip-kg serve` started as users start it (gunicorn, workers, threads) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def clip_kg_serve(
    cache_dir: Path, log: Path | None = None, access_log: Path | None = None, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``python -m server serve`` with ``KG_*`` settings; yield its URL and process, stop it after.

    Its error output goes to ``log`` when given (read it while the server runs), else to a pipe;
    its standard output (the access log) to ``access_log`` when given, else nowhere.
    """
    port = free_port()
    env = {**os.environ, "KG_CACHE_DIR": str(cache_dir), **{f"KG_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--workers", "2", "--threads", "2"]
    with log.open("ab") if log is not None else nullcontext(subprocess.PIPE) as errors:
        with access_log.open("ab") if access_log is not None else nullcontext(subprocess.DEVNULL) as output:
            process = subprocess.Popen(command, env=env, stdout=output, stderr=errors)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"clip-kg serve exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.5)
    process.kill()
    pytest.fail(f"clip-kg serve did not answer within {seconds:g} s")
