"""Releases: a data version without its store, for replicas in front of an engine that build nothing."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from server.cli.commands import run_release
from server.cli.main import build_parser
from server.cli.push import push
from server.config import Settings
from server.errors import BadInput
from server.kg.build import KnowledgeGraph, build
from server.kg.release import open_release, write_release

from .. import engines
from ..conftest import DATA, OTHER_BASE, needs_oxigraph
from ..live import clip_kg_serve


def quiet(message: str) -> None:
    """Progress goes nowhere in tests."""


@pytest.fixture(scope="module")
def release(app: Flask, clip_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLIP data version released by the command (the app has written its facts and dumps)."""
    out = tmp_path_factory.mktemp("releases")
    outcome = run_release(argparse.Namespace(out=out), app.extensions["kg"].settings, quiet)
    assert outcome.exit_code == 0
    return Path(str(outcome.output).strip())


def test_a_release_holds_everything_but_the_store(release: Path, clip_kg: KnowledgeGraph) -> None:
    assert release.name == clip_kg.version
    names = {path.name for path in release.iterdir()}
    assert {"build.json", "facts.json", "ontology.nt", "dumps"} <= names
    assert not {"oxigraph", "source.nq"} & names
    manifest = (clip_kg.dumps_folder / "manifest.json").read_bytes()
    assert (release / "dumps" / "manifest.json").read_bytes() == manifest
    for dump in json.loads(manifest):
        name = f"clip-kg.{dump['format']}" + (".gz" if dump["compressed"] else "")
        assert hashlib.sha256((release / "dumps" / name).read_bytes()).hexdigest() == dump["sha256"]


def test_releasing_a_version_again_leaves_the_release_as_it_is(release: Path, clip_kg: KnowledgeGraph) -> None:
    before = (release / "build.json").stat().st_mtime_ns
    assert write_release(clip_kg, release.parent) == release
    assert (release / "build.json").stat().st_mtime_ns == before
    assert [path.name for path in release.parent.iterdir()] == [release.name]  # no partial copy left


def test_a_version_without_its_facts_and_dumps_is_not_released(tmp_path: Path) -> None:
    kg = build(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path / "cache"))
    with pytest.raises(BadInput, match=r"not complete yet \(missing: facts.json, dump files\)"):
        write_release(kg, tmp_path / "releases")
    assert not (tmp_path / "releases" / kg.version).exists()


def test_a_release_opens_only_whole_and_under_its_own_base(release: Path, tmp_path: Path, settings: Settings) -> None:
    assert open_release(release, settings.base_uri).version == release.name
    with pytest.raises(BadInput, match="is not a release: it has no build.json"):
        open_release(tmp_path, settings.base_uri)
    with pytest.raises(BadInput, match=f"built for the base {settings.base_uri}, not {OTHER_BASE}"):
        open_release(release, OTHER_BASE)
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "build.json").write_bytes((release / "build.json").read_bytes())
    with pytest.raises(BadInput, match=r"not complete \(missing: facts.json, dump files\)"):
        open_release(partial, settings.base_uri)


def test_a_release_is_served_only_in_front_of_an_engine(release: Path) -> None:
    with pytest.raises(BadInput, match="a release holds no store"):
        Settings(release=release)
    args = build_parser().parse_args(["serve", "--engine", "http://127.0.0.1:1/sparql", "--release", str(release)])
    assert (args.engine, args.release) == ("http://127.0.0.1:1/sparql", release)


@needs_oxigraph
def test_a_replica_serves_a_release_in_front_of_the_engine_and_builds_nothing(
    release: Path, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    with engines.oxigraph(None, writable=True) as engine:
        assert engine.store_url is not None
        push(clip_kg, engine.store_url, quiet)
        started = time.monotonic()
        with clip_kg_serve(tmp_path, engine=engine.query_url, release=str(release), reasoning="no") as (url, _):
            ready = time.monotonic() - started
            for path in ("/doc/city/vienna.html", "/doc/city/vienna.ttl", "/", "/.well-known/void", "/dumps"):
                with urllib.request.urlopen(url + path, timeout=10) as answer:  # noqa: S310 - loopback only
                    assert answer.status == 200, path
            with urllib.request.urlopen(url + "/dumps/clip-kg.nq", timeout=10) as answer:  # noqa: S310
                assert answer.read() == (release / "dumps" / "clip-kg.nq").read_bytes()
        assert list(tmp_path.iterdir()) == [], "the replica wrote into its cache: it built something"
        assert ready < 60
