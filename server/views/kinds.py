"""Sections that a resource page adds by kind, each only when the resource has the class.

A city shows its country, modules, case studies, policies and a map; a module the
cities its sources count against those identified here, its reports and topics; a
publication its authors, citations and where to read it; an organisation its roles and
publications; a person their publications and roles; a source its URLs, kind and what
it supports; a finding its words, scope and report. Any resource adds the findings about it
(on a city's page also those about its policies) and, side by side, the values sources
claim for one of its properties (``clip:ValueClaim``), marked disputed where they differ;
both in one query, then through the page's prefetch. Templates: ``templates/kinds/<kind>.html``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.engine.interface import Engine
from server.engine.terms import Iri, Literal
from server.urls import is_web_url
from server.views import citations
from server.views.describer import Describer, Term, term_key
from server.views.maps import basemap
from server.views.naming import DCT, RDF, SKOS, natural

Row = dict[str, Any]
MAP_WIDTH = 560
MAP_LIMIT = 300
"""Most cities a city page's map draws: past it, the nearest."""
MAP_QUERY = """SELECT ?city ?lat ?long ?class WHERE {
  ?city a ?class ; <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ;
        <http://www.w3.org/2003/01/geo/wgs84_pos#long> ?long .
}"""
RELATED = """SELECT DISTINCT ?about ?node ?via WHERE {{
  {{ ?node {findingAbout} ?about }}
  UNION {{ ?node {findingAbout} ?via . ?via {policyOf} ?about }}
  UNION {{ ?node {claimAbout} ?about }}
}}"""
"""The findings about a resource or about its policies (?via), and the claims about it. ?about is bound by
substitution, so it is projected (Oxigraph binds only projected variables, SEP-0007). The dataset's own
terms are filled in by ``Describer.with_terms``."""
KINDS = (("Recommendation", "recommendation"), ("LocalFigure", "figure"), ("Finding", "finding"))
"""A finding's kind by its most specific class, as the findings query names it."""
LINKS = ("reportedIn", "findingAbout", "claimedProperty")
"""What a finding or claim links to whose names its row shows."""


@dataclass(frozen=True)
class Section:
    """One kind's part of a page: the template that draws it and its data."""

    kind: str
    data: Row

    @property
    def template(self) -> str:
        """The partial under templates/kinds/."""
        return f"kinds/{self.kind}.html"


def sections(describer: Describer, iri: str, classes: set[str], linked_by: set[str] | None = None) -> list[Section]:
    """The sections of every kind the resource belongs to, then what the sources say about it.

    ``linked_by`` (the properties of its incoming links, when the page has counted them)
    spares the query for findings and claims on a resource that none points at.
    """
    builders: dict[str, tuple[str, Callable[[Describer, str, set[str]], Row]]] = {
        "city": ("City", city),
        "module": ("ResearchModule", module),
        "publication": ("Publication", publication),
        "organisation": ("Organisation", organisation),
        "person": ("Person", person),
        "source": ("Source", source),
    }
    shown = [
        Section(kind, build(describer, iri, classes))
        for kind, (local, build) in builders.items()
        if describer.term(local).value in classes
    ]
    return shown + said(describer, iri, classes, linked_by)


def said(describer: Describer, iri: str, classes: set[str], linked_by: set[str] | None = None) -> list[Section]:
    """What the sources say beside the resource's own statements: a finding's own part, the findings about the
    resource (and its policies) and the values sources claim for it; each only when there is something."""
    pointing = {describer.term(local).value for local in ("findingAbout", "claimAbout", "policyOf")}
    asked = linked_by is None or bool(pointing & linked_by)
    found, claims = related(describer, iri) if asked else ({}, [])
    is_finding = describer.term("Finding").value in classes
    own = [Section("finding", finding_page(describer, iri))] if is_finding else []
    about = [Section("findings", {"rows": finding_rows(describer, iri, found)})] if found else []
    claimed = [Section("claims", {"rows": claim_rows(describer, claims)})] if claims else []
    return own + about + claimed


