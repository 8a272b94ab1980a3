"""Processes of the scale benchmark: free ports, starting and stopping servers, PSS of a process tree, the machine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from server.config import PROJECT_ROOT

# ---------------------------------------------------------------- processes and memory


SAMPLE_EVERY = 0.5
"""Seconds between two memory samples of a server's process tree."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue += children.get(pid, [])
    return found


def pss_kib(root: int) -> int:
    """PSS of a process tree in KiB: shared pages are counted once, split among their users."""
    total = 0
    for pid in descendants(root):
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))
    return total


class Sampler:
    """Samples the PSS of a process tree in a thread, keeping the peak."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def watch(self, pid: int) -> None:
        self.pid = pid
        if not self._thread.is_alive():
            self._thread.start()

    def sample(self) -> int:
        value = pss_kib(self.pid) if self.pid else 0
        self.peak = max(self.peak, value)
        return value

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started here and its group: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a process in its own group (so it can be stopped with its children), output to ``log``."""
    with log.open("ab") as sink:
        return subprocess.Popen(  # noqa: S603 - a fixed command line built here
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT, start_new_session=True
        )


# ---------------------------------------------------------------- servers


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_facts() -> dict[str, str]:
    """CPU, memory, versions and the load before the run."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    memory = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), "0")
    versions = ", ".join(f"{name} {_version(name)}" for name in ("oxigraph", "pyoxigraph", "gunicorn", "flask"))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{int(memory) / 1024 / 1024:.1f} GiB",
        "python": sys.version.split()[0],
        "packages": versions,
        "load average before": load_average(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


# ---------------------------------------------------------------- rendering


def mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f}" if kib else "-"
