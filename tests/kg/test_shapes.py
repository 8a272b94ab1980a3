"""The SHACL shapes (shapes/clip-shapes.ttl) against the real data and against test data.

The real data and a small valid world (data/shapes/valid.ttl) conform. Every file in
data/shapes/invalid/ is validated together with valid.ttl and breaks exactly one rule,
which its header names:

    # expect-shape: https://w3id.org/clip-network/shapes/NAME       (the sh:sourceShape)
    # expect-constraint: https://w3id.org/clip-network/shapes/NAME  (SPARQL constraints only)
    # expect-component: sh:MaxCountConstraintComponent              (optional: which constraint of the shape)
    # expect-message: a substring of the result's message
    # why: what is wrong

Every constraint of the shapes (shape, path, constraint component) must be broken by at
least one example, except those listed in LACKING_EXAMPLE, a list that can only shrink.

Validating each example alone costs about one second (pySHACL parses each SPARQL
constraint again for every focus node), so the examples are validated in a few batches:
examples that have no node in common (apart from the sources they cite, and counting the
nodes of valid.ttl that share one of their literals) are merged into one copy of
valid.ttl, and each result goes back to the one example whose nodes it names. Examples
with blank nodes, and those a result cannot be traced back to unambiguously, are
validated alone; KG_SHACL_ALONE=1 validates every example alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from rdflib.term import Node

from server.kg import validation
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
HEADER = re.compile(r"^# (expect-shape|expect-constraint|expect-component|expect-message|why): (.+)$")
INSTANCES = "https://w3id.org/clip-network/id/"

# Constraint parameters (SHACL 4) and the constraint component each one belongs to.
COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
# Parameters that only complete another one (sh:qualifiedValueShape goes with the qualified counts).
PARAMETERS_OF_OTHERS = {SH.path, SH.qualifiedValueShape, SH.flags}

# Constraints that no known-bad example breaks yet. The list may only shrink: add an
# example to data/shapes/invalid/ (with expect-component) and remove its line.
LACKING_EXAMPLE = {
    "Authorship - sh:NodeKindConstraintComponent",
    "Country-iso-alpha3 clip:isoAlpha3 sh:DatatypeConstraintComponent",
    "Country-iso-code clip:isoCode sh:DatatypeConstraintComponent",
    "Country-names skos:prefLabel sh:DatatypeConstraintComponent",
    "Event - sh:NodeKindConstraintComponent",
    "Involvement - sh:NodeKindConstraintComponent",
    "LocalPolicy - sh:NodeKindConstraintComponent",
    "LocalPolicy-tie clip:clipTie sh:ClassConstraintComponent",
    "Membership - sh:NodeKindConstraintComponent",
    "Membership-network clip:ofNetwork sh:ClassConstraintComponent",
    "Organisation - sh:NodeKindConstraintComponent",
    "Participation - sh:NodeKindConstraintComponent",
    "Participation - sh:SPARQLConstraintComponent project-description-cited",
    "PeriodClaim - sh:NodeKindConstraintComponent",
    "Publication-eurofound-reference clip:eurofoundReference sh:DatatypeConstraintComponent",
    "Publication-series-number clip:seriesNumber sh:DatatypeConstraintComponent",
    "Publication-title dcterms:title sh:DatatypeConstraintComponent",
    "Publication-title dcterms:title sh:MinCountConstraintComponent",
    "RelatedWork-tie clip:clipTie sh:ClassConstraintComponent",
    "ResearchModule-network clip:moduleOf sh:ClassConstraintComponent",
    "ResearchModule-number clip:moduleNumber sh:DatatypeConstraintComponent",
    "Source - sh:NodeKindConstraintComponent",
    "Source-kind clip:sourceKind sh:ClassConstraintComponent",
    "Topic - sh:NodeKindConstraintComponent",
    "Topic-scheme skos:inScheme sh:ClassConstraintComponent",
    "TopicScheme-top skos:hasTopConcept sh:ClassConstraintComponent",
    "geonames-link clip:geonames sh:NodeKindConstraintComponent",
}
# Every constraint of these kinds must have an example of its own.
MUST_HAVE_EXAMPLE = (SH.MaxCountConstraintComponent, SH.PatternConstraintComponent, SH.UniqueLangConstraintComponent)


@dataclass(frozen=True)
class Expectation:
    """What an invalid example says it breaks."""

    shape: str
    constraint: str | None
    message: str
    why: str
    component: str | None = None

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
        component=str(SH) + fields["expect-component"].removeprefix("sh:") if "expect-component" in fields else None,
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


def show(results: Iterable[ValidationResult]) -> str:
    return "\n\n".join(result.text() for result in results) or "(none)"


def constraint_key(shapes: Graph, shape: str, path: str | None, component: str, constraint: str | None) -> str:
    """A constraint as a person reads it: shape, path and component, with prefixes."""
    nm = shapes.namespace_manager
    parts = [shape.removeprefix(SHAPE_NS), URIRef(path).n3(nm) if path else "-", URIRef(component).n3(nm)]
    if constraint:
        parts.append(constraint.removeprefix(SHAPE_NS))
    return " ".join(parts)


def declared_constraints(shapes: Graph) -> set[str]:
    """Every constraint of every reportable shape: (shape, path, component), one per parameter."""
    keys = set()
    for iri in shape_iris(shapes) - UNREPORTABLE.keys():
        shape = URIRef(iri)
        path = shapes.value(shape, SH.path)
        for parameter, value in shapes.predicate_objects(shape):
            if parameter not in COMPONENTS:
                continue
            constraint = str(value) if parameter == SH.sparql else None
            keys.add(constraint_key(shapes, iri, str(path) if path else None, str(COMPONENTS[parameter]), constraint))
    return keys


# ---------------------------------------------------------------------------
# Validation with constraint components, in batches
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """An example's validation: the report valid.ttl plus the example alone would give, and
    the constraint components of each result (one result can come from several)."""

    report: ValidationReport
    components: dict[ValidationResult, frozenset[str]]

    def components_of(self, results: Iterable[ValidationResult]) -> set[str]:
        return {component for result in results for component in self.components[result]}


COMPONENTS_QUERY = validation.RESULTS_QUERY.replace(
    "?constraint WHERE {", "?constraint ?component WHERE {\n    ?result sh:sourceConstraintComponent ?component ."
)


def validate_with_components(data: Graph, shapes: Graph, ontology: Graph) -> Outcome:
    """server.kg.validation.validate, plus each result's sh:sourceConstraintComponent from its report graph."""
    captured: list[Graph] = []

    def capturing(*args: Any, **kwargs: Any) -> Any:
        answer = pyshacl_validate(*args, **kwargs)
        captured.append(answer[1])
        return answer

    with mock.patch.object(validation, "pyshacl_validate", capturing):
        report = validate(data, shapes, ontology)
    (graph,) = captured
    components: dict[ValidationResult, set[str]] = {}
    for row in graph.query(COMPONENTS_QUERY, initNs={"sh": SH}):
        result = ValidationResult(
            focus=validation._show(graph, row.focus),  # type: ignore[union-attr]
            path=validation._show(graph, row.path) if row.path is not None else None,  # type: ignore[union-attr]
            value=validation._show(graph, row.value) if row.value is not None else None,  # type: ignore[union-attr]
            message=str(row.message) if row.message is not None else "(no message)",  # type: ignore[union-attr]
            severity=str(row.severity).rsplit("#", 1)[-1],  # type: ignore[union-attr]
            shape=validation._show(graph, row.shape),  # type: ignore[union-attr]
            constraint=validation._show(graph, row.constraint) if row.constraint is not None else None,  # type: ignore[union-attr]
        )
        components.setdefault(result, set()).add(str(row.component))  # type: ignore[union-attr]
    assert set(components) == set(report.results), "the component query and validate() disagree on the results"
    return Outcome(report, {result: frozenset(found) for result, found in components.items()})