def _views(describer: Describer, iri: str, local: str) -> list[Term]:
    return [describer.view(node) for node in describer.objects(iri, describer.term(local))]


def _first(describer: Describer, iri: str, local: str) -> Term | None:
    views = _views(describer, iri, local)
    return views[0] if views else None


def _number(text: str | None) -> float:
    try:
        return float(text) if text else math.inf
    except ValueError:
        return math.inf


def _participation(describer: Describer, node: str, other: str) -> Row:
    """A participation seen from its city (other="inModule") or its module (other="participant")."""
    level = describer.value(node, describer.term("evidenceLevel"))
    ends = describer.objects(node, describer.term(other))
    return {
        "other": describer.view(ends[0]) if ends else None,
        "number": _number(describer.value(ends[0].value, describer.term("moduleNumber")) if ends else None),
        "evidence": describer.view_iri(level) if level else None,
        "level": level.rsplit("/", 1)[-1] if level else "",
        "publications": _views(describer, node, "evidencedBy"),
        "sources": describer.sources(node),
    }


def _work(describer: Describer, iri: str) -> Row:
    """A publication in a list: its name, year, kind and module."""
    kind = describer.kind(iri)
    issued = describer.value(iri, Iri("http://purl.org/dc/terms/issued")) or ""
    return {
        "work": describer.view_iri(iri),
        "year": issued[:4],
        "kind": describer.view_iri(kind) if kind else None,
        "modules": _views(describer, iri, "outputOf"),
    }


def _works(describer: Describer, iris: list[str]) -> list[Row]:
    describer.prefetch(iris)
    describer.find_kinds(iris)
    describer.prefetch(describer.kind(iri) for iri in iris)  # the kinds' names
    rows = [_work(describer, iri) for iri in iris]
    return sorted(rows, key=lambda row: (row["year"] or "9999", row["work"].text.lower()))


def city(describer: Describer, iri: str, classes: set[str]) -> Row:
    """Country, modules (with evidence), case studies, policies and the map."""
    parts = describer.subjects(describer.term("participant"), iri)
    policies_of = describer.subjects(describer.term("policyOf"), iri)
    levels = {o.value for node in parts for o in describer.objects(node, describer.term("evidenceLevel"))}
    ties = {o.value for node in policies_of for o in describer.objects(node, describer.term("clipTie"))}
    describer.prefetch(levels | ties)  # their names: one query, not one per evidence level and tie
    modules = sorted((_participation(describer, p, "inModule") for p in parts), key=lambda row: row["number"])
    policies = [
        {
            "policy": describer.view_iri(policy),
            "tie": _first(describer, policy, "clipTie"),
            "modules": _views(describer, policy, "relatedModule"),
            "start": describer.value(policy, describer.term("startDate")),
        }
        for policy in policies_of
    ]
    return {
        "country": _first(describer, iri, "country"),
        "modules": modules,
        "studies": _works(describer, describer.subjects(describer.term("aboutCity"), iri)),
        "policies": sorted(policies, key=lambda row: row["policy"].text.lower()),
        "map": city_map(describer, iri),
    }


def city_map(describer: Describer, iri: str) -> Row | None:
    """Every city with coordinates on the ground of ``maps`` (countries of Europe), this one highlighted.

    Past MAP_LIMIT cities only the nearest are drawn (the map says how many of how many),
    so a page of a graph with thousands of cities stays a page.
    """
    city = describer.term("City")
    points = describer.data.remember(("city points", city), lambda: _city_points(describer.data.engine, city))
    if not points:
        return None
    total = len(points)
    if total > MAP_LIMIT:
        points = _nearest(points, iri)
        describer.name_all(points)  # every dot is named: one query, not one per city
    else:
        describer.name_instances(describer.term("City"))  # every dot is named: one query, not one per city
    ground = basemap(list(points.values()), MAP_WIDTH, describer.data.node_modules)
    dots: list[Row] = [
        {"iri": other, "name": describer.name(other), "xy": ground.place(*point), "here": other == iri}
        for other, point in sorted(points.items())
    ]
    dots.sort(key=lambda dot: bool(dot["here"]))  # drawn last, so on top
    return {"width": MAP_WIDTH, "height": ground.height, "ground": ground, "dots": dots, "total": total}


