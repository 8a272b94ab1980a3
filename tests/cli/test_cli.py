"""The command line: documented exit codes, readable messages, nothing written on error."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Namespace

from server.cli.main import main
from server.config import PROJECT_ROOT
from server.kg.build import KnowledgeGraph

from ..conftest import DATA, needs_java

CLIP = Namespace("https://w3id.org/clip-network/def/")
CITY = Namespace("https://w3id.org/clip-network/id/city/")
MODULE = Namespace("https://w3id.org/clip-network/id/module/")
GRAPH_FILES = [str(p) for p in sorted((PROJECT_ROOT / "graph").glob("*.ttl"))]


@pytest.fixture(autouse=True)
def private_cache(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    """Every CLI run uses the session's cache, never the user's."""
    monkeypatch.setenv("KG_CACHE_DIR", str(cache_dir))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_clip_graph_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0, out
    assert "conforms" in out


def test_unparsable_turtle_exits_2_with_file_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(DATA / "cli" / "broken.ttl"))
    assert code == 2
    assert "broken.ttl, line 5, column" in err
    assert "newline found in string literal" in err


def test_ill_typed_literal_exits_2_naming_value_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(DATA / "cli" / "ill-typed.ttl"))
    assert code == 2
    assert "ill-typed.ttl, line 6" in err
    assert '"26-27 November 2012" is not a valid' in err


def test_wrong_datatype_exits_1_with_focus_path_and_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", *GRAPH_FILES, str(DATA / "cli" / "wrong-datatype.ttl"))
    assert code == 1
    assert "focus node: https://w3id.org/clip-network/id/event/final-conference-2012" in out
    assert "path:       https://w3id.org/clip-network/def/endDate" in out
    assert "shape:      https://w3id.org/clip-network/shapes/end-date" in out
    assert "an end date is one xsd:date, xsd:gYearMonth or xsd:gYear" in out


def test_missing_required_property_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", *GRAPH_FILES, str(DATA / "cli" / "missing-required.ttl"))
    assert code == 1
    assert "participation/vienna-unknown-module" in out
    assert "a participation is in exactly one clip:ResearchModule" in out


def test_dangling_reference_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", *GRAPH_FILES, str(DATA / "cli" / "dangling.ttl"))
    assert code == 1
    assert "value:      https://w3id.org/clip-network/id/city/atlantis\n" in out
    assert "a participation is of exactly one clip:City" in out


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "absent.ttl"))
    assert code == 2
    assert "absent.ttl: cannot read the file" in err


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["dump", "--format", "docx"])
    assert raised.value.code == 2


def test_dump_of_unparsable_data_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(
        capsys, "dump", "--format", "ttl", "--out", str(out_dir), "--data", str(DATA / "cli" / "broken.ttl")
    )
    assert code == 2
    assert "broken.ttl, line 5" in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("fmt", "oxigraph_format"),
    [
        ("nq", pyoxigraph.RdfFormat.N_QUADS),
        ("trig", pyoxigraph.RdfFormat.TRIG),
        ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
        ("ttl", pyoxigraph.RdfFormat.TURTLE),
        ("rdf", pyoxigraph.RdfFormat.RDF_XML),
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ],
)
def test_dump_parses_with_an_independent_parser(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    clip_kg: KnowledgeGraph,
    fmt: str,
    oxigraph_format: pyoxigraph.RdfFormat,
) -> None:
    code, out, _ = run(capsys, "dump", "--format", fmt, "--out", str(tmp_path))
    assert code == 0
    path = Path(out.strip())
    quads = list(pyoxigraph.parse(path.read_bytes(), format=oxigraph_format))
    distinct_triples = {(q.subject, q.predicate, q.object) for q in quads}
    expected_triples = {(s, p, o) for s, p, o, _ in clip_kg.dataset.quads((None, None, None, None))}
    if fmt in ("nq", "trig", "jsonld"):
        assert len(quads) == len(list(clip_kg.dataset.quads((None, None, None, None))))
        assert {q.graph_name.value for q in quads} == set(clip_kg.graph_names())
    else:
        assert len(distinct_triples) == len(expected_triples)


def test_query_named_query_on_the_embedded_graph(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "member_cities", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "city,name,country,lat,long,modules"
    assert any(line.startswith("https://w3id.org/clip-network/id/city/vienna,Vienna,AT,") for line in out.splitlines())


def test_query_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "no_such_query")
    assert code == 2
    assert "no named query 'no_such_query'" in err
    assert "member_cities" in err


def test_query_syntax_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "SELECT ?x WHERE { ?x", "--no-reasoning")
    assert code == 2
    assert "SPARQL syntax error" in err


@needs_java
def test_reason_reports_consistency_and_writes_inferred_triples(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "inferred.ttl"
    code, out, _ = run(capsys, "reason", "--out", str(target))
    assert code == 0
    assert out.startswith("consistent;")
    inferred = Graph().parse(target)
    assert (CITY.vienna, CLIP.tookPartIn, MODULE.intercultural) in inferred
    assert "clip:tookPartIn" in target.read_text(encoding="utf-8")


@needs_java
def test_reason_names_individual_typed_with_disjoint_classes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "reason", *GRAPH_FILES, str(DATA / "cli" / "inconsistent.ttl"))
    assert code == 1
    assert "person/sarah-spencer is both a" in err
    assert "owl:disjointWith" in err


@needs_java
def test_reason_finds_individual_behind_a_functional_property_clash(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "reason", *GRAPH_FILES, str(DATA / "cli" / "inconsistent-functional.ttl"))
    assert code == 1
    assert "these individuals are in conflict" in err
    assert "https://w3id.org/clip-network/id/module/housing" in err
    assert "clip:moduleNumber" in err


def test_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "benchmark", "--repeat", "1")
    assert code == 0
    assert "SHACL validation (pySHACL)" in out
    assert "two-pattern join" in out
    assert "Peak resident memory" in out
