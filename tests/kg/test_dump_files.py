"""Dump files are written once per data version, atomically, and reused by every later start."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import BinaryIO

import pytest
from rdflib import Dataset, Literal, URIRef

from server.formats import RDF_FORMATS
from server.kg import dumps
from server.kg.dumps import dump_files


def small() -> Dataset:
    dataset = Dataset()
    dataset.graph(URIRef("http://example.org/g")).add(
        (URIRef("http://example.org/a"), URIRef("http://example.org/name"), Literal("Wien", lang="de"))
    )
    return dataset


def test_every_format_is_written_plain_and_gzipped_with_its_size_and_checksum(tmp_path: Path) -> None:
    files = dump_files(small(), tmp_path / "dumps-v1")
    assert [(f.fmt.name, f.compressed) for f in files] == [(f.name, c) for f in RDF_FORMATS for c in (False, True)]
    for file in files:
        data = file.path.read_bytes()
        assert (file.size, file.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    plain, packed = files[0].path.read_bytes(), files[1].path.read_bytes()
    assert gzip.decompress(packed) == plain and b"Wien" in plain


def test_a_second_start_reuses_the_files_of_the_same_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = dump_files(small(), tmp_path / "dumps-v1")
    monkeypatch.setattr(dumps, "nquads_of", lambda *_: pytest.fail("serialized again"))
    assert dump_files(small(), tmp_path / "dumps-v1") == first


def test_a_failed_write_leaves_nothing_under_the_final_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def failing(nquads: bytes, fmt: object, output: BinaryIO, prefixes: object) -> None:
        calls.append(str(fmt))
        if len(calls) == 3:
            raise OSError("disk full")
        output.write(b"<http://a> <http://b> <http://c> .\n")

    monkeypatch.setattr(dumps, "convert_nquads", failing)
    with pytest.raises(OSError, match="disk full"):
        dump_files(small(), tmp_path / "dumps-v1")
    assert list(tmp_path.iterdir()) == [], "a half-written dump folder was left behind"
    monkeypatch.undo()
    assert len(dump_files(small(), tmp_path / "dumps-v1")) == 2 * len(RDF_FORMATS)