def _city_points(engine: Engine, city: Iri) -> dict[str, tuple[float, float]]:
    """Every city with finite coordinates: queried once per load, since every city page draws them."""
    points = {}
    for row in engine.rows(MAP_QUERY, **{"class": city}):
        lat, long = _number(row["lat"].value), _number(row["long"].value)
        if math.isfinite(lat) and math.isfinite(long) and isinstance(row["city"], Iri):
            points[row["city"].value] = (lat, long)
    return points


def _nearest(points: dict[str, tuple[float, float]], iri: str) -> dict[str, tuple[float, float]]:
    """The MAP_LIMIT cities nearest to this one (by IRI when it has no coordinates), itself included."""
    here = points.get(iri)

    def distance(item: tuple[str, tuple[float, float]]) -> tuple[float, str]:
        if here is None:
            return 0.0, item[0]
        return (item[1][0] - here[0]) ** 2 + ((item[1][1] - here[1]) * math.cos(math.radians(here[0]))) ** 2, item[0]

    return dict(heapq.nsmallest(MAP_LIMIT, points.items(), key=distance))


def _stated(describer: Describer, iri: str) -> list[Row]:
    """What the sources state about the number of cities: one line per figure."""
    figures: dict[tuple[str, str], list[Any]] = {}
    for claim in describer.subjects(describer.term("claimAbout"), iri):
        count = describer.value(claim, describer.term("statedCityCount"))
        if count:
            qualifier = describer.value(claim, describer.term("countQualifier")) or "exactly"
            figures.setdefault((count, qualifier), []).extend(describer.sources(claim))
    lines = [
        {"count": count, "qualifier": "" if qualifier == "exactly" else qualifier, "sources": _by_id(refs)}
        for (count, qualifier), refs in figures.items()
    ]
    return sorted(lines, key=lambda line: (_number(line["count"]), line["qualifier"]))


def _by_id(refs: list[Any]) -> list[Any]:
    return sorted(set(refs), key=lambda ref: natural(ref.text))


def module(describer: Describer, iri: str, classes: set[str]) -> Row:
    """Cities counted by the sources and identified here, reports and topics."""
    parts = describer.subjects(describer.term("inModule"), iri)
    cities = sorted((_participation(describer, p, "participant") for p in parts), key=lambda r: r["other"].text)
    only = {row["other"].value for row in cities if row["level"] == "ProjectDescriptionOnly"}
    return {
        "stated": _stated(describer, iri),
        "cities": cities,
        "identified": len({row["other"].value for row in cities} - only),
        "description_only": len(only),
        "reports": _works(describer, describer.subjects(describer.term("outputOf"), iri)),
        "topics": _topics(describer, iri),
    }


def _topics(describer: Describer, iri: str) -> list[Row]:
    """The module's topics and the other concepts of their schemes, as a tree (skos:broader)."""
    in_scheme = Iri(SKOS + "inScheme")
    topics = [node.value for node in describer.objects(iri, describer.term("topic"))]
    schemes = {s.value for t in topics for s in describer.objects(t, in_scheme)}
    concepts = set(topics) | {c for s in schemes for c in describer.subjects(in_scheme, s)}
    describer.prefetch(concepts)
    notation = {c: describer.value(c, Iri(SKOS + "notation")) or "" for c in concepts}
    children: dict[str | None, list[str]] = {}
    for concept in concepts:
        parents = [b.value for b in describer.objects(concept, Iri(SKOS + "broader"))]
        children.setdefault(next((p for p in parents if p in concepts), None), []).append(concept)
    rows: list[Row] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for concept in sorted(children.get(parent, []), key=lambda c: (natural(notation[c]), c)):
            if concept not in seen:
                seen.add(concept)
                rows.append({"topic": describer.view_iri(concept), "notation": notation[concept], "depth": depth})
                walk(concept, depth + 1)

    walk(None, 0)
    for concept in sorted(concepts - seen):  # a cycle of skos:broader has no root: still listed
        walk(next(p for p, kids in children.items() if concept in kids), 0)
    return rows


