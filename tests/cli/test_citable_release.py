"""Citable releases (issue 12): ``clip-kg release VERSION`` freezes the data under the releases folder."""

from __future__ import annotations

import argparse
import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from flask import Flask

from server.cli.commands import run_release
from server.cli.main import build_parser, main
from server.config import Settings
from server.errors import BadInput
from server.kg.build import KnowledgeGraph
from server.kg.citable import check_version, list_releases, read_release, write_citable_release
from server.kg.release import open_release

from ..conftest import DATA

CFF_SCHEMA = json.loads((DATA / "cli" / "citation-cff-1.2.0.schema.json").read_text(encoding="utf-8"))


def quiet(message: str) -> None:
    """Progress goes nowhere in tests."""


@pytest.fixture(scope="module")
def releases(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A releases folder holding 1.0.0, made by the command (the app has written the facts and dumps)."""
    folder = tmp_path_factory.mktemp("citable")
    settings: Settings = app.extensions["kg"].settings.with_overrides(releases_dir=folder)
    outcome = run_release(argparse.Namespace(target="1.0.0"), settings, quiet)
    assert outcome.exit_code == 0
    assert Path(str(outcome.output).strip()) == folder / "1.0.0"
    return folder


def test_a_release_freezes_dumps_ontology_record_citation_and_checksums(
    releases: Path, clip_kg: KnowledgeGraph
) -> None:
    names = {path.relative_to(releases / "1.0.0").as_posix() for path in (releases / "1.0.0").rglob("*")}
    frozen = {"release.json", "CITATION.cff", "SHA256SUMS", "ontology.ttl", "ontology.nt", "dumps/clip-kg.ttl.gz"}
    assert frozen <= names
    record = json.loads((releases / "1.0.0" / "release.json").read_text(encoding="utf-8"))
    assert (record["version"], record["data_version"], record["previous"]) == ("1.0.0", clip_kg.version, None)


def test_every_file_of_a_release_matches_its_checksum_and_is_read_only(releases: Path) -> None:
    folder = releases / "1.0.0"
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1] for line in lines}
    on_disk = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert listed == on_disk - {"SHA256SUMS"}
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
        assert not (folder / name).stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), name


def test_the_citation_file_is_valid_cff_1_2_0(releases: Path, settings: Settings) -> None:
    citation = yaml.safe_load((releases / "1.0.0" / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(CFF_SCHEMA).validate(citation)
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == "1.0.0"
    assert citation["authors"] == [{"name": "CLIP Knowledge Graph developers"}]
    assert citation["license"] == "CC-BY-4.0"
    assert citation["url"] == f"{settings.base_uri}release/1.0.0/"
    assert citation["date-released"] == datetime.now(UTC).date().isoformat()


def test_a_version_is_never_released_twice(releases: Path, app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    before = (releases / "1.0.0" / "SHA256SUMS").read_bytes()
    settings: Settings = app.extensions["kg"].settings.with_overrides(releases_dir=releases)
    with pytest.raises(BadInput, match=r"release 1.0.0 exists already"):
        run_release(argparse.Namespace(target="1.0.0"), settings, quiet)
    assert main(["release", "1.0.0", "--releases-dir", str(releases)]) == 2
    assert "release 1.0.0 exists already" in capsys.readouterr().err
    assert (releases / "1.0.0" / "SHA256SUMS").read_bytes() == before


@pytest.mark.parametrize("version", ["..", "1.0.0/..", "latest", "1", "2026-13-40", "1.0.0 ", "-1.0", "1.0.0-"])
def test_a_bad_version_is_refused(version: str) -> None:
    with pytest.raises(BadInput, match="is not a release version"):
        check_version(version)


def test_a_bad_version_is_refused_by_the_command_before_any_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["release", "latest", "--releases-dir", str(tmp_path)]) == 2
    assert "'latest' is not a release version" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version", ["1.0.0", "v2.1", "1.0.0-rc.1", "2026-12-05", "2026-12-05.2"])
def test_semantic_and_date_versions_are_accepted(version: str) -> None:
    assert check_version(version) == version


def test_each_release_names_the_one_before_it(releases: Path, clip_kg: KnowledgeGraph, tmp_path: Path) -> None:
    chain = tmp_path / "chain"
    first = write_citable_release(clip_kg, chain, "2026-12-01", now=datetime(2026, 12, 1, tzinfo=UTC))
    second = write_citable_release(clip_kg, chain, "2026-12-05", now=datetime(2026, 12, 5, tzinfo=UTC))
    third = write_citable_release(clip_kg, chain, "2026-12-05.2", now=datetime(2026, 12, 5, 1, tzinfo=UTC))
    assert (first.previous, second.previous, third.previous) == (None, "2026-12-01", "2026-12-05")
    assert [release.version for release in list_releases(chain)] == ["2026-12-05.2", "2026-12-05", "2026-12-01"]
    assert read_release(chain / "2026-12-05") == second


def test_a_citable_release_is_also_a_replica_release(releases: Path, clip_kg: KnowledgeGraph) -> None:
    assert open_release(releases / "1.0.0", clip_kg.base).version == clip_kg.version


def test_a_path_still_writes_a_replica_release(app: Flask, tmp_path: Path) -> None:
    args = build_parser().parse_args(["release", f"{tmp_path}/replicas"])
    outcome = run_release(args, app.extensions["kg"].settings, quiet)
    folder = Path(str(outcome.output).strip())
    assert folder.parent == tmp_path / "replicas"
    assert not (folder / "CITATION.cff").exists()
