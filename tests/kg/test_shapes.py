"""The SHACL shapes (shapes/clip-shapes.ttl) against the real data and against test data.

The real data and a small valid world (data/shapes/valid.ttl) conform. Every file in
data/shapes/invalid/ is validated together with valid.ttl and breaks exactly one rule,
which its header names:

    # expect-shape: https://w3id.org/clip-network/shapes/NAME       (the sh:sourceShape)
    # expect-constraint: https://w3id.org/clip-network/shapes/NAME  (SPARQL constraints only)
    # expect-message: a substring of the result's message
    # why: what is wrong
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from server.kg.loading import parse_files
from server.kg.validation import ValidationReport, ValidationResult, validate

HERE = Path(__file__).parent.parent  # tests/
ROOT = HERE.parent
SHAPES_FILE = ROOT / "shapes" / "clip-shapes.ttl"
VALID = HERE / "data" / "shapes" / "valid.ttl"
INVALID_DIR = HERE / "data" / "shapes" / "invalid"
SHAPE_NS = "https://w3id.org/clip-network/shapes/"

# Collected once; test_every_invalid_file_is_collected checks it against a fresh glob.
INVALID_FILES = sorted(INVALID_DIR.glob("*.ttl"))

# Node shapes that no validation result can name as its sh:sourceShape, so no invalid
# example can expect them; test_unreportable_shapes_are_really_unreportable keeps this
# list honest. A failed sh:qualifiedValueShape is reported at the property shape that
# holds it (SHACL 4.7.3); the results of sh:property name the property shape.
UNREPORTABLE = {
    SHAPE_NS + "EnglishText": "has no target: used only as sh:qualifiedValueShape of shape:english-label",
    SHAPE_NS + "RelatedWork": "has no constraint of its own, only sh:property shape:RelatedWork-tie",
}

SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Properties of a shape that are not constraints: a shape with no other SHACL property
# reports nothing at itself.
NOT_CONSTRAINTS = {*TARGETS, SH.property, SH.message, SH.name, SH.description, SH.severity, SH.deactivated}
HEADER = re.compile(r"^# (expect-shape|expect-constraint|expect-message|why): (.+)$")


@dataclass(frozen=True)
class Expectation:
    """What an invalid example says it breaks."""

    shape: str
    constraint: str | None
    message: str
    why: str

    def is_its_rule(self, result: ValidationResult) -> bool:
        """Whether a result comes from the rule this example means to break."""
        return result.shape == self.shape and (self.constraint is None or result.constraint == self.constraint)


def read_expectation(path: Path) -> Expectation:
    """Read the header comment of an invalid example."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        if match:
            fields[match[1]] = match[2].strip()
    return Expectation(
        shape=fields.get("expect-shape", ""),
        constraint=fields.get("expect-constraint"),
        message=fields.get("expect-message", ""),
        why=fields.get("why", ""),
    )