def publication(describer: Describer, iri: str, classes: set[str]) -> Row:
    """Authors in order, the citation and where to read it."""
    listed = citations.authors(describer, iri)
    doi = describer.value(iri, Iri(citations.BIBO + "doi"))
    handle = describer.value(iri, Iri(citations.BIBO + "handle"))
    links = [o.value for o in describer.objects(iri, describer.term("url")) if is_web_url(o.value)]
    links += [f"https://doi.org/{doi}"] if doi else []
    links += [f"https://hdl.handle.net/{handle}"] if handle else []
    return {
        "authors": [{"author": a, "agent": describer.view_iri(a.agent) if a.agent else None} for a in listed],
        "citation": citations.cite(describer, iri, classes, listed),
        "links": links,
    }


def _roles(describer: Describer, iri: str) -> list[Row]:
    """Involvements where the resource is the clip:agent."""
    rows = []
    for node in describer.subjects(describer.term("agent"), iri):
        roles = _views(describer, node, "role")
        within = _views(describer, node, "involvedIn")
        if roles or within:
            start = describer.value(node, describer.term("startDate"))
            end = describer.value(node, describer.term("endDate"))
            note = describer.value(node, describer.term("dateNote"))
            sources = describer.sources(node)
            rows.append({"roles": roles, "in": within, "start": start, "end": end, "note": note, "sources": sources})
    return sorted(rows, key=lambda row: (str(row["start"] or "9999"), [t.text for t in row["roles"]]))


def organisation(describer: Describer, iri: str, classes: set[str]) -> Row:
    """Roles in the network and the publications it published."""
    published = describer.subjects(describer.term("publisher"), iri)
    return {"roles": _roles(describer, iri), "published": _works(describer, published)}


def person(describer: Describer, iri: str, classes: set[str]) -> Row:
    """Publications (authorships, with position) and roles."""
    works = []
    for node in describer.subjects(describer.term("agent"), iri):
        position = describer.value(node, describer.term("position"))
        for work in describer.subjects(describer.term("authorship"), node):
            works.append({**_work(describer, work), "position": position})
    works.sort(key=lambda row: (str(row["year"] or "9999"), str(row["work"].text).lower()))
    return {"works": works, "roles": _roles(describer, iri)}


def source(describer: Describer, iri: str, classes: set[str]) -> Row:
    """URLs, kind, title, what it supports; what cites it is the incoming links."""
    literals = [o for o in describer.objects(iri, describer.term("supports")) if isinstance(o, Literal)]
    urls = [o.value for o in describer.objects(iri, describer.term("url"))]
    cited_by = {s for s, _, _ in describer.triples(None, None, Iri(iri))}
    return {
        "id": describer.value(iri, describer.term("sourceId")),
        "urls": [(url, is_web_url(url)) for url in urls],
        "kind": _first(describer, iri, "sourceKind"),
        "supports": [literal.value for literal in literals],
        "cited_by": len(cited_by - {Iri(iri)}),
    }


def related(describer: Describer, iri: str) -> tuple[dict[str, str], list[str]]:
    """(finding → the policy through which it is about the resource, or ''), and the value claims about it.

    One query for both; their statements, and the names of their sources, reports, scopes
    and properties, are then prefetched in two more.
    """
    reached: dict[str, str] = {}
    for row in describer.data.engine.rows(describer.with_terms(RELATED), about=Iri(iri)):
        node, via = row["node"].value, row["via"].value if "via" in row else ""
        reached[node] = "" if not via or reached.get(node) == "" else via
    describer.prefetch(reached)
    findings = {node: via for node, via in reached.items() if describer.objects(node, describer.term("findingText"))}
    claims = sorted(node for node in reached if describer.objects(node, describer.term("claimedProperty")))
    nodes = [*findings, *claims]
    linked = {
        o.value
        for node in nodes
        for predicate in (*(describer.term(local) for local in LINKS), Iri(DCT + "source"))
        for o in describer.objects(node, predicate)
        if isinstance(o, Iri)
    }
    describer.prefetch(linked | {via for via in findings.values() if via})
    return findings, claims


