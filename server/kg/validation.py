"""SHACL validation with pySHACL: a report as data and as text.

Implements SHACL (https://www.w3.org/TR/shacl/) section 3.6, the validation report:
each result keeps its focus node, path, value, message, severity and source shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal
from rdflib.namespace import SH
from rdflib.term import Node

RESULTS_QUERY = """
SELECT ?result ?focus ?path ?value ?message ?severity ?shape ?constraint WHERE {
    ?result a sh:ValidationResult ;
        sh:focusNode ?focus ;
        sh:resultSeverity ?severity ;
        sh:sourceShape ?shape .
    OPTIONAL { ?result sh:resultPath ?path }
    OPTIONAL { ?result sh:value ?value }
    OPTIONAL { ?result sh:resultMessage ?message }
    OPTIONAL { ?result sh:sourceConstraint ?constraint }
}
"""


@dataclass(frozen=True)
class ValidationResult:
    """One violation (or warning) of the shapes."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str
    constraint: str | None = None

    def text(self) -> str:
        """One block of the human-readable report."""
        lines = [f"{self.severity}: {self.message}", f"  focus node: {self.focus}"]
        if self.path:
            lines.append(f"  path:       {self.path}")
        if self.value:
            lines.append(f"  value:      {self.value}")
        lines.append(f"  shape:      {self.shape}")
        if self.constraint:
            lines.append(f"  constraint: {self.constraint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a data graph against shapes."""

    conforms: bool
    results: tuple[ValidationResult, ...]

    def text(self) -> str:
        """The report as a person reads it: a summary line, then one block per result."""
        if self.conforms:
            return "The data conforms to the shapes."
        blocks = [f"The data does not conform: {len(self.results)} result(s)."]
        blocks += [result.text() for result in self.results]
        return "\n\n".join(blocks)


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes``; the ontology supplies the class hierarchy.

    No RDFS/OWL inference is run: pySHACL mixes the ontology into the data graph so that
    ``sh:class`` sees subclasses, and the shapes say everything else explicitly.
    """
    conforms, report_graph, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=True,
    )
    if not isinstance(report_graph, Graph):
        raise TypeError("pySHACL returned no report graph")
    results = sorted(_results(report_graph), key=lambda r: (r.focus, r.path or "", r.shape))
    return ValidationReport(conforms=bool(conforms), results=tuple(results))


def _results(report: Graph) -> list[ValidationResult]:
    results = []
    for row in report.query(RESULTS_QUERY, initNs={"sh": SH}):
        results.append(
            ValidationResult(
                focus=_show(report, row.focus),  # type: ignore[union-attr]
                path=_show(report, row.path) if row.path is not None else None,  # type: ignore[union-attr]
                value=_show(report, row.value) if row.value is not None else None,  # type: ignore[union-attr]
                message=str(row.message) if row.message is not None else "(no message)",  # type: ignore[union-attr]
                severity=str(row.severity).rsplit("#", 1)[-1],  # type: ignore[union-attr]
                shape=_show(report, row.shape),  # type: ignore[union-attr]
                constraint=_show(report, row.constraint) if row.constraint is not None else None,  # type: ignore[union-attr]
            )
        )
    return results


def _show(graph: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        return node.n3()
    return str(node) if not node.n3().startswith("_:") else node.n3(graph.namespace_manager)
