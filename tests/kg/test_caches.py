"""Caches are checked, not trusted: a damaged inferred-triples file is noticed and redone; concurrent
writers never share a temporary name; what killed builds and dumps leave behind is removed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from server.config import Settings
from server.formats import by_name
from server.kg.build import KnowledgeGraph, build, read_checked, remove_leftovers, write_checked
from server.kg.dumps import STALE_AFTER, write_dump

from ..conftest import needs_java

CONTENT = b"<http://e/a> <http://e/p> <http://e/b> .\n<http://e/b> <http://e/p> <http://e/c> .\n"


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda data: b"", "empty"),
        (lambda data: data[: len(data) // 2], "cut short"),
        (lambda data: data[: -len(b"# sha256 ") - 66], "checksum line lost"),
        (lambda data: data.replace(b"/c>", b"/d>"), "altered"),
        (lambda data: b"\xff\xfe" + data, "not text"),
    ],
)
def test_a_damaged_cache_file_reads_as_none(tmp_path: Path, damage: object, why: str) -> None:
    path = tmp_path / "inferred.nt"
    write_checked(path, CONTENT)
    assert read_checked(path) == CONTENT
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert read_checked(path) is None, why


def test_an_empty_content_is_a_whole_cache_file(tmp_path: Path) -> None:
    write_checked(tmp_path / "none.nt", b"")
    assert read_checked(tmp_path / "none.nt") == b""


def _write_many(path: Path, rounds: int) -> None:
    for n in range(rounds):
        write_checked(path, CONTENT * (n % 5 + 1))


def test_concurrent_writers_of_one_cache_file_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "inferred.nt"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_many, args=(path, 200)) for _ in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert [writer.exitcode for writer in writers] == [0, 0, 0]
    assert read_checked(path) in {CONTENT * n for n in range(1, 6)}
    assert [p.name for p in tmp_path.iterdir()] == ["inferred.nt"]  # no temporary file left


@needs_java
def test_a_damaged_inferred_cache_is_reasoned_again_with_a_warning(
    clip_kg: KnowledgeGraph, cache_dir: Path, tmp_path: Path
) -> None:
    """Truncated, it once gave exit 0 and a smaller dataset without a word."""
    (cached,) = cache_dir.glob("inferred-*.nt")
    damaged = tmp_path / cached.name
    damaged.write_bytes(cached.read_bytes()[:1000])
    messages: list[str] = []
    kg = build(Settings(cache_dir=tmp_path, reasoning=True), messages.append)
    assert any("are damaged (their checksum does not match); reasoning again" in m for m in messages)
    assert kg.quads == clip_kg.quads
    redone, first = read_checked(damaged), read_checked(cached)
    assert redone is not None and first is not None
    assert sorted(redone.splitlines()) == sorted(first.splitlines())  # the same triples, maybe in another order


def test_half_built_store_folders_of_dead_builds_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])  # noqa: S607 - a process that is gone by the time we look
    dead.wait()
    (tmp_path / f"store-abc.partial-{dead.pid}").mkdir()
    (tmp_path / f"store-abc.partial-{os.getpid()}").mkdir()  # a live build's: left alone
    stale, fresh = tmp_path / ".inferred-x.nt.1.partial", tmp_path / ".inferred-x.nt.2.partial"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (time.time() - STALE_AFTER - 1,) * 2)
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, f"store-abc.partial-{os.getpid()}"])


def test_a_killed_dump_write_leaves_nothing_behind_at_the_next_write(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".clip-kg.abc.partial", tmp_path / ".clip-kg.def.partial"
    stale.write_bytes(b"half a dump")
    fresh.write_bytes(b"another writer's")
    os.utime(stale, (time.time() - STALE_AFTER - 1,) * 2)
    write_dump(lambda fmt, out: out.write(b"<http://e/a> <http://e/p> <http://e/b> .\n"), by_name("nt"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["clip-kg.nt", fresh.name])
    shutil.rmtree(tmp_path)