def _text(describer: Describer, node: str, local: str) -> Term | None:
    found = describer.objects(node, describer.term(local))
    return describer.view(found[0]) if found else None


def _kind(describer: Describer, node: str) -> str:
    types = {o.value for o in describer.objects(node, Iri(RDF + "type"))}
    return next((kind for local, kind in KINDS if describer.term(local).value in types), "finding")


def _note(describer: Describer, node: str) -> Term | None:
    notes = describer.objects(node, Iri(SKOS + "note"))
    english = [n for n in notes if isinstance(n, Literal) and n.language.lower().startswith("en")]
    return describer.view((english or notes)[0]) if notes else None


def finding_rows(describer: Describer, iri: str, findings: dict[str, str]) -> list[Row]:
    """Each finding as its section row: text (quoted or not), kind, sources, report, date, note, and what else
    it is about (on a city's page, the policy)."""
    rows = []
    for node, via in findings.items():
        rows.append(
            {
                "finding": describer.view_iri(node),
                "kind": _kind(describer, node),
                "text": _text(describer, node, "findingText"),
                "quoted": bool(describer.objects(node, describer.term("quotation"))),
                "sources": describer.sources(node),
                "reports": [describer.view(o) for o in describer.objects(node, describer.term("reportedIn"))],
                "as_of": describer.value(node, describer.term("asOf")),
                "note": _note(describer, node),
                "via": describer.view_iri(via) if via else None,
                "also": [
                    describer.view(o) for o in describer.objects(node, describer.term("findingAbout")) if o.value != iri
                ],
            }
        )
    order = {kind: n for n, (_, kind) in enumerate(reversed(KINDS))}
    return sorted(rows, key=lambda row: (row["via"] is not None, order[row["kind"]], natural(row["finding"].text)))


def finding_page(describer: Describer, iri: str) -> Row:
    """A finding's own page: its kind, words, what it is about, report, date, note and sources."""
    describer.prefetch(o.value for local in LINKS for o in describer.objects(iri, describer.term(local)))
    return {
        "kind": _kind(describer, iri),
        "text": _text(describer, iri, "findingText"),
        "quoted": bool(describer.objects(iri, describer.term("quotation"))),
        "about": [describer.view(o) for o in describer.objects(iri, describer.term("findingAbout"))],
        "reports": [describer.view(o) for o in describer.objects(iri, describer.term("reportedIn"))],
        "as_of": describer.value(iri, describer.term("asOf")),
        "note": _note(describer, iri),
        "sources": describer.sources(iri),
    }


def claim_rows(describer: Describer, claims: list[str]) -> list[Row]:
    """One row per claimed property: each value with its qualifier, date, note and sources.

    The row is disputed when the values (with their qualifiers) differ.
    """
    by_property: dict[str, list[Row]] = {}
    for claim in claims:
        prop = describer.value(claim, describer.term("claimedProperty")) or ""
        for value in describer.objects(claim, describer.term("claimedValue")):
            qualifier = describer.value(claim, describer.term("countQualifier")) or ""
            by_property.setdefault(prop, []).append(
                {
                    "claim": describer.view_iri(claim),
                    "value": describer.view(value),
                    "qualifier": "" if qualifier == "exactly" else qualifier,
                    "as_of": describer.value(claim, describer.term("asOf")),
                    "note": _note(describer, claim),
                    "sources": describer.sources(claim),
                }
            )
    rows = []
    for prop, values in by_property.items():
        values.sort(key=lambda v: (natural(str(v["value"].value)), [natural(s.text) for s in v["sources"]]))
        distinct = {(v["qualifier"], term_key(v["value"])) for v in values}
        rows.append({"property": describer.view_iri(prop), "values": values, "disputed": len(distinct) > 1})
    return sorted(rows, key=lambda row: row["property"].text.lower())
