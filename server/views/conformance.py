"""SHACL conformance as the pages show it: per shape, per resource, and on each resource's page.

The build validates the asserted data against the shapes with pySHACL and refuses data that does
not conform (``kg.build``), so a served data version has either been validated and conforms, or was
not validated (no shapes given). What the web layer knows of that is a ``Validation``: whether the
build validated, the shapes' class targets, and any results it kept (warnings would be; violations
stop the build). The focus nodes of each shape are counted here by the engine, so the figures hold
over the embedded store and over a remote engine alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from server.views.csvw import CsvColumn, CsvTable
from server.views.home import typed
from server.views.pictures import select
from server.views.published import Published

FOCUS = "SELECT DISTINCT ?class ?item WHERE { TYPED ?item a ?type }"
TYPES_OF = "SELECT DISTINCT ?class ?item WHERE { TYPED ?item a ?type }"


@dataclass(frozen=True)
class Violation:
    """One result of the validation report (SHACL 3.6.2): focus node, path, message, severity, shape."""

    focus: str
    shape: str
    message: str
    severity: str = "Violation"
    path: str | None = None


@dataclass(frozen=True)
class Validation:
    """What is known of the validation of the data version served.

    ``validated`` is None when nothing is known (no build record says), False when the build had no
    shapes, True when it validated; ``shapes`` pairs each node shape with the class it targets.
    """

    validated: bool | None
    shapes: tuple[tuple[str, str], ...] = ()
    results: tuple[Violation, ...] = field(default=())
    note: str = ""


def focus_nodes(published: Published, validation: Validation) -> dict[str, set[str]]:
    """Per target class of a shape, the resources of that class or a subclass (SHACL 2.1.3.1)."""
    classes = sorted({target for _, target in validation.shapes})
    if not classes:
        return {}
    found: dict[str, set[str]] = defaultdict(set)
    for row in select(published.engine, published.base, FOCUS.replace("TYPED", typed(published, classes))):
        found[row["class"] or ""].add(row["item"] or "")
    return found


def shapes_table(published: Published, validation: Validation, nodes: dict[str, set[str]]) -> CsvTable:
    """One row per node shape: its target class, focus nodes, results and whether they all conform."""
    by_shape: dict[str, int] = defaultdict(int)
    for result in validation.results:
        by_shape[result.shape] += 1
    rows = [
        (shape, target, len(nodes.get(target, ())), by_shape[shape], _conforms(validation, by_shape[shape]))
        for shape, target in sorted(validation.shapes)
    ]
    columns = (
        CsvColumn("shape", "shape", "anyURI"),
        CsvColumn("target_class", "target class", "anyURI"),
        CsvColumn("focus_nodes", "resources checked", "integer"),
        CsvColumn("results", "results", "integer"),
        CsvColumn("conforms", "conforms", "boolean"),
    )
    note = "Each SHACL node shape with a class target, the resources it applies to and whether they conform."
    return CsvTable("shapes", "Conformance per shape", note, columns, rows)  # type: ignore[arg-type]


def resources_table(validation: Validation, nodes: dict[str, set[str]]) -> CsvTable:
    """One row per resource some shape applies to: how many shapes, results, and whether it conforms."""
    shapes_of: dict[str, int] = defaultdict(int)
    targets = [target for _, target in validation.shapes]
    for target in targets:
        for item in nodes.get(target, ()):
            shapes_of[item] += 1
    results: dict[str, int] = defaultdict(int)
    for result in validation.results:
        results[result.focus] += 1
    rows = [(item, shapes_of[item], results[item], _conforms(validation, results[item])) for item in sorted(shapes_of)]
    columns = (
        CsvColumn("resource", "resource", "anyURI"),
        CsvColumn("shapes", "shapes applied", "integer"),
        CsvColumn("results", "results", "integer"),
        CsvColumn("conforms", "conforms", "boolean"),
    )
    note = "Each resource that a shape with a class target applies to, and whether it conforms to them all."
    return CsvTable("resources", "Conformance per resource", note, columns, rows)  # type: ignore[arg-type]


def violations_table(validation: Validation) -> CsvTable:
    """The validation results kept, each linked to its resource (focus node) and shape."""
    rows = [(r.focus, r.shape, r.path, r.severity, r.message) for r in validation.results]
    columns = (
        CsvColumn("resource", "resource", "anyURI"),
        CsvColumn("shape", "shape", "anyURI"),
        CsvColumn("path", "path"),
        CsvColumn("severity", "severity"),
        CsvColumn("message", "message"),
    )
    note = "The results of the SHACL validation report (focus node, path, severity, message), if any."
    return CsvTable("violations", "Validation results", note, columns, rows)  # type: ignore[arg-type]


def _conforms(validation: Validation, results: int) -> bool | None:
    """Conforms when validated without results; unknown (None, an empty cell) when not validated."""
    return results == 0 if validation.validated else None


def shape_classes(published: Published, validation: Validation) -> str:
    """The VALUES block pairing each shape's target class with its subclasses ('' without shapes), made once."""
    classes = sorted({target for _, target in validation.shapes})
    return typed(published, classes) if classes else ""


def resource_conformance(published: Published, validation: Validation, iri: str, classes: str) -> dict[str, Any]:
    """What a resource page says of its own conformance: the shapes that apply and its results, if any.

    ``classes`` is ``shape_classes`` of the same validation.
    """
    applied: list[str] = []
    if classes:
        found = {
            row["class"]
            for row in select(published.engine, published.base, TYPES_OF.replace("TYPED", classes), item=iri)
        }
        applied = sorted(shape for shape, target in validation.shapes if target in found)
    results = [r for r in validation.results if r.focus == iri]
    return {
        "validated": validation.validated,
        "shapes": [(shape, shape.rstrip("/").rsplit("/", 1)[-1]) for shape in applied],
        "results": results,
        "conforms": validation.validated is True and not results,
        "note": validation.note,
    }
