"""The home page that explains the dataset, and the browse lists: what their templates show.

Everything shown comes from queries over the engine; the network, its licence, its period and
the dataset's sizes come from the load's ``DatasetFacts``, the same ones the VoID and DCAT
documents state. The CLIP sections appear only when their classes are in the data, so any RDF
served with ``--data`` gets a home page too. URLs of the site's routes are the blueprint's to
make (``Links``): nothing here knows Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.engine.terms import Iri, sparql_term
from server.errors import NotFound
from server.formats import Format
from server.urls import Urls
from server.views.facts import DatasetFacts, Network
from server.views.pictures import (
    DRAWN_UP_TO,
    MODULE_CITIES,
    RANK,
    City,
    Column,
    Row,
    city_map,
    level_of,
    matrix,
    member_cities,
    member_count,
    select,
    sort_key,
)
from server.views.published import Published

LABELS = """OPTIONAL {{ ?{0} rdfs:label ?{0}En FILTER(LANGMATCHES(LANG(?{0}En), "en")) }}
  OPTIONAL {{ ?{0} rdfs:label|skos:prefLabel|dcterms:title|<http://xmlns.com/foaf/0.1/name> ?{0}Any }}"""
COUNTED = """{{ SELECT ?item (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {0} }} GROUP BY ?item }}
  BIND(CONCAT(STR(?n), IF(?n = 1, " {1}", " {1}s")) AS ?detail)"""
EN = 'FILTER(LANGMATCHES(LANG(?detail), "en"))'
KINDS: dict[str, tuple[str, str, str]] = {  # kind: clip class, heading, pattern binding ?detail for ?item
    "cities": ("City", "Cities", f"?item clip:country/rdfs:label ?detail {EN}"),
    "modules": ("ResearchModule", "Research modules", "?item dcterms:title ?detail"),
    "publications": (
        "Publication",
        "Publications",
        "{ ?item dcterms:issued ?d BIND(SUBSTR(STR(?d), 1, 4) AS ?detail) } UNION "
        f"{{ ?item a ?t . ?t rdfs:subClassOf clip:Publication ; rdfs:label ?detail {EN} }}",
    ),
    "organisations": ("Organisation", "Organisations", COUNTED.format("?x clip:agent ?item ; clip:role ?r", "role")),
    "people": ("Person", "People", COUNTED.format("?x clip:authorship/clip:agent ?item", "publication")),
    "topics": ("Topic", "Topics", "?item skos:notation ?detail"),
    "policies": ("LocalPolicy", "Local policies", f"?item clip:policyOf/rdfs:label ?detail {EN}"),
    "sources": ("Source", "Sources", "?item clip:sourceId ?detail"),
    "events": (
        "Event",
        "Events",
        "{ ?item clip:startDate|clip:endDate ?detail } UNION "
        "{ ?item clip:dateNote ?detail FILTER NOT EXISTS { ?item clip:startDate ?start } }",
    ),
}
SUBCLASS_OF = "SELECT DISTINCT ?sub ?super WHERE { ?sub rdfs:subClassOf ?super FILTER(isIRI(?sub) && isIRI(?super)) }"
"""Every direct subclass statement (the ontology's, a few hundred rows); their closure is taken here, since
Virtuoso refuses a transitive path whose start is bound only by VALUES ("transitive start not given")."""
ITEMS = "SELECT ?class ?item ?itemEn ?itemAny WHERE { TYPED ?item a ?type . " + LABELS.format("item") + " }"
DETAILS = "SELECT ?class ?item ?detail WHERE { TYPED ?item a ?type . PATTERN }"
COUNTS = "SELECT ?class (COUNT(DISTINCT ?item) AS ?n) WHERE { TYPED ?item a ?type } GROUP BY ?class"
BROWSE_PAGE = 500
"""Entries of a browse list shown at once; a longer list is paged by the engine, in its label order."""
PAGE_OF_ITEMS = """SELECT ?item ?itemEn ?itemAny WHERE {
  { SELECT ?item (SAMPLE(?en) AS ?itemEn) (SAMPLE(?any) AS ?itemAny) WHERE { TYPED ?item a ?type .
      OPTIONAL { ?item rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
      OPTIONAL { ?item rdfs:label|skos:prefLabel|dcterms:title|<http://xmlns.com/foaf/0.1/name> ?any } }
    GROUP BY ?item }
  BIND(LCASE(STR(COALESCE(?itemEn, ?itemAny, ?item))) AS ?key)
} ORDER BY ?key ?item LIMIT LIMIT_ OFFSET OFFSET_"""
"""One page of a long list, sorted by the engine (sorted outside the grouping: Virtuoso refuses ORDER BY over an
expression of an aggregate's alias)."""
"""TYPED is a VALUES block of (?class ?type) pairs (``typed``): ``?item a ?type`` then reads the type index.
Not ``?item a/rdfs:subClassOf* ?class``: Virtuoso 7.2 gives one row for that path followed by other patterns,
and its UNION with ``a/rdfs:subClassOf+`` took Oxigraph seconds at a million triples."""
MODULES = f"""SELECT ?module ?number ?moduleEn ?moduleAny ?title ?description WHERE {{
  ?module a clip:ResearchModule . {LABELS.format("module")} OPTIONAL {{ ?module clip:moduleNumber ?number }}
  OPTIONAL {{ ?module dcterms:title ?title }} OPTIONAL {{ ?module dcterms:description ?description }}
}}"""
CLAIMS = """SELECT ?subject ?count ?qualifier ?countries ?quotation ?source ?id WHERE {
  ?claim a clip:CountClaim ; clip:claimAbout ?subject ; clip:statedCityCount ?count .
  OPTIONAL { ?claim clip:countQualifier ?qualifier } OPTIONAL { ?claim clip:statedCountryCount ?countries }
  OPTIONAL { ?claim clip:quotation ?quotation } OPTIONAL { ?claim dcterms:source ?source . ?source clip:sourceId ?id }
}"""
LEVEL_LABELS = """SELECT ?level ?label WHERE {
  ?level a clip:EvidenceLevel ; rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en"))
}"""


@dataclass(frozen=True)
class Links:
    """The URLs of the site that the home page names, made by the web layer for the request's host."""

    home: str
    """The absolute URL of the home page (``http://localhost/``); the catalogue is ``{home}catalog``."""
    dumps: tuple[tuple[Format, str, str], ...]
    """Each plain dump's format, its link on the page and its absolute URL."""


def home_context(published: Published, facts: DatasetFacts, links: Links) -> dict[str, Any]:
    """What ``home.html`` shows: the network, its modules, cities and sizes as the sources state them."""
    engine, base, urls = published.engine, published.base, published.urls
    counts = kind_counts(published)
    members = member_count(engine, base) if counts.get("cities") else 0
    cities = member_cities(engine, base) if 0 < members <= DRAWN_UP_TO else []
    claims = count_claims(published)
    network = the_network(facts, urls)
    modules = research_modules(published, claims)
    columns = [m["column"] for m in modules if m["column"] is not None]
    levels = level_labels(published)
    context: dict[str, Any] = {
        "network": network,
        "size_claims": claims.get(network["iri"], []) if network else [],
        "members": {kind: sum(c.membership == kind for c in cities) for kind in ("direct", "described")},
        "members_not_drawn": members if members > DRAWN_UP_TO else 0,
        "drawn_up_to": DRAWN_UP_TO,
        "modules": modules,
        "levels": levels,
        "city_map": city_map(cities, urls, published.node_modules),
        "matrix": matrix(cities, columns, levels, urls),
        "browse": [(kind, KINDS[kind][1], n) for kind, n in counts.items() if n],
        "graphs": list(facts.graphs),
        "default_graph": facts.triples - sum(size for _, size in facts.graphs),
        "total": facts.triples,
        "classes": [(iri, urls.link(iri), n) for iri, n in facts.class_sizes],
        "dumps": [(fmt, href) for fmt, href, _ in links.dumps],
        "base": base,
        "years": facts.years,
        "licence": facts.licence.value if facts.licence else None,
    }
    context["licence_href"] = urls.link(context["licence"]) if context["licence"] else None
    context["jsonld"] = dataset_description(context, cities, links)
    return context


def browse_context(
    published: Published, kind: str, offset: int = 0, narrowing: tuple[str, int] | None = None
) -> dict[str, Any]:
    """What ``browse.html`` shows: one kind of resource as a list, label (English first), a second column, a link.

    ``narrowing``, from the page's facets: patterns over ``?item`` that keep only the resources they match,
    and how many they keep (the facets have counted them).

    Raises:
        NotFound: there is no list of that kind.
    """
    if kind not in KINDS:
        raise NotFound(f"there is no list of {kind!r}; the lists are: {', '.join(KINDS)}")
    engine, base, urls = published.engine, published.base, published.urls
    name, heading, pattern = KINDS[kind]
    values = typed(published, [base + "def/" + name])
    if narrowing:
        values, total = f"{values} {narrowing[0]}", narrowing[1]
    else:
        total = next(iter(kind_counts(published, {kind: KINDS[kind]}).values()))
    if total > BROWSE_PAGE:
        offset = min(offset, max(total - 1, 0)) // BROWSE_PAGE * BROWSE_PAGE
        text = PAGE_OF_ITEMS.replace("TYPED", values).replace("LIMIT_", str(BROWSE_PAGE))
        found = select(engine, base, text.replace("OFFSET_", str(offset)))
        listed = " ".join(sparql_term(Iri(row["item"] or "")) for row in found if row["item"])
        values += f" VALUES ?item {{ {listed} }}"
    else:
        offset, found = 0, select(engine, base, ITEMS.replace("TYPED", values))
    best: dict[str, tuple[int, str]] = {}  # English label first, then any name, then the IRI's last segment
    for row in found:
        item = row["item"] or ""
        label = (0, row["itemEn"]) if row["itemEn"] else (1, row["itemAny"]) if row["itemAny"] else None
        best[item] = min(best.get(item, (2, item.rstrip("/").rsplit("/", 1)[-1])), label or (3, ""))
    labels = {item: label for item, (_, label) in best.items()}
    details: dict[str, set[str]] = defaultdict(set)
    for row in select(engine, base, DETAILS.replace("TYPED", values).replace("PATTERN", pattern)):
        if row["detail"]:
            details[row["item"] or ""].add(row["detail"])
    entries = [(label, urls.link(item), " · ".join(sorted(details[item]))) for item, label in labels.items()]
    if total <= BROWSE_PAGE:
        entries.sort(key=lambda entry: (sort_key(entry[0]), entry[1]))
    lists = [(other, KINDS[other][1]) for other in KINDS]
    shown = (offset + 1, offset + len(entries)) if total > BROWSE_PAGE else None
    more = {"previous": max(offset - BROWSE_PAGE, 0) if offset else None}
    more["next"] = offset + BROWSE_PAGE if offset + BROWSE_PAGE < total else None
    return {
        "kind": kind,
        "heading": heading,
        "entries": entries,
        "lists": lists,
        "total": total,
        "shown": shown,
        **more,
    }


def kind_counts(published: Published, kinds: dict[str, tuple[str, str, str]] = KINDS) -> dict[str, int]:
    """How many resources of each browsable kind (of ``kinds``) the data holds, in their order."""
    base = published.base
    values = typed(published, [base + "def/" + name for name, _, _ in kinds.values()])
    found = {
        row["class"]: int(row["n"] or 0) for row in select(published.engine, base, COUNTS.replace("TYPED", values))
    }
    return {kind: found.get(base + "def/" + name, 0) for kind, (name, _, _) in kinds.items()}


NO_CLASS = "(<urn:clip-kg:no-class> <urn:clip-kg:no-class>)"
"""A row that matches nothing, so that the block never has one row: Virtuoso 7.2 fails to compile a query whose
VALUES block has a single row ("ssg_print_rvr_fixed_val(): no SPART_VARR_FIXED")."""


def typed(published: Published, classes: list[str]) -> str:
    """A VALUES block pairing each class with itself and with each of its subclasses, as (?class ?type)."""
    children: dict[str, set[str]] = defaultdict(set)
    for row in select(published.engine, published.base, SUBCLASS_OF):
        children[row["super"] or ""].add(row["sub"] or "")
    pairs = set()
    for iri in classes:
        below, todo = {iri}, [iri]
        while todo:
            for sub in children[todo.pop()] - below:
                below.add(sub)
                todo.append(sub)
        pairs |= {(iri, sub) for sub in below}
    rows = " ".join(f"({sparql_term(Iri(cls))} {sparql_term(Iri(sub))})" for cls, sub in sorted(pairs))
    return f"VALUES (?class ?type) {{ {rows} {NO_CLASS} }}"


def level_labels(published: Published) -> dict[str, str]:
    """The data's English labels of the evidence levels by short name; the short name otherwise."""
    labels = {kind: kind for kind in RANK}
    for row in select(published.engine, published.base, LEVEL_LABELS):
        kind = level_of(row["level"], published.base)
        if kind != "none" and row["label"]:
            labels[kind] = row["label"]
    labels["none"] = "no evidence seen"
    return labels


def module_counts(rows: list[Row], base: str) -> dict[int, dict[str, int]]:
    """Per module number, how many distinct cities each evidence level identifies (rows of MODULE_CITIES)."""
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        if row["number"] is not None:
            by_level = counts.setdefault(int(row["number"]), {})
            level = level_of(row["level"], base)
            by_level[level] = by_level.get(level, 0) + int(row["cities"] or 0)
    return counts


def _label(row: Row, variable: str) -> str:
    return row[variable + "En"] or row[variable + "Any"] or row[variable] or ""


def the_network(facts: DatasetFacts, urls: Urls) -> dict[str, Any] | None:
    """The network of the facts as the template reads it: names, description, start, link."""
    network: Network | None = facts.network
    if network is None:
        return None
    return {
        "iri": network.iri,
        "href": urls.link(network.iri),
        "label": network.label,
        "name": network.name,
        "acronym": network.acronym,
        "description": network.description,
        "start": network.start.value if network.start else None,
        "note": network.note,
    }


def count_claims(published: Published) -> dict[str, list[dict[str, Any]]]:
    """Per subject, the figures the sources state, one entry per figure with all its sources."""
    urls = published.urls
    grouped: dict[str, dict[tuple[int, str, str], dict[str, Any]]] = defaultdict(dict)
    for row in select(published.engine, published.base, CLAIMS):
        key = (int(row["count"] or 0), row["qualifier"] or "", row["countries"] or "")
        claim = grouped[row["subject"] or ""].setdefault(key, {"count": key[0], "sources": {}, "quotations": set()})
        claim.update(qualifier=key[1], countries=key[2])
        if row["id"]:
            claim["sources"][row["id"]] = urls.link(row["source"] or "")
        if row["quotation"]:
            claim["quotations"].add(row["quotation"])
    result = {}
    for subject, claims in grouped.items():
        for claim in claims.values():
            claim["sources"] = sorted(claim["sources"].items(), key=lambda s: sort_key(s[0]))
        result[subject] = sorted(claims.values(), key=_claim_order)
    return result


def _claim_order(claim: dict[str, Any]) -> tuple[Any, ...]:
    """Smallest figure first, then the best-sourced; ties broken by qualifier and sources, whatever the row order."""
    sources = [sort_key(source_id) for source_id, _ in claim["sources"]]
    return claim["count"], claim["countries"], -len(sources), claim["qualifier"], sources


def research_modules(published: Published, claims: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The research modules in number order, with what the sources state and the cities identified here."""
    engine, base, urls = published.engine, published.base, published.urls
    found = module_counts(select(engine, base, MODULE_CITIES), base)
    modules: dict[str, dict[str, Any]] = {}
    for row in select(engine, base, MODULES):
        fields = {name: row[name] for name in ("module", "number", "title", "description")}
        module = modules.setdefault(row["module"] or "", {**fields, "label": _label(row, "module")})
        module["number"] = module["number"] or row["number"]
    result = []
    for iri, module in modules.items():
        number = int(module["number"]) if module["number"] else None
        stated = sorted({claim["count"] for claim in claims.get(iri, [])})
        by_level = found.get(number or 0, {})
        module.update(href=urls.link(iri), claims=claims.get(iri, []), number=number, column=None)
        module.update(identified=by_level.get("direct", 0), described=by_level.get("described", 0))
        figures = ", ".join(str(n) for n in stated) or "–"
        if number is not None:
            module["column"] = Column(
                number, module["label"], module["href"], figures, module["identified"], module["described"]
            )
        result.append(module)
    return sorted(result, key=lambda m: (m["number"] is None, m["number"] or 0, sort_key(m["label"])))


def dataset_description(context: dict[str, Any], cities: Sequence[City], links: Links) -> dict[str, Any]:
    """The schema.org Dataset for dataset search engines, from what the page shows."""
    network, span = context["network"], context["years"]
    name = f"{network['acronym'] or network['label']} knowledge graph" if network else "Knowledge graph"
    where = [f"{len(context['graphs'])} named graphs"] if context["graphs"] else []
    where += ["the default graph"] if context["default_graph"] else []
    summary = f"{context['total']} triples in {' and '.join(where) or 'no graph'}, as linked data and SPARQL."
    description: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": name,
        "description": f"{network['description']} {summary}" if network and network["description"] else summary,
        "url": links.home,
        "identifier": context["base"],
        "keywords": [k for k in [network and network["acronym"]] + [m["title"] for m in context["modules"]] if k],
        "distribution": [
            {"@type": "DataDownload", "name": fmt.label, "encodingFormat": fmt.media_type, "contentUrl": url}
            for fmt, _, url in links.dumps
        ],
        "includedInDataCatalog": {"@type": "DataCatalog", "url": links.home + "catalog"},
    }
    if span:
        description["temporalCoverage"] = f"{span[0]}/{span[1]}"
    countries = sorted({c.country for c in cities if c.country}, key=sort_key)
    if countries:
        description["spatialCoverage"] = [{"@type": "Country", "name": country} for country in countries]
    if context["licence_href"]:
        description["license"] = context["licence"]
    return description
