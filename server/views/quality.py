"""The data-quality page (/quality): what the data says of its own completeness and support, as tables.

Every table is a ``CsvTable``, so the page, its JSON and each CSV (with its CSVW description) show the
same rows. The figures are queries over the engine: the counts stated against the cities identified
reuse the home page's models (``home.count_claims``, ``home.research_modules``, ``pictures.member_cities``),
the labels and the single statements the data report's queries (``quality_queries``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from server.engine.quality_queries import (
    KIND_TOTALS_QUERY,
    LABELS_QUERY,
    LINKS_QUERY,
    S0_STATEMENTS_QUERY,
    SOURCES_QUERY,
)
from server.views.conformance import (
    Validation,
    focus_nodes,
    resources_table,
    shapes_table,
    violations_table,
)
from server.views.csvw import CsvColumn, CsvTable
from server.views.home import count_claims, module_counts, research_modules
from server.views.pictures import MODULE_CITIES, member_cities, select
from server.views.published import Published

NETWORK = """SELECT ?network ?label WHERE { ?network a clip:Network .
  OPTIONAL { ?network rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) } }"""
TABLES = ("shapes", "resources", "violations", "counts", "labels", "sources", "statements", "links")
"""The tables of the page, in its order; each is also /quality/{name}.csv."""


def quality_tables(published: Published, validation: Validation) -> dict[str, CsvTable]:
    """Every table of the quality page by name, in the page's order."""
    nodes = focus_nodes(published, validation)
    return {
        "shapes": shapes_table(published, validation, nodes),
        "resources": resources_table(validation, nodes),
        "violations": violations_table(validation),
        "counts": counts_table(published),
        "labels": labels_table(published),
        "sources": sources_table(published),
        "statements": statements_table(published),
        "links": links_table(published),
    }


def counts_table(published: Published) -> CsvTable:
    """Cities stated by the sources against cities identified here, for the network and each module."""
    engine, base = published.engine, published.base
    claims = count_claims(published)
    rows: list[tuple[Any, ...]] = []
    levels = [city.membership for city in member_cities(engine, base)]
    for row in select(engine, base, NETWORK):
        stated = sorted({claim["count"] for claim in claims.get(row["network"] or "", [])})
        counted = {level: levels.count(level) for level in ("direct", "probable", "described")}
        rows.append(_count_row(row["network"], row["label"] or "the network", stated, counted))
    by_number = module_counts(select(engine, base, MODULE_CITIES), base)
    for module in research_modules(published, claims):
        stated = sorted({claim["count"] for claim in module["claims"]})
        counted = by_number.get(module["number"] or 0, {})
        rows.append(_count_row(module["module"], module["label"], stated, counted))
    columns = (
        CsvColumn("subject", "network or module", "anyURI"),
        CsvColumn("label", "name"),
        CsvColumn("stated", "cities stated"),
        CsvColumn("identified", "identified (direct evidence)", "integer"),
        CsvColumn("probable", "probable", "integer"),
        CsvColumn("described_only", "named in S0 only", "integer"),
        CsvColumn("not_identified", "not identified", "integer"),
    )
    note = (
        "For the network (member cities) and each research module (participating cities): the figures the "
        "sources state (clip:CountClaim, clip:statedCityCount; several when they disagree) against the cities "
        "this graph identifies by name, by the evidence for each (clip:Membership, clip:Participation). "
        "'Not identified' counts against the smallest figure stated."
    )
    return CsvTable("counts", "Cities stated and identified", note, columns, rows)


def _count_row(subject: str | None, label: str, stated: list[int], counted: dict[str, int]) -> tuple[Any, ...]:
    found = [counted.get(level, 0) for level in ("direct", "probable", "described")]
    missing = max(stated[0] - sum(found), 0) if stated else None
    return (subject, label, " / ".join(map(str, stated)) or None, *found, missing)


def labels_table(published: Published) -> CsvTable:
    """Resources of each kind labelled in each language (the data report's count)."""
    engine, base = published.engine, published.base
    totals = {row["kind"]: int(row["n"] or 0) for row in select(engine, base, KIND_TOTALS_QUERY)}
    rows = [
        (row["kind"], row["lang"], int(row["n"] or 0), totals.get(row["kind"], 0))
        for row in select(engine, base, LABELS_QUERY)
    ]
    columns = (
        CsvColumn("kind", "kind"),
        CsvColumn("language", "language"),
        CsvColumn("labelled", "resources labelled", "integer"),
        CsvColumn("resources", "resources of the kind", "integer"),
    )
    note = (
        "Resources of each kind with a label (rdfs:label, skos:prefLabel or skos:altLabel) in each language "
        "tag; '(no tag)' for a plain string."
    )
    return CsvTable("labels", "Labels per language and kind", note, columns, rows)  # type: ignore[arg-type]


def sources_table(published: Published) -> CsvTable:
    """Per kind: resources, those citing no source, exactly one, and only the project description (S0)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in select(published.engine, published.base, SOURCES_QUERY):
        figures, sources = counts[row["kind"] or ""], int(row["sources"] or 0)
        figures[0] += 1
        figures[1] += sources == 0
        figures[2] += sources == 1
        figures[3] += sources == 1 and row["only"] == "S0"
    rows = [(kind, *figures) for kind, figures in sorted(counts.items())]
    columns = (
        CsvColumn("kind", "kind"),
        CsvColumn("resources", "resources", "integer"),
        CsvColumn("no_source", "citing no source", "integer"),
        CsvColumn("one_source", "citing exactly one source", "integer"),
        CsvColumn("s0_only", "resting on the project description (S0) alone", "integer"),
    )
    note = (
        "How many resources of each kind rest on a single source (dcterms:source), and how many on the "
        "project description (S0) alone; memberships and participations carry evidence of their own."
    )
    return CsvTable("sources", "Facts resting on one source", note, columns, rows)  # type: ignore[arg-type]


def statements_table(published: Published) -> CsvTable:
    """The single statements marked clip:ProjectDescriptionOnly (rdf:Statement) on resources others show."""
    rows = [
        (row["s"], row["subject"], row["p"], row["property"])
        for row in select(published.engine, published.base, S0_STATEMENTS_QUERY)
    ]
    columns = (
        CsvColumn("resource", "resource", "anyURI"),
        CsvColumn("resource_label", "resource name"),
        CsvColumn("property", "property", "anyURI"),
        CsvColumn("property_label", "property name"),
    )
    note = (
        "Single statements (reified as rdf:Statement) that only the project description (S0) gives, "
        "with clip:evidenceLevel clip:ProjectDescriptionOnly, about resources that other sources show to exist."
    )
    return CsvTable("statements", "Statements from the project description only", note, columns, rows)  # type: ignore[arg-type]


def links_table(published: Published) -> CsvTable:
    """Per kind: resources, and those linked to GeoNames (clip:geonames) and to Wikidata (clip:wikidata)."""
    rows = [
        (row["kind"], int(row["n"] or 0), int(row["geonames"] or 0), int(row["wikidata"] or 0))
        for row in select(published.engine, published.base, LINKS_QUERY)
    ]
    rows.sort()
    columns = (
        CsvColumn("kind", "kind"),
        CsvColumn("resources", "resources", "integer"),
        CsvColumn("geonames", "with a GeoNames link", "integer"),
        CsvColumn("wikidata", "with a Wikidata link", "integer"),
    )
    note = "How many resources of each kind link to GeoNames (clip:geonames) and to Wikidata (clip:wikidata)."
    return CsvTable("links", "External links", note, columns, rows)  # type: ignore[arg-type]