def written(term: Node) -> str | None:
    """A node as validation results write it, or None for the vocabulary and other IRIs."""
    if isinstance(term, URIRef):
        return str(term) if str(term).startswith(INSTANCES) else None
    return term.n3() if isinstance(term, (BNode, Literal)) else None


@dataclass(frozen=True)
class Example:
    """A known-bad example: its triples, the nodes it describes and the nodes it mentions,
    and its neighbourhood: what it mentions (apart from the sources it only cites) and the
    nodes of valid.ttl that share one of its literals."""

    path: Path
    graph: Graph
    subjects: frozenset[str]
    nodes: frozenset[str]
    neighbourhood: frozenset[str]

    @classmethod
    def read(cls, path: Path, valid: Graph) -> Example:
        graph = parse_files([path])
        subjects = {written(s) for s in graph.subjects()} - {None}
        nodes = {written(t) for triple in graph for t in (triple[0], triple[2])} - {None}
        cited = {written(o) for s, p, o in graph if p == DCTERMS.source} - {
            written(t) for s, p, o in graph for t in (s, o) if not (p == DCTERMS.source and t == o)
        }
        literals = {o for o in graph.objects() if isinstance(o, Literal)}
        linked = {written(s) for literal in literals for s in valid.subjects(None, literal)} - {None}
        return cls(path, graph, frozenset(subjects), frozenset(nodes), frozenset((nodes - cited) | linked))  # type: ignore[arg-type]

    @property
    def has_blank_nodes(self) -> bool:
        """pySHACL relabels blank nodes in its report, so their results cannot be traced back."""
        return any(isinstance(term, BNode) for triple in self.graph for term in triple)


