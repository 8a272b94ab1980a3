"""One on-disk store per data version: built once, atomically, then only opened."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest

from server.config import Settings
from server.engine.embedded import EmbeddedEngine
from server.engine.loader import StoreWriter
from server.errors import DataSyntaxError
from server.kg import build as building
from server.kg.build import KEEP_VERSIONS, PRUNE_AFTER, build, prune_versions
from server.namespaces import CANONICAL_BASE

from ..conftest import DATA

OTHER = DATA / "cli" / "other.ttl"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(engine: EmbeddedEngine) -> int:
    return int(engine.rows(COUNT)[0]["n"].value)


def settings(tmp_path: Path, *data: Path, **more: object) -> Settings:
    return Settings(data_files=data, cache_dir=tmp_path / "cache", **more)  # type: ignore[arg-type]


def test_unchanged_inputs_open_the_store_built_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build(settings(tmp_path, OTHER))
    assert not first.reused and (first.store_path / "CURRENT").is_file()
    monkeypatch.setattr(StoreWriter, "load", lambda *_, **__: pytest.fail("the store was loaded again"))
    again = build(settings(tmp_path, OTHER))
    assert again.reused and again.folder == first.folder and again.quads == first.quads == 5
    assert count(EmbeddedEngine.on_disk(again.store_path)) == 5


def test_a_failed_build_leaves_no_store_and_the_previous_version_whole(tmp_path: Path) -> None:
    good = build(settings(tmp_path, OTHER))
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n<a> <b> .\n")
    with pytest.raises(DataSyntaxError, match=r"broken\.nt, line 2"):
        build(settings(tmp_path, broken))
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [good.folder.name]
    assert count(EmbeddedEngine.on_disk(good.store_path)) == 5


def test_an_interrupted_build_leaves_no_half_built_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(StoreWriter, "load", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(settings(tmp_path, OTHER))
    assert list((tmp_path / "cache").iterdir()) == []
    monkeypatch.undo()
    assert build(settings(tmp_path, OTHER)).quads == 5


def test_changed_inputs_are_a_new_version_in_a_store_of_their_own(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    first = build(settings(tmp_path, data))
    data.write_text(data.read_text() + "<http://example.org/a> <http://example.org/b> <http://example.org/d> .\n")
    second = build(settings(tmp_path, data))
    assert second.version != first.version and second.folder != first.folder
    assert (count(EmbeddedEngine.on_disk(first.store_path)), count(EmbeddedEngine.on_disk(second.store_path))) == (1, 2)


def test_gzipped_files_load_and_their_errors_are_located(tmp_path: Path) -> None:
    packed = tmp_path / "data.nt.gz"
    packed.write_bytes(gzip.compress(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"))
    assert build(settings(tmp_path, packed)).quads == 1
    bad = tmp_path / "bad.ttl.gz"
    bad.write_bytes(gzip.compress(b"@prefix ex: <http://example.org/> .\nex:a ex:b .\n"))
    with pytest.raises(DataSyntaxError, match=r"bad\.ttl\.gz, line 2"):
        build(settings(tmp_path, bad))


def test_bulk_loaded_data_under_the_canonical_base_moves_to_the_served_base(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_text(f'<{CANONICAL_BASE}id/city/vienna> <{CANONICAL_BASE}def/name> "{CANONICAL_BASE}x" .\n')
    kg = build(settings(tmp_path, data, base_uri="http://127.0.0.1:8123/"))
    row = EmbeddedEngine.on_disk(kg.store_path).rows("SELECT * WHERE { ?s ?p ?o }")[0]
    assert (row["s"].value, row["p"].value, row["o"].value) == (
        "http://127.0.0.1:8123/id/city/vienna",
        "http://127.0.0.1:8123/def/name",
        "http://127.0.0.1:8123/x",
    )


def test_the_store_keeps_values_and_the_engine_gives_back_literals_as_written(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<http://example.org/m> <http://example.org/number> "3"^^xsd:positiveInteger .\n'
    )
    shapes = tmp_path / "shapes.ttl"  # validation sends the build through rdflib, which keeps the forms
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n")
    kg = build(settings(tmp_path, data, shapes_files=(shapes,)))
    engine = EmbeddedEngine.on_disk(kg.store_path, kg.changed_literals_path)
    assert engine.rows("SELECT ?n WHERE { ?m ?p ?n }")[0]["n"].datatype.endswith("#integer")  # oxigraph#526
    (quad,), _ = engine.quads_about("http://example.org/m")
    assert quad.object.datatype.endswith("#positiveInteger")  # type: ignore[union-attr]


def test_old_versions_unused_for_a_day_are_pruned_past_the_newest(tmp_path: Path) -> None:
    folders = []
    for number in range(KEEP_VERSIONS + 2):
        folder = tmp_path / f"store-{number}"
        (folder / "oxigraph").mkdir(parents=True)
        (folder / building.BUILD_RECORD).write_text("{}")
        age = time.time() - PRUNE_AFTER - 1000 * (KEEP_VERSIONS + 2 - number)
        os.utime(folder / building.BUILD_RECORD, (age, age))
        os.utime(folder, (age, age))
        folders.append(folder)
    recent = tmp_path / "store-recent"
    (recent / "oxigraph").mkdir(parents=True)
    prune_versions(tmp_path, keep=folders[0])
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([folders[0].name, recent.name, *(f.name for f in folders[-(KEEP_VERSIONS - 2) :])])


def test_loading_reports_how_far_it_is_with_a_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from server.engine import loader

    monkeypatch.setattr(loader, "REPORT_EVERY", 0.0)
    data = tmp_path / "data.nt"
    data.write_text("".join(f'<http://example.org/{n}> <http://example.org/p> "{n}" .\n' for n in range(20_000)))
    messages: list[str] = []
    build(settings(tmp_path, data), messages.append)
    updates = [m for m in messages if m.startswith(loader.UPDATE)]
    assert updates and all("loading data.nt [" in m and " % of " in m for m in updates)
    assert any("loaded 20,000 quads from data.nt" in m for m in messages)


def test_a_new_data_version_is_answered_afresh_with_another_etag(tmp_path: Path) -> None:
    from server.web.app import create_app

    data = tmp_path / "data.nt"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    first = create_app(settings(tmp_path, data)).test_client().get("/sparql", query_string=query)
    data.write_text(data.read_text() + "<http://example.org/a> <http://example.org/b> <http://example.org/d> .\n")
    second = create_app(settings(tmp_path, data)).test_client().get("/sparql", query_string=query)
    values = [r.json["results"]["bindings"][0]["n"]["value"] for r in (first, second)]  # type: ignore[index]
    assert values == ["1", "2"] and first.headers["ETag"] != second.headers["ETag"]
