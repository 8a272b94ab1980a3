"""Dump files are written once per data version, atomically, by one writer, and reused by every later start."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from server.config import Settings
from server.engine.rdfio import convert_nquads
from server.formats import RDF_FORMATS, Format
from server.kg.build import KnowledgeGraph, build
from server.kg.dumps import dumps_step, write_dumps, written_dumps
from server.kg.once import locked, run_if_free, run_in_background

from ..conftest import HAS_JAVA

NQUADS = b'<http://example.org/a> <http://example.org/name> "Wien"@de <http://example.org/g> .\n'


def small(fmt: Format, output: BinaryIO) -> None:
    convert_nquads(NQUADS, fmt, output, {})


def test_every_format_is_written_plain_and_gzipped_with_its_size_and_checksum(tmp_path: Path) -> None:
    files = write_dumps(tmp_path / "dumps", small)
    assert [(f.fmt.name, f.compressed) for f in files] == [(f.name, c) for f in RDF_FORMATS for c in (False, True)]
    for file in files:
        data = file.path.read_bytes()
        assert (file.size, file.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    plain, packed = files[0].path.read_bytes(), files[1].path.read_bytes()
    assert gzip.decompress(packed) == plain and b"Wien" in plain


def test_a_second_start_reuses_the_files_of_the_same_version(tmp_path: Path) -> None:
    first = write_dumps(tmp_path / "dumps", small)
    assert write_dumps(tmp_path / "dumps", lambda *_: pytest.fail("serialized again")) == first
    assert written_dumps(tmp_path / "dumps") == first


def test_a_failed_write_leaves_nothing_under_the_final_name(tmp_path: Path) -> None:
    calls: list[str] = []

    def failing(fmt: Format, output: BinaryIO) -> None:
        calls.append(fmt.name)
        if len(calls) == 3:
            raise OSError("disk full")
        output.write(b"<http://a> <http://b> <http://c> .\n")

    with pytest.raises(OSError, match="disk full"):
        write_dumps(tmp_path / "dumps", failing)
    assert [p.name for p in tmp_path.iterdir()] == ["dumps.lock"], "a half-written dump folder was left behind"
    assert written_dumps(tmp_path / "dumps") is None
    assert len(write_dumps(tmp_path / "dumps", small)) == 2 * len(RDF_FORMATS)


def test_a_background_process_writes_them_while_the_caller_goes_on(tmp_path: Path) -> None:
    run_in_background([dumps_step(tmp_path / "dumps", small)])
    deadline = time.monotonic() + 30
    while written_dumps(tmp_path / "dumps") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    files = written_dumps(tmp_path / "dumps")
    assert files is not None and b"Wien" in files[0].path.read_bytes()


def test_only_the_holder_of_the_lock_writes(tmp_path: Path) -> None:
    step = dumps_step(tmp_path / "dumps", lambda *_: pytest.fail("a second writer wrote"))
    with locked(step.lock, wait=False):
        run_if_free([step])
    assert written_dumps(tmp_path / "dumps") is None


def test_two_builds_of_the_same_data_write_byte_identical_dumps(
    clip_kg: KnowledgeGraph, cache_dir: Path, tmp_path: Path
) -> None:
    """Replicas built apart publish the same SHA-256s and ETags: one order, blank node labels from content
    (rdflib's labels and order change from run to run; the ontology's OWL lists have blank nodes)."""
    checksums = []
    for name in ("first", "second"):
        cache = tmp_path / name
        cache.mkdir()
        for cached in [*cache_dir.glob("inferred-*.nt"), *cache_dir.glob("conforms-*")]:  # no second HermiT run
            shutil.copy2(cached, cache / cached.name)
        kg = build(Settings(cache_dir=cache, reasoning=HAS_JAVA))
        assert kg.version == clip_kg.version
        checksums.append({(f.fmt.name, f.compressed): f.sha256 for f in write_dumps(kg.dumps_folder, kg.write_as)})
    assert checksums[0] == checksums[1]
    assert b"_:c14n" in (tmp_path / "first").joinpath(f"store-{clip_kg.version}", "dumps", "clip-kg.nq").read_bytes()