def batches(examples: list[Example]) -> list[list[Example]]:
    """Group examples so that no two of a group have a node in common (first fit)."""
    groups: list[tuple[list[Example], set[str]]] = []
    for example in examples:
        for members, used in groups:
            if not example.neighbourhood & used:
                members.append(example)
                used |= example.neighbourhood
                break
        else:
            groups.append(([example], set(example.neighbourhood)))
    return [members for members, _ in groups]


def owners(result: ValidationResult, group: list[Example]) -> list[Example]:
    """The examples of a batch a result can come from; several means unclear.

    The examples that describe its focus node or its value (a SPARQL constraint can join
    two nodes that two examples describe); if none does, those mentioning the value, then
    those mentioning the focus node.
    """
    named = {result.focus, result.value}
    describing = [e for e in group if named & e.subjects]
    if describing:
        return describing
    for node in (result.value, result.focus):
        mentioning = [e for e in group if node in e.nodes]
        if mentioning:
            return mentioning
    return []


def validate_examples(
    paths: list[Path], valid: Graph, baseline: Outcome, shapes: Graph, ontology: Graph
) -> dict[Path, Outcome]:
    """Each example's outcome with valid.ttl, from a few batched runs (and solo runs where needed).

    With KG_SHACL_ALONE=1 every example is validated alone, as a check of the batching.
    """
    examples = [Example.read(path, valid) for path in paths]
    alone = [e.path for e in examples if e.has_blank_nodes or os.environ.get("KG_SHACL_ALONE") == "1"]
    base = list(baseline.report.results)
    outcomes: dict[Path, Outcome] = {}
    for group in batches([e for e in examples if e.path not in alone]):
        merged = Graph()
        for graph in (valid, *(example.graph for example in group)):
            for triple in graph:
                merged.add(triple)
        batch = validate_with_components(merged, shapes, ontology)
        owned: dict[Path, list[ValidationResult]] = {example.path: [] for example in group}
        unclear: set[Path] = set()
        for result in batch.report.results:
            if result in baseline.components:
                continue
            candidates = owners(result, group)
            if not candidates:  # from none of them: validate the whole batch one by one
                unclear.update(owned)
            elif len(candidates) > 1:
                unclear.update(example.path for example in candidates)
            else:
                owned[candidates[0].path].append(result)
        for path, results in owned.items():
            if path in unclear or not results:
                alone.append(path)
                continue
            everything = sorted(base + results, key=lambda r: (r.focus, r.path or "", r.shape))
            conforms = not any(r.severity == "Violation" for r in everything)
            components = {**baseline.components, **batch.components}
            report = ValidationReport(conforms=conforms, results=tuple(everything))
            outcomes[path] = Outcome(report, {r: components[r] for r in everything})
    for path in alone:
        outcomes[path] = validate_with_components(parse_files([VALID, path]), shapes, ontology)
    return outcomes


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
def valid_outcome(valid_graph: Graph, shapes_graph: Graph, ontology_graph: Graph) -> Outcome:
    return validate_with_components(valid_graph, shapes_graph, ontology_graph)


