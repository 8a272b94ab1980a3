"""The HTML pages: the home page that explains the dataset, and the browse lists.

Everything shown comes from queries over the store; the CLIP sections appear only when
their classes are in the data, so any RDF served with ``--data`` gets a home page too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint, render_template, url_for

from server.engine.store import Store
from server.errors import NotFound
from server.formats import RDF_FORMATS, Format
from server.urls import Urls
from server.views.pictures import (
    PARTICIPATIONS,
    RANK,
    Column,
    Row,
    city_map,
    level_of,
    matrix,
    member_cities,
    select,
    sort_key,
)
from server.web.state import state

blueprint = Blueprint("pages", __name__)

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
ITEMS = f"SELECT ?class ?item ?itemEn ?itemAny WHERE {{ ?item a/rdfs:subClassOf* ?class . {LABELS.format('item')} }}"
DETAILS = "SELECT ?class ?item ?detail WHERE {{ ?item a/rdfs:subClassOf* ?class . {0} }}"
COUNTS = """SELECT ?class (COUNT(DISTINCT ?item) AS ?n)
  WHERE {{ VALUES ?class {{ {0} }} ?item a/rdfs:subClassOf* ?class }} GROUP BY ?class"""
NETWORK = f"""SELECT ?network ?networkEn ?networkAny ?name ?acronym ?description ?start ?note WHERE {{
  ?network a clip:Network . {LABELS.format("network")} OPTIONAL {{ ?network clip:acronym ?acronym }}
  OPTIONAL {{ ?network skos:prefLabel ?name FILTER(LANGMATCHES(LANG(?name), "en")) }}
  OPTIONAL {{ ?network dcterms:description ?description FILTER(LANGMATCHES(LANG(?description), "en")) }}
  OPTIONAL {{ ?network clip:startDate ?start }} OPTIONAL {{ ?network clip:dateNote ?note }}
}} ORDER BY ?network"""
MODULES = f"""SELECT ?module ?number ?moduleEn ?moduleAny ?title ?description WHERE {{
  ?module a clip:ResearchModule . {LABELS.format("module")} OPTIONAL {{ ?module clip:moduleNumber ?number }}
  OPTIONAL {{ ?module dcterms:title ?title }} OPTIONAL {{ ?module dcterms:description ?description }}
}}"""
CLAIMS = """SELECT ?subject ?count ?qualifier ?countries ?quotation ?source ?id WHERE {
  ?claim a clip:CountClaim ; clip:claimAbout ?subject ; clip:statedCityCount ?count .
  OPTIONAL { ?claim clip:countQualifier ?qualifier } OPTIONAL { ?claim clip:statedCountryCount ?countries }
  OPTIONAL { ?claim clip:quotation ?quotation } OPTIONAL { ?claim dcterms:source ?source . ?source clip:sourceId ?id }
}"""
DATES = """SELECT DISTINCT ?date WHERE {
  { ?network a clip:Network } UNION { ?network a/rdfs:subClassOf* clip:Event }
  ?network clip:startDate|clip:endDate ?date
}"""
CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
LEVEL_LABELS = """SELECT ?level ?label WHERE {
  ?level a clip:EvidenceLevel ; rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en"))
}"""
LICENCE = """SELECT ?licence WHERE { ?dataset dcterms:license ?licence ; a ?type .  # a dataset's, else the ontology's
  VALUES (?type ?order) { (<http://rdfs.org/ns/void#Dataset> 1) (<http://www.w3.org/ns/dcat#Dataset> 1)
    (<https://schema.org/Dataset> 1) (<http://www.w3.org/2002/07/owl#Ontology> 2) }
} ORDER BY ?order ?licence"""


@blueprint.get("/")
def home() -> str:
    """What this dataset is, its modules, cities and sizes as the sources state them, and where to go next."""
    current = state()
    store, base, urls = current.store, current.kg.base, Urls(current.kg.base)
    counts = kind_counts(store, base)
    cities = member_cities(store, base) if counts.get("cities") else []
    claims = count_claims(store, base, urls)
    network = the_network(store, base, urls)
    modules = research_modules(store, base, claims, urls)
    columns = [m["column"] for m in modules if m["column"] is not None]
    levels = level_labels(store, base)
    sizes = store.graph_sizes()
    context: dict[str, Any] = {
        "network": network,
        "size_claims": claims.get(network["iri"], []) if network else [],
        "members": {kind: sum(c.membership == kind for c in cities) for kind in ("direct", "described")},
        "modules": modules,
        "levels": levels,
        "city_map": city_map(cities, urls),
        "matrix": matrix(cities, columns, levels, urls),
        "browse": [(kind, KINDS[kind][1], n) for kind, n in counts.items() if n],
        "graphs": [(name, sizes.get(name, 0)) for name in current.kg.graph_names()],
        "total": len(store),
        "classes": [(row["class"], urls.link(row["class"] or ""), row["n"]) for row in select(store, base, CLASSES)],
        "dumps": [(f, url_for("downloads.dump_file", extension=f.extension)) for f in RDF_FORMATS],
        "base": base,
    }
    context["years"] = years(store, base)
    context["licence"] = next((row["licence"] for row in select(store, base, LICENCE)), None)
    context["jsonld"] = dataset_description(context, cities)
    return render_template("home.html", **context)


@blueprint.get("/browse/<kind>")
def browse(kind: str) -> str:
    """One kind of resource as a list: label (English first), a helpful second column, a link each."""
    if kind not in KINDS:
        raise NotFound(f"there is no list of {kind!r}; the lists are: {', '.join(KINDS)}")
    current = state()
    store, base, urls = current.store, current.kg.base, Urls(current.kg.base)
    name, heading, pattern = KINDS[kind]
    best: dict[str, tuple[int, str]] = {}  # English label first, then any name, then the IRI's last segment
    for row in select(store, base, ITEMS, **{"class": base + "def/" + name}):
        item = row["item"] or ""
        found = (0, row["itemEn"]) if row["itemEn"] else (1, row["itemAny"]) if row["itemAny"] else None
        best[item] = min(best.get(item, (2, item.rstrip("/").rsplit("/", 1)[-1])), found or (3, ""))
    labels = {item: label for item, (_, label) in best.items()}
    details: dict[str, set[str]] = defaultdict(set)
    for row in select(store, base, DETAILS.format(pattern), **{"class": base + "def/" + name}):
        if row["detail"]:
            details[row["item"] or ""].add(row["detail"])
    entries = [(label, urls.link(item), " · ".join(sorted(details[item]))) for item, label in labels.items()]
    entries.sort(key=lambda entry: (sort_key(entry[0]), entry[1]))
    lists = [(other, KINDS[other][1]) for other in KINDS]
    return render_template("browse.html", kind=kind, heading=heading, entries=entries, lists=lists)


def kind_counts(store: Store, base: str) -> dict[str, int]:
    """How many resources of each browsable kind the data holds, in the order of ``KINDS``."""
    values = " ".join(f"clip:{name}" for name, _, _ in KINDS.values())
    found = {row["class"]: int(row["n"] or 0) for row in select(store, base, COUNTS.format(values))}
    return {kind: found.get(base + "def/" + name, 0) for kind, (name, _, _) in KINDS.items()}


def level_labels(store: Store, base: str) -> dict[str, str]:
    """The data's English labels of the evidence levels by short name; the short name otherwise."""
    labels = {kind: kind for kind in RANK}
    for row in select(store, base, LEVEL_LABELS):
        kind = level_of(row["level"], base)
        if kind != "none" and row["label"]:
            labels[kind] = row["label"]
    labels["none"] = "no evidence seen"
    return labels


def module_counts(rows: list[Row], base: str) -> dict[int, dict[str, int]]:
    """Per module number, how many distinct cities each evidence level identifies."""
    seen: dict[int, dict[str, set[str]]] = {}
    for row in rows:
        if row["number"] is not None:
            by_level = seen.setdefault(int(row["number"]), {})
            by_level.setdefault(level_of(row["level"], base), set()).add(row["city"] or "")
    return {number: {k: len(v) for k, v in levels.items()} for number, levels in seen.items()}


def _label(row: Row, variable: str) -> str:
    return row[variable + "En"] or row[variable + "Any"] or row[variable] or ""


def the_network(store: Store, base: str, urls: Urls) -> dict[str, Any] | None:
    """The clip:Network (the first, should there be several): names, description, start."""
    rows = select(store, base, NETWORK)
    if not rows:
        return None
    first = rows[0]
    iri = first["network"] or ""
    return {**first, "iri": iri, "href": urls.link(iri), "label": _label(first, "network")}


def count_claims(store: Store, base: str, urls: Urls) -> dict[str, list[dict[str, Any]]]:
    """Per subject, the figures the sources state, one entry per figure with all its sources."""
    grouped: dict[str, dict[tuple[int, str, str], dict[str, Any]]] = defaultdict(dict)
    for row in select(store, base, CLAIMS):
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
        result[subject] = sorted(claims.values(), key=lambda c: (c["count"], c["countries"], -len(c["sources"])))
    return result


def research_modules(store: Store, base: str, claims: dict[str, list[Any]], urls: Urls) -> list[dict[str, Any]]:
    """The research modules in number order, with what the sources state and the cities identified here."""
    found = module_counts(select(store, base, PARTICIPATIONS), base)
    modules: dict[str, dict[str, Any]] = {}
    for row in select(store, base, MODULES):
        module = modules.setdefault(row["module"] or "", {**row, "label": _label(row, "module")})
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


def years(store: Store, base: str) -> tuple[int, int] | None:
    """The first and last year among the network's dates and its events' dates."""
    found = [int(row["date"][:4]) for row in select(store, base, DATES) if row["date"] and row["date"][:4].isdigit()]
    return (min(found), max(found)) if found else None


def dataset_description(context: dict[str, Any], cities: list[Any]) -> dict[str, Any]:
    """The schema.org Dataset for dataset search engines, from what the page shows."""
    network, span = context["network"], context["years"]
    name = f"{network['acronym'] or network['label']} knowledge graph" if network else "Knowledge graph"
    summary = f"{context['total']} triples in {len(context['graphs'])} named graphs, as linked data and SPARQL."
    description: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": name,
        "description": f"{network['description']} {summary}" if network and network["description"] else summary,
        "url": url_for("pages.home", _external=True),
        "identifier": context["base"],
        "keywords": [k for k in [network and network["acronym"]] + [m["title"] for m in context["modules"]] if k],
        "distribution": [
            {"@type": "DataDownload", "name": f.label, "encodingFormat": f.media_type, "contentUrl": _dump_url(f)}
            for f, _ in context["dumps"]
        ],
        "includedInDataCatalog": {"@type": "DataCatalog", "url": url_for("pages.home", _external=True) + "catalog"},
    }
    if span:
        description["temporalCoverage"] = f"{span[0]}/{span[1]}"
    countries = sorted({c.country for c in cities if c.country}, key=sort_key)
    if countries:
        description["spatialCoverage"] = [{"@type": "Country", "name": country} for country in countries]
    if context["licence"]:
        description["license"] = context["licence"]
    return description


def _dump_url(fmt: Format) -> str:
    return url_for("downloads.dump_file", extension=fmt.extension, _external=True)
