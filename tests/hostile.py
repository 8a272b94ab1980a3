"""Hostile queries, and how to tell that processes have ended, for the tests of query processes."""

from __future__ import annotations

import time
from pathlib import Path

NESTED = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
"""3,000 nested groups: pyoxigraph 0.5's parser overflows its stack on them (SIGSEGV)."""


def doubling(times: int) -> str:
    """A query of under 1 KB whose one value is a string doubled ``times`` times (2**times characters)."""
    binds = " ".join(f"BIND(CONCAT(?a{n}, ?a{n}) AS ?a{n + 1})" for n in range(times))
    return f'SELECT ?a{times} WHERE {{ BIND("x" AS ?a0) {binds} }}'


def alive(pid: int) -> bool:
    """True while the process runs (a zombie left for a parent that does not reap it is not running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids: set[int], seconds: float) -> set[int]:
    """Wait up to ``seconds`` for the processes to end; the ones still running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return {pid for pid in pids if alive(pid)}


def children_of(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(entry.name))
    return children