@pytest.fixture(scope="session")
def valid_report(valid_outcome: Outcome) -> ValidationReport:
    return valid_outcome.report


@pytest.fixture(scope="session")
def outcomes(
    valid_graph: Graph, valid_outcome: Outcome, shapes_graph: Graph, ontology_graph: Graph
) -> dict[Path, Outcome]:
    """Every invalid example validated with valid.ttl, in a few batched runs."""
    return validate_examples(INVALID_FILES, valid_graph, valid_outcome, shapes_graph, ontology_graph)


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
def test_invalid_example_is_reported_by_its_rule(path: Path, outcomes: dict[Path, Outcome]) -> None:
    expected = read_expectation(path)
    outcome = outcomes[path]
    report = outcome.report
    assert not report.conforms, f"{path.name} conforms, but {expected.why}"
    matching = [r for r in report.results if expected.is_its_rule(r) and expected.message in r.message]
    assert matching, f"{path.name}: no result from {expected.shape} saying {expected.message!r}:\n{report.text()}"
    if expected.component is not None:
        found = outcome.components_of(matching)
        assert expected.component in found, f"{path.name}: {expected.component} not among {sorted(found)}"


@pytest.mark.parametrize("path", INVALID_FILES, ids=[path.name for path in INVALID_FILES])
def test_invalid_example_breaks_nothing_else(
    path: Path, outcomes: dict[Path, Outcome], valid_report: ValidationReport
) -> None:
    expected = read_expectation(path)
    baseline = set(valid_report.results)
    others = [r for r in outcomes[path].report.results if r not in baseline and not expected.is_its_rule(r)]
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


def broken_constraints(outcomes: dict[Path, Outcome], shapes: Graph) -> set[str]:
    """The constraints the examples break, each counted only for the rule its example names."""
    keys = set()
    for path, outcome in outcomes.items():
        expected = read_expectation(path)
        for result in outcome.report.results:
            if expected.is_its_rule(result) and expected.message in result.message:
                for component in outcome.components[result]:
                    if expected.component is None or component == expected.component:
                        keys.add(constraint_key(shapes, result.shape, result.path, component, result.constraint))
    return keys


def test_every_constraint_parameter_is_known(declared_shapes: Graph) -> None:
    """A constraint parameter that COMPONENTS does not know would escape the coverage below."""
    unknown = sorted(
        f"{shape} {parameter}"
        for shape in map(URIRef, shape_iris(declared_shapes))
        for parameter in set(declared_shapes.predicates(shape, None))
        if str(parameter).startswith(str(SH))
        and parameter not in {*COMPONENTS, *NOT_CONSTRAINTS, *PARAMETERS_OF_OTHERS, RDF.type}
        and (shape, RDF.type, SH.SPARQLConstraint) not in declared_shapes
    )
    assert unknown == []


def test_every_constraint_has_an_invalid_example(declared_shapes: Graph, outcomes: dict[Path, Outcome]) -> None:
    """Per constraint, not per shape: the allow-list LACKING_EXAMPLE names exactly those still without one."""
    lacking = declared_constraints(declared_shapes) - broken_constraints(outcomes, declared_shapes)
    assert sorted(lacking - LACKING_EXAMPLE) == [], "add an example for these, or (never) list them in LACKING_EXAMPLE"
    assert sorted(LACKING_EXAMPLE - lacking) == [], "these now have an example: remove them from LACKING_EXAMPLE"


def test_cardinality_pattern_and_unique_language_constraints_all_have_examples(declared_shapes: Graph) -> None:
    nm = declared_shapes.namespace_manager
    must = {component.n3(nm) for component in MUST_HAVE_EXAMPLE}
    assert sorted(key for key in LACKING_EXAMPLE if key.split(" ")[2] in must) == []