def shape_iris(shapes: Graph) -> set[str]:
    """The IRIs of every node shape, property shape and SPARQL constraint."""
    return {str(s) for kind in SHAPE_TYPES for s in shapes.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def is_unreportable(shapes: Graph, shape: URIRef) -> bool:
    """A shape without targets, or without constraints of its own, is never a sh:sourceShape."""
    has_target = any((shape, target, None) in shapes for target in TARGETS)
    own_constraints = {
        p for p in shapes.predicates(shape, None) if str(p).startswith(str(SH)) and p not in NOT_CONSTRAINTS
    }
    return not has_target or not own_constraints


def subclasses(ontology: Graph, cls: Node) -> set[Node]:
    """A class and all its subclasses, from the ontology's rdfs:subClassOf."""
    return set(ontology.transitive_subjects(RDFS.subClassOf, cls))


def show(results: list[ValidationResult]) -> str:
    return "\n\n".join(result.text() for result in results) or "(none)"


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    return parse_files(sorted((ROOT / "shapes").glob("*.ttl")))


@pytest.fixture(scope="session")
def declared_shapes() -> Graph:
    """shapes/clip-shapes.ttl alone: the file whose shapes the examples must cover."""
    return parse_files([SHAPES_FILE])


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    return parse_files(sorted((ROOT / "ontology").glob("*.ttl")))


@pytest.fixture(scope="session")
def real_data_report(shapes_graph: Graph, ontology_graph: Graph) -> ValidationReport:
    """The real data validated once per session (about 15 s)."""
    return validate(parse_files(sorted((ROOT / "graph").glob("*.ttl"))), shapes_graph, ontology_graph)


@pytest.fixture(scope="session")
def valid_graph() -> Graph:
    return parse_files([VALID])


@pytest.fixture(scope="session")
def valid_report(valid_graph: Graph, shapes_graph: Graph, ontology_graph: Graph) -> ValidationReport:
    return validate(valid_graph, shapes_graph, ontology_graph)


@pytest.fixture(scope="session")
def report_with_valid(shapes_graph: Graph, ontology_graph: Graph) -> Callable[[Path], ValidationReport]:
    """Validate valid.ttl together with one invalid example; each example is validated once."""
    reports: dict[Path, ValidationReport] = {}

    def report(path: Path) -> ValidationReport:
        if path not in reports:
            reports[path] = validate(parse_files([VALID, path]), shapes_graph, ontology_graph)
        return reports[path]

    return report


# ---------------------------------------------------------------------------
# Conforming data
# ---------------------------------------------------------------------------


def test_real_data_conforms(real_data_report: ValidationReport) -> None:
    assert real_data_report.conforms, real_data_report.text()


def test_valid_example_conforms(valid_report: ValidationReport) -> None:
    assert valid_report.conforms, valid_report.text()


def test_valid_example_has_an_instance_of_every_target_class(
    valid_graph: Graph, shapes_graph: Graph, ontology_graph: Graph
) -> None:
    missing = sorted(
        str(cls)
        for cls in set(shapes_graph.objects(None, SH.targetClass))
        if not any((None, RDF.type, sub) in valid_graph for sub in subclasses(ontology_graph, cls))
    )
    assert missing == []


def test_valid_example_uses_every_target_property(valid_graph: Graph, shapes_graph: Graph) -> None:
    """The holder shapes (sh:targetSubjectsOf) see a valid value too: ISBN, ISSN, GeoNames, end date."""
    missing = sorted(
        str(prop)
        for prop in set(shapes_graph.objects(None, SH.targetSubjectsOf))
        if (None, prop, None) not in valid_graph
    )
    assert missing == []


# ---------------------------------------------------------------------------
# Known-bad examples
# ---------------------------------------------------------------------------


def test_every_invalid_file_is_collected() -> None:
    on_disk = sorted(INVALID_DIR.glob("*.ttl"))
    assert INVALID_FILES, f"no invalid examples in {INVALID_DIR}"
    assert len(INVALID_FILES) == len(on_disk)


@pytest.mark.parametrize("path", INVALID_FILES, ids=[path.name for path in INVALID_FILES])
def test_invalid_example_names_an_existing_rule(path: Path, declared_shapes: Graph) -> None:
    expected = read_expectation(path)
    assert expected.message and expected.why, f"{path.name}: header needs expect-message and why"
    assert expected.shape in shape_iris(declared_shapes), f"{path.name}: unknown expect-shape {expected.shape!r}"
    if expected.constraint is not None:
        attached = (URIRef(expected.shape), SH.sparql, URIRef(expected.constraint)) in declared_shapes
        assert attached, f"{path.name}: {expected.constraint} is not a sh:sparql of {expected.shape}"


@pytest.mark.parametrize("path", INVALID_FILES, ids=[path.name for path in INVALID_FILES])
def test_invalid_example_is_reported_by_its_rule(
    path: Path, report_with_valid: Callable[[Path], ValidationReport]
) -> None:
    expected = read_expectation(path)
    report = report_with_valid(path)
    assert not report.conforms, f"{path.name} conforms, but {expected.why}"
    matching = [r for r in report.results if expected.is_its_rule(r) and expected.message in r.message]
    assert matching, f"{path.name}: no result from {expected.shape} saying {expected.message!r}:\n{report.text()}"


@pytest.mark.parametrize("path", INVALID_FILES, ids=[path.name for path in INVALID_FILES])
def test_invalid_example_breaks_nothing_else(
    path: Path, report_with_valid: Callable[[Path], ValidationReport], valid_report: ValidationReport
) -> None:
    expected = read_expectation(path)
    baseline = set(valid_report.results)
    others = [r for r in report_with_valid(path).results if r not in baseline and not expected.is_its_rule(r)]
    assert others == [], f"{path.name} also breaks other rules:\n{show(others)}"


# ---------------------------------------------------------------------------
# Coverage of the shapes by the examples
# ---------------------------------------------------------------------------


def test_every_shape_has_an_invalid_example(declared_shapes: Graph) -> None:
    expectations = [read_expectation(path) for path in INVALID_FILES]
    covered = {e.shape for e in expectations} | {e.constraint for e in expectations if e.constraint}
    uncovered = sorted(shape_iris(declared_shapes) - covered - UNREPORTABLE.keys())
    assert uncovered == [], "no invalid example expects:\n" + "\n".join(uncovered)


@pytest.mark.parametrize("shape", sorted(UNREPORTABLE), ids=[s.removeprefix(SHAPE_NS) for s in sorted(UNREPORTABLE)])
def test_unreportable_shapes_are_really_unreportable(shape: str, declared_shapes: Graph) -> None:
    assert is_unreportable(declared_shapes, URIRef(shape)), (
        f"{shape} can now be a result's source shape ({UNREPORTABLE[shape]} no longer holds): add an invalid example"
    )
