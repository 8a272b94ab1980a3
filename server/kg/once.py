"""Work done once per data version, by whichever process holds its lock: now, or in a background process.

A data version's statistics and dump files are written into its store folder by the
first start that needs them; later starts, other workers and other servers on the same
cache find them there. A lock file (``flock``, released by the kernel when its holder
dies) makes sure only one process does each step; the step itself writes beside and
renames into place, so it is either done or not.
"""

from __future__ import annotations

import fcntl
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    """One piece of work: done when ``done()`` says so, else done by ``work()`` under ``lock``."""

    name: str
    lock: Path
    done: Callable[[], bool]
    work: Callable[[], object]


@contextmanager
def locked(path: Path, wait: bool) -> Iterator[None]:
    """An exclusive lock on the file ``path``, released with the process if it dies.

    Raises:
        BlockingIOError: ``wait`` is False and another process holds the lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def run_now(steps: Sequence[Step]) -> None:
    """Do every step not done yet, waiting for a process that is doing one to finish it."""
    for step in steps:
        if step.done():
            continue
        with locked(step.lock, wait=True):
            if not step.done():
                step.work()


def run_in_background(steps: Sequence[Step]) -> None:
    """Do the steps not done yet one after the other, in a process of their own, and return at once."""
    if all(step.done() for step in steps):
        return
    context = multiprocessing.get_context("fork")
    context.Process(target=run_if_free, args=(steps,), daemon=True, name="per-version work").start()


def run_if_free(steps: Sequence[Step]) -> None:
    """Do each step not done yet whose lock is free; leave a step another process holds to that process."""
    for step in steps:
        try:
            with locked(step.lock, wait=False):
                if not step.done():
                    step.work()
        except BlockingIOError:
            continue
