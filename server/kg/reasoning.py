"""OWL 2 reasoning with HermiT through owlready2: consistency and inferred triples.

owlready2 reads N-Triples, so rdflib writes the ontology plus data to a temporary file
first. HermiT does not support every XSD datatype (xsd:date, xsd:gYear are outside the
OWL 2 datatype map), so it is told to ignore them; no axiom of the ontology depends on
them. The inferred graph holds what HermiT derives (types from domains, ranges and the
class hierarchy; values of inverse, chained and super-properties) minus what is asserted.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import owlready2
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from server.errors import InconsistentData, ReasonerUnavailable
from server.kg.progress import Progress, silent

INFERENCES_ONTOLOGY = "http://inferrences/"  # owlready2's own spelling
JAVA_HINT = "HermiT needs a Java runtime: install one (Debian: apt-get install default-jre-headless)"


@dataclass(frozen=True)
class ReasoningResult:
    """What the reasoner derived, and how long it took."""

    inferred: Graph
    seconds: float


def reason(ontology: Graph, data: Graph, progress: Progress = silent) -> ReasoningResult:
    """Check the ontology plus data for consistency and return the inferred triples.

    Raises:
        InconsistentData: naming the individuals (and disjointness axioms) in conflict.
        ReasonerUnavailable: Java is missing or HermiT failed to run.
    """
    started = time.monotonic()
    combined = ontology + data
    progress(f"reasoning with HermiT over {len(combined)} triples")
    world = _run_hermit(combined)
    if world is None:
        progress("inconsistent: looking for the individuals in conflict")
        raise InconsistentData(explain_inconsistency(ontology, data))
    inferred = _inferences(world, combined)
    progress(f"HermiT inferred {len(inferred)} new triples")
    return ReasoningResult(inferred=inferred, seconds=time.monotonic() - started)


def is_consistent(graph: Graph) -> bool:
    """Ask HermiT whether a graph (ontology plus data) is consistent."""
    return _run_hermit(graph) is not None


def _run_hermit(graph: Graph) -> owlready2.World | None:
    """Run HermiT; return the reasoned world, or None when the graph is inconsistent."""
    with tempfile.TemporaryDirectory(prefix="clip-kg-") as folder:
        path = Path(folder) / "input.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            return None
        except FileNotFoundError:
            raise ReasonerUnavailable(JAVA_HINT) from None
        except (owlready2.OwlReadyJavaError, subprocess.SubprocessError, OSError) as error:
            raise ReasonerUnavailable(f"HermiT failed: {error}. {JAVA_HINT}") from None
    return world


def _inferences(world: owlready2.World, asserted: Graph) -> Graph:
    inferred = Graph()
    reasoned = world.get_ontology(INFERENCES_ONTOLOGY)
    for s, p, o in reasoned.get_triples():
        triple = (_node(world, s), _node(world, p), _node(world, o, is_object=True))
        if triple[0] != URIRef(INFERENCES_ONTOLOGY.rstrip("/")):
            inferred.add(triple)
    for individual, cls in _type_closure(world, asserted):
        inferred.add((individual, RDF.type, cls))
    _complete_property_values(asserted, inferred)
    for triple in list(inferred):
        if triple in asserted or any(isinstance(term, BNode) for term in triple):
            inferred.remove(triple)
    return inferred


def _type_closure(world: owlready2.World, asserted: Graph) -> Iterable[tuple[URIRef, URIRef]]:
    """Every named superclass of every type of every individual (classification).

    owlready2 only lists individuals typed owl:NamedIndividual, so the individuals are
    taken from the graph: every subject typed with something other than an OWL/RDFS term.
    """
    for subject in sorted(set(asserted.subjects(RDF.type, None)), key=str):
        if not isinstance(subject, URIRef):
            continue
        entity = world[str(subject)]
        if not isinstance(entity, owlready2.Thing):
            continue
        for cls in list(entity.is_a):
            if not isinstance(cls, owlready2.ThingClass):
                continue
            for ancestor in cls.ancestors():
                if ancestor is not owlready2.Thing and ancestor.iri:
                    yield subject, URIRef(ancestor.iri)


def _complete_property_values(asserted: Graph, inferred: Graph) -> None:
    """Add the values HermiT entails but owlready2 leaves out of its answer.

    owlready2 drops an inferred value when its inverse is asserted, and HermiT's
    property-value listing omits super-properties; both kinds of triple follow directly
    from owl:inverseOf and rdfs:subPropertyOf axioms, so they are added here.
    """
    inverses: dict[Node, set[Node]] = {}
    for p, q in asserted.subject_objects(OWL.inverseOf):
        inverses.setdefault(p, set()).add(q)
        inverses.setdefault(q, set()).add(p)
    supers: dict[Node, set[Node]] = {}
    for p in set(asserted.subjects(RDFS.subPropertyOf, None)):
        supers[p] = {q for q in asserted.transitive_objects(p, RDFS.subPropertyOf) if q is not None and q != p}
    changed = True
    while changed:
        before = len(inferred)
        for s, p, o in list(asserted) + list(inferred):
            for q in supers.get(p, set()):
                inferred.add((s, q, o))
            if not isinstance(o, Literal):
                for q in inverses.get(p, ()):
                    inferred.add((o, q, s))
        changed = len(inferred) != before


def _node(world: owlready2.World, value: object, is_object: bool = False) -> Node:
    if isinstance(value, int) and (not is_object or value > 0):
        iri = world._unabbreviate(value)
        return URIRef(iri) if not iri.startswith("_:") else BNode(iri[2:])
    if isinstance(value, int) and value < 0:
        return BNode(str(-value))
    return Literal(value)


def explain_inconsistency(ontology: Graph, data: Graph) -> str:
    """Name what makes the data inconsistent.

    First the cheap, common cause: an individual typed with two disjoint classes. Failing
    that, HermiT is asked again on growing subsets of the individuals until a minimal set
    in conflict is found (monotonicity of OWL makes the search sound).
    """
    clashes = disjointness_clashes(ontology, data)
    if clashes:
        return "The ontology and data are inconsistent:\n" + "\n".join(clashes)
    culprits = minimal_conflict(ontology, data, is_consistent)
    lines = ["The ontology and data are inconsistent; these individuals are in conflict:"]
    for subject in culprits:
        lines.append(f"  {subject}")
        for _, p, o in sorted(data.triples((subject, None, None))):
            lines.append(f"    {p.n3(data.namespace_manager)} {o.n3(data.namespace_manager)}")
    return "\n".join(lines)


def disjointness_clashes(ontology: Graph, data: Graph) -> list[str]:
    """Individuals whose types fall under two classes declared disjoint."""
    superclasses = _superclass_map(ontology)
    messages = []
    for a, b in ontology.subject_objects(OWL.disjointWith):
        for individual in sorted(set(data.subjects(RDF.type, None)), key=str):
            types = {t for c in data.objects(individual, RDF.type) for t in superclasses.get(c, {c})}
            if a in types and b in types:
                messages.append(
                    f"  {individual} is both a {a.n3(ontology.namespace_manager)} and a "
                    f"{b.n3(ontology.namespace_manager)}, which the axiom "
                    f"{a.n3(ontology.namespace_manager)} owl:disjointWith {b.n3(ontology.namespace_manager)} forbids"
                )
    return messages


def _superclass_map(ontology: Graph) -> dict[Node, set[Node]]:
    result: dict[Node, set[Node]] = {}
    for cls in set(ontology.subjects(RDF.type, OWL.Class)):
        result[cls] = {c for c in ontology.transitive_objects(cls, RDFS.subClassOf) if c is not None}
    return result


def minimal_conflict(ontology: Graph, data: Graph, consistent: Callable[[Graph], bool]) -> list[Node]:
    """Find a small set of subjects whose descriptions, with the ontology, are inconsistent.

    QuickXplain-style: repeatedly find the shortest prefix of the remaining subjects that
    is inconsistent together with the subjects already chosen; its last subject belongs to
    the conflict.
    """
    subjects = sorted(set(data.subjects()), key=str)
    chosen: list[Node] = []
    while True:
        base = ontology + _describe(data, chosen)
        if not consistent(base):
            return chosen
        low, high = 0, len(subjects)
        while low < high:
            middle = (low + high) // 2
            if consistent(base + _describe(data, subjects[: middle + 1])):
                low = middle + 1
            else:
                high = middle
        if low >= len(subjects):
            return chosen  # consistent after all: nothing more to name
        chosen.append(subjects[low])
        subjects = subjects[:low]


def _describe(data: Graph, subjects: Iterable[Node]) -> Graph:
    part = Graph()
    for subject in subjects:
        for triple in data.triples((subject, None, None)):
            part.add(triple)
    return part
