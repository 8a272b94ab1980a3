"""The named queries of queries/: their headers, their parameters, and their answers on the CLIP graph.

Expected answers are read off the Turtle of graph/ (and recomputed with rdflib from the
asserted graph where a whole table is checked), never copied from the queries' own output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from server.engine.catalogue import QUERIES_DIR, NamedQuery, Parameter, catalogue, parse_query_file
from server.engine.embedded import EmbeddedEngine
from server.errors import BadInput
from server.kg.build import KnowledgeGraph
from server.namespaces import CLIP

from ..conftest import needs_java

ID = Namespace("https://w3id.org/clip-network/id/")
CITY = Namespace(ID + "city/")
PUBLICATION = Namespace(ID + "publication/")
PERSON = Namespace(ID + "person/")
POLICY = Namespace(ID + "policy/")
ORGANISATION = Namespace(ID + "organisation/")
INFERRED = "https://w3id.org/clip-network/graph/inferred"
EVIDENCE = {CLIP.DirectEvidence: "direct", CLIP.ProbableEvidence: "probable", CLIP.ProjectDescriptionOnly: "S0-only"}
INJECTION = "x> } ; DROP ALL ; SELECT * WHERE { <y"
BAD_VALUES = {"iri": "not an iri", "integer": "abc", "decimal": "abc", "year": "abc", "date": "2009-13-45"}
NEEDED = {
    "cities_per_module", "stated_city_counts", "member_cities", "city_module_matrix", "modules_of_city",
    "publications_of_city", "authors_of_module", "publications_by_year", "policies_by_topic",
    "policies_of_city", "organisations_by_role", "timeline", "sources_of_resource", "disputed_facts", "people",
    "findings",
}  # fmt: skip


def _parse_or_error(path: Path) -> NamedQuery | BadInput:
    try:
        return parse_query_file(path)
    except BadInput as error:
        return error


# The cases are collected from the files on disk, one by one, so a file that does not
# parse fails its own cases (and test_every_rq_file_is_a_parsed_case) instead of
# emptying the parametrization.
PARSED = {path.stem: _parse_or_error(path) for path in sorted(QUERIES_DIR.glob("*.rq"))}
NAMES = sorted(PARSED)
QUERIES = {name: parsed for name, parsed in PARSED.items() if isinstance(parsed, NamedQuery)}
PARAMETERS = [(q.name, p) for q in QUERIES.values() for p in q.parameters]
Row = dict[str, str | None]


# --- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(clip_kg: KnowledgeGraph) -> EmbeddedEngine:
    """The whole dataset: ontology, asserted and (with Java) inferred graphs."""
    return EmbeddedEngine(clip_kg.dataset)


@pytest.fixture(scope="module")
def bare_store(clip_kg: KnowledgeGraph) -> EmbeddedEngine:
    """The dataset without its inferred graph, as on a machine without Java."""
    dataset = Dataset()
    dataset.addN(quad for quad in clip_kg.dataset.quads((None, None, None, None)) if str(quad[3]) != INFERRED)
    return EmbeddedEngine(dataset)


@pytest.fixture(scope="module")
def asserted(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("asserted")


@pytest.fixture(scope="module")
def ontology(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("ontology")


def named(name: str) -> NamedQuery:
    """The named query of queries/NAME.rq; a file that does not parse fails the test."""
    parsed = PARSED[name]
    if isinstance(parsed, BadInput):
        pytest.fail(f"queries/{name}.rq does not parse: {parsed}")
    return parsed


def run(store: EmbeddedEngine, name: str, values: Mapping[str, str] | None = None) -> list[Row]:
    """Run a named query as the web layer does: parameters validated, then substituted."""
    query = named(name)
    rows = store.rows(query.text, **query.substitutions(values or {}))
    return [{name: row[name].value if name in row else None for name in rows.variables} for row in rows]


def label(graph: Graph, node: URIRef) -> str:
    return str(graph.value(node, RDFS.label))


def publications(graph: Graph, ontology: Graph) -> set[URIRef]:
    """Resources typed with clip:Publication or a subclass of it, read with rdflib."""
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, CLIP.Publication))
    return {s for c in classes for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}


def module_number(graph: Graph, module: URIRef) -> int:
    return int(graph.value(module, CLIP.moduleNumber))  # type: ignore[arg-type]


def participations(graph: Graph) -> dict[tuple[URIRef, int], str]:
    """(city, module number) → evidence code, read with rdflib."""
    table = {}
    for p in graph.subjects(RDF.type, CLIP.Participation):
        city = graph.value(p, CLIP.participant)
        number = module_number(graph, graph.value(p, CLIP.inModule))  # type: ignore[arg-type]
        table[(city, number)] = EVIDENCE[graph.value(p, CLIP.evidenceLevel)]  # type: ignore[index]
    return table  # type: ignore[return-value]


def author_counts(graph: Graph, number: int) -> dict[URIRef, int]:
    """Person → number of publications of module ``number`` they are named on, read with rdflib."""
    counts: dict[URIRef, set[URIRef]] = defaultdict(set)
    for publication, module in graph.subject_objects(CLIP.outputOf):
        if module_number(graph, module) == number:  # type: ignore[arg-type]
            for authorship in graph.objects(publication, CLIP.authorship):
                counts[graph.value(authorship, CLIP.agent)].add(publication)  # type: ignore[index]
    return {person: len(pubs) for person, pubs in counts.items()}


def source_ids(graph: Graph, node: URIRef) -> set[str]:
    return {str(graph.value(s, CLIP.sourceId)) for s in graph.objects(node, DCTERMS.source)}


def column(rows: list[Row], name: str) -> list[str | None]:
    return [row[name] for row in rows]


# --- the catalogue ------------------------------------------------------------------------


def test_every_query_file_parses_with_its_header() -> None:
    assert catalogue()


def test_one_named_query_per_rq_file() -> None:
    assert len(catalogue()) == len(list(QUERIES_DIR.glob("*.rq")))


def test_every_rq_file_is_a_parsed_case() -> None:
    on_disk = sorted(path.stem for path in QUERIES_DIR.glob("*.rq"))
    assert len(on_disk) >= len(NEEDED)
    assert NAMES == on_disk
    broken = {name: str(parsed) for name, parsed in PARSED.items() if isinstance(parsed, BadInput)}
    assert broken == {}
    assert sorted(QUERIES) == on_disk


def test_the_catalogue_has_the_queries_a_researcher_asks() -> None:
    assert NEEDED <= set(QUERIES)


@pytest.mark.parametrize("name", NAMES)
def test_every_query_has_a_title_and_a_description(name: str) -> None:
    query = named(name)
    assert query.title.strip()
    assert len(query.description) > 40


@pytest.mark.parametrize("name", NAMES)
def test_every_query_orders_its_rows(name: str) -> None:
    assert "\nORDER BY " in named(name).text


@pytest.mark.parametrize("name", NAMES)
def test_every_query_answers_its_example(store: EmbeddedEngine, name: str) -> None:
    assert run(store, name, dict(named(name).examples))


RUNS = [(q.name, dict(q.examples)) for q in QUERIES.values()] + [
    (q.name, {}) for q in QUERIES.values() if q.examples and not any(p.required for p in q.parameters)
]


@needs_java
@pytest.mark.parametrize(("name", "values"), RUNS, ids=[f"{n}-{'-'.join(v.values()) or 'unbound'}" for n, v in RUNS])
def test_answers_do_not_depend_on_the_inferred_graph(
    store: EmbeddedEngine, bare_store: EmbeddedEngine, clip_kg: KnowledgeGraph, name: str, values: dict[str, str]
) -> None:
    """Without Java both stores are the same and the comparison would prove nothing."""
    assert len(clip_kg.graph("inferred")) > 0
    assert len(bare_store) < len(store)
    assert run(bare_store, name, values) == run(store, name, values)


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parameter"),
    [(n, p) for n, p in PARAMETERS if p.type in BAD_VALUES],
    ids=[f"{n}-{p.name}" for n, p in PARAMETERS if p.type in BAD_VALUES],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_parameter(name: str, parameter: Parameter) -> None:
    with pytest.raises(BadInput, match=parameter.name):
        named(name).substitutions({parameter.name: BAD_VALUES[parameter.type]})


@pytest.mark.parametrize(
    ("name", "parameter"),
    [(n, p) for n, p in PARAMETERS if p.required],
    ids=[f"{n}-{p.name}" for n, p in PARAMETERS if p.required],
)
def test_a_missing_required_parameter_is_refused(name: str, parameter: Parameter) -> None:
    with pytest.raises(BadInput, match=parameter.name):
        named(name).substitutions({})


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_parameter_is_refused(name: str) -> None:
    with pytest.raises(BadInput, match="nonsense"):
        named(name).substitutions({**dict(named(name).examples), "nonsense": "1"})


@pytest.mark.parametrize(
    ("name", "parameter"),
    [(n, p) for n, p in PARAMETERS if p.type in ("iri", "string")],
    ids=[f"{n}-{p.name}" for n, p in PARAMETERS if p.type in ("iri", "string")],
)
def test_an_injection_attempt_is_refused_or_bound_as_a_plain_term(
    store: EmbeddedEngine, name: str, parameter: Parameter
) -> None:
    size = len(store)
    values = {**dict(named(name).examples), parameter.name: INJECTION}
    try:
        rows = run(store, name, values)
    except BadInput:
        rows = []
    assert rows == []
    assert len(store) == size


def test_an_iri_parameter_that_is_no_resource_gives_no_rows(store: EmbeddedEngine) -> None:
    assert run(store, "modules_of_city", {"city": "https://w3id.org/clip-network/id/city/atlantis"}) == []


# --- cities and modules -------------------------------------------------------------------


def test_cities_per_module_counts_directly_identified_cities(store: EmbeddedEngine) -> None:
    rows = run(store, "cities_per_module")
    assert {int(r["number"]): int(r["direct"]) for r in rows} == {1: 8, 2: 6, 3: 10, 4: 4}  # type: ignore[arg-type]


def test_cities_per_module_agrees_with_the_participations(store: EmbeddedEngine, asserted: Graph) -> None:
    table = participations(asserted)
    for row in run(store, "cities_per_module"):
        number = int(row["number"])  # type: ignore[arg-type]
        cities = {label(asserted, c) for c, n in table if n == number}
        assert set((row["cities"] or "").split(", ")) == cities
        assert int(row["identified"]) == len(cities)  # type: ignore[arg-type]
        assert int(row["s0Only"]) == sum(1 for (_, n), e in table.items() if n == number and e == "S0-only")  # type: ignore[arg-type]


def test_cities_per_module_shows_the_stated_counts(store: EmbeddedEngine) -> None:
    rows = run(store, "cities_per_module")
    assert {r["number"]: r["stated"] for r in rows} == {"1": "20", "2": "25", "3": "31 / 35", "4": "28"}


def test_stated_city_counts_has_a_row_per_count_claim(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "stated_city_counts")
    city_counts = {str(c) for c in asserted.subjects(CLIP.statedCityCount, None)}  # not S45's researchers
    assert {r["claim"] for r in rows} == city_counts


@pytest.mark.parametrize(
    ("about", "cities", "source", "qualifier", "countries"),
    [
        ("CLIP network", "36", "S15", "exactly", "22"),
        ("CLIP network", "30", "S1", "more than", None),
        ("CLIP network", "30", "S10", "up to", "20"),
        ("Module 3: Intercultural policies and intergroup relations", "31", "S5", "exactly", None),
        ("Module 3: Intercultural policies and intergroup relations", "35", "S134", "exactly", None),
    ],
)
def test_stated_city_counts_keeps_what_each_source_says(
    store: EmbeddedEngine, about: str, cities: str, source: str, qualifier: str, countries: str | None
) -> None:
    rows = run(store, "stated_city_counts")
    matching = [r for r in rows if (r["about"], r["cities"], r["source"]) == (about, cities, source)]
    assert [(r["qualifier"], r["countries"]) for r in matching] == [(qualifier, countries)]


def test_member_cities_keeps_its_columns(store: EmbeddedEngine) -> None:
    rows = store.rows(named("member_cities").text)
    assert rows.variables == ("city", "name", "country", "lat", "long", "modules")


def test_member_cities_lists_every_city(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "member_cities")
    assert sorted(column(rows, "city")) == sorted(str(c) for c in asserted.subjects(RDF.type, CLIP.City))


@pytest.mark.parametrize(
    ("city", "country", "modules", "located"),
    [("vienna", "AT", "1 2 3 4", True), ("athens", "GR", None, True), ("kirklees", "GB", None, False)],
)
def test_member_cities_row(store: EmbeddedEngine, city: str, country: str, modules: str | None, located: bool) -> None:
    (row,) = [r for r in run(store, "member_cities") if r["city"] == str(CITY[city])]
    assert (row["country"], row["modules"], row["lat"] is not None) == (country, modules, located)


@pytest.mark.parametrize(
    ("city", "cells"),
    [
        ("vienna", ("S0-only", "S0-only", "direct", "S0-only", "direct")),
        ("zagreb", ("", "", "S0-only", "", "S0-only")),
        ("prague", ("", "", "direct", "S0-only", "direct")),
        ("frankfurt", ("direct", "direct", "direct", "direct", "direct")),
        ("athens", ("", "", "", "", "direct")),
    ],
)
def test_city_module_matrix_row(store: EmbeddedEngine, city: str, cells: tuple[str, ...]) -> None:
    (row,) = [r for r in run(store, "city_module_matrix") if r["city"] == str(CITY[city])]
    assert tuple(row[c] for c in ("module1", "module2", "module3", "module4", "membership")) == cells


def test_city_module_matrix_agrees_with_the_participations(store: EmbeddedEngine, asserted: Graph) -> None:
    table = participations(asserted)
    rows = run(store, "city_module_matrix")
    assert len(rows) == len(set(asserted.subjects(RDF.type, CLIP.City)))
    for row in rows:
        city = URIRef(row["city"])  # type: ignore[arg-type]
        assert [row[f"module{n}"] for n in range(1, 5)] == [table.get((city, n), "") for n in range(1, 5)]


def test_modules_of_city_vienna(store: EmbeddedEngine) -> None:
    rows = run(store, "modules_of_city", {"city": str(CITY.vienna)})
    assert [(r["number"], r["evidence"]) for r in rows] == [
        ("1", "S0-only"),
        ("2", "S0-only"),
        ("3", "direct"),
        ("4", "S0-only"),
    ]
    assert rows[2]["publicationIris"] == str(PUBLICATION["vienna-intercultural-case-study"])
    assert rows[2]["sources"] == "S24"


def test_modules_of_city_lists_every_evidencing_publication_and_source(store: EmbeddedEngine) -> None:
    (row,) = run(store, "modules_of_city", {"city": str(CITY.budapest)})
    assert set(row["publicationIris"].split()) == {  # type: ignore[union-attr]
        str(PUBLICATION["cee-intergroup-relations-article"]),
        str(PUBLICATION["intergroup-relations-cee-cities-working-paper"]),
    }
    assert row["sources"] == "S28, S60"


@pytest.mark.parametrize("city", ["amsterdam", "frankfurt", "prague", "stuttgart", "zagreb", "athens"])
def test_modules_of_city_agrees_with_the_participations(store: EmbeddedEngine, asserted: Graph, city: str) -> None:
    expected = sorted((n, e) for (c, n), e in participations(asserted).items() if c == CITY[city])
    rows = run(store, "modules_of_city", {"city": str(CITY[city])})
    assert [(int(r["number"]), r["evidence"]) for r in rows] == expected  # type: ignore[arg-type]


# --- publications and authors -------------------------------------------------------------


def test_publications_of_city_zurich_includes_the_bosswick_case_study(store: EmbeddedEngine) -> None:
    rows = run(store, "publications_of_city", {"city": str(CITY.zurich)})
    assert {
        "publication": str(PUBLICATION["zurich-intercultural-case-study"]),
        "classLabel": "case study",
        "moduleNumber": "3",
        "position": "1",
        "author": str(PERSON["wolfgang-bosswick"]),
    }.items() <= rows[0].items()


@pytest.mark.parametrize("city", ["vienna", "frankfurt", "budapest", "zurich", "athens"])
def test_publications_of_city_are_those_about_it(store: EmbeddedEngine, asserted: Graph, city: str) -> None:
    rows = run(store, "publications_of_city", {"city": str(CITY[city])})
    assert set(column(rows, "publication")) == {str(p) for p in asserted.subjects(CLIP.aboutCity, CITY[city])}


def test_publications_of_city_gives_one_row_per_author_in_author_order(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "publications_of_city", {"city": str(CITY.vienna)})
    publication = PUBLICATION["vienna-intercultural-case-study"]
    authors = [(r["position"], r["author"]) for r in rows if r["publication"] == str(publication)]
    by_position = {
        str(asserted.value(a, CLIP.position)): str(asserted.value(a, CLIP.agent))
        for a in asserted.objects(publication, CLIP.authorship)
    }
    assert authors == sorted(by_position.items(), key=lambda item: int(item[0]))
    assert [a for _, a in authors] == [
        str(PERSON[p]) for p in ("heinz-fassmann", "josef-kohlbacher", "bernhard-perchinig")
    ]


def test_publications_of_city_keeps_publications_without_authors(store: EmbeddedEngine) -> None:
    rows = run(store, "publications_of_city", {"city": str(CITY.frankfurt)})
    (row,) = [r for r in rows if r["publication"] == str(PUBLICATION["frankfurt-intercultural-city-edition-2011"])]
    assert (row["author"], row["date"], row["year"]) == (None, "2011-01", "2011")


def test_authors_of_module_3_include_the_18_authors_of_the_overview(store: EmbeddedEngine, asserted: Graph) -> None:
    overview = PUBLICATION["intercultural-policies-in-european-cities"]
    overview_authors = {str(asserted.value(a, CLIP.agent)) for a in asserted.objects(overview, CLIP.authorship)}
    assert len(overview_authors) == 18
    rows = run(store, "authors_of_module", {"module": "3"})
    assert overview_authors <= set(column(rows, "author"))
    assert all(str(overview) in (r["publicationIris"] or "").split() for r in rows if r["author"] in overview_authors)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_authors_of_module_count_their_publications(store: EmbeddedEngine, asserted: Graph, number: int) -> None:
    rows = run(store, "authors_of_module", {"module": str(number)})
    expected = {str(person): count for person, count in author_counts(asserted, number).items()}
    assert {r["author"]: int(r["publicationCount"]) for r in rows} == expected  # type: ignore[arg-type]
    assert all(len((r["publicationIris"] or "").split()) == int(r["publicationCount"]) for r in rows)  # type: ignore[arg-type]


def test_authors_of_module_puts_the_most_prolific_first(store: EmbeddedEngine) -> None:
    counts = [int(r["publicationCount"]) for r in run(store, "authors_of_module", {"module": "1"})]  # type: ignore[arg-type]
    assert counts == sorted(counts, reverse=True)
    # Lüken-Klaßen: the two Frankfurt case studies, Arnsberg, Stuttgart, the overview report,
    # its German edition and the state-of-the-art report.
    assert counts[0] == 7


def test_authors_of_an_unknown_module_are_none(store: EmbeddedEngine) -> None:
    assert run(store, "authors_of_module", {"module": "7"}) == []


def test_publications_by_year_without_a_year_lists_every_publication(
    store: EmbeddedEngine, asserted: Graph, ontology: Graph
) -> None:
    rows = run(store, "publications_by_year")
    expected = publications(asserted, ontology)
    assert len(expected) == 49
    assert sorted(column(rows, "publication")) == sorted(str(p) for p in expected)


def test_publications_by_year_with_a_year(store: EmbeddedEngine, asserted: Graph) -> None:
    issued_2009 = {str(p) for p, d in asserted.subject_objects(DCTERMS.issued) if str(d).startswith("2009")}
    rows = run(store, "publications_by_year", {"year": "2009"})
    assert len(issued_2009) == 11
    assert set(column(rows, "publication")) == issued_2009


def test_publications_by_year_lists_undated_publications_last(store: EmbeddedEngine) -> None:
    years = column(run(store, "publications_by_year"), "year")
    assert years[0] == "2007"
    assert "" in years
    assert years[years.index("") :] == [""] * (len(years) - years.index(""))


def test_publications_by_year_counts_authors(store: EmbeddedEngine) -> None:
    rows = run(store, "publications_by_year", {"year": "2010"})
    counts = {r["publication"]: r["authors"] for r in rows}
    assert counts[str(PUBLICATION["intercultural-policies-in-european-cities"])] == "18"
    assert counts[str(PUBLICATION["vienna-intercultural-case-study"])] == "3"


def test_publications_by_year_for_a_year_without_publications(store: EmbeddedEngine) -> None:
    assert run(store, "publications_by_year", {"year": "1999"}) == []


def test_people_lists_every_person(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "people")
    assert sorted(column(rows, "person")) == sorted(str(p) for p in asserted.subjects(RDF.type, CLIP.Person))


def test_people_count_the_publications_they_authored(store: EmbeddedEngine, asserted: Graph) -> None:
    authored: dict[str, set[URIRef]] = defaultdict(set)
    for publication, authorship in asserted.subject_objects(CLIP.authorship):
        authored[str(asserted.value(authorship, CLIP.agent))].add(publication)  # type: ignore[arg-type]
    expected = {str(p): len(authored.get(str(p), ())) for p in asserted.subjects(RDF.type, CLIP.Person)}
    assert sum(expected.values()) > 0
    rows = run(store, "people")
    assert {r["person"]: int(r["publications"]) for r in rows} == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("person", "affiliations"),
    [
        ("wolfgang-bosswick", {"efms"}),
        ("wolfgang-schuster", {"city-of-stuttgart", "cemr"}),
        ("h-crawley", set()),
    ],
)
def test_people_with_their_affiliations(store: EmbeddedEngine, person: str, affiliations: set[str]) -> None:
    (row,) = [r for r in run(store, "people") if r["person"] == str(PERSON[person])]
    assert set((row["affiliationIris"] or "").split()) == {str(ORGANISATION[a]) for a in affiliations}


def test_people_are_sorted_by_family_name(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "people")
    family = [str(asserted.value(URIRef(r["person"]), FOAF.familyName)).lower() for r in rows]  # type: ignore[arg-type]
    assert family == sorted(family)


# --- policies -----------------------------------------------------------------------------


def narrower_or_same(graph: Graph, topic: URIRef) -> set[URIRef]:
    return set(graph.transitive_subjects(SKOS.broader, topic))


def test_policies_by_topic_m3_4_includes_narrower_topics(store: EmbeddedEngine) -> None:
    rows = run(store, "policies_by_topic", {"topic": str(ID["topic/m3-4"])})
    assert [(r["policy"], r["matchedTopics"]) for r in rows] == [
        (str(POLICY["amsterdam-we-amsterdammers"]), "M3.4"),
        (str(POLICY["zurich-muslim-burial-fields"]), "M3.4.1"),
    ]


@pytest.mark.parametrize("topic", ["m1", "m1-1", "m1-1-2", "m2-1", "m3", "m4-3", "m1-r"])
def test_policies_by_topic_agrees_with_the_typology(store: EmbeddedEngine, asserted: Graph, topic: str) -> None:
    topics = narrower_or_same(asserted, ID[f"topic/{topic}"])
    expected = {
        str(p)
        for p, t in asserted.subject_objects(CLIP.topic)
        if t in topics and (p, RDF.type, CLIP.LocalPolicy) in asserted
    }
    rows = run(store, "policies_by_topic", {"topic": str(ID[f"topic/{topic}"])})
    assert sorted(column(rows, "policy")) == sorted(expected)


def test_policies_by_topic_without_a_topic_lists_every_level(store: EmbeddedEngine, asserted: Graph) -> None:
    expected = {
        (str(topic), str(policy))
        for policy, filed in asserted.subject_objects(CLIP.topic)
        if (policy, RDF.type, CLIP.LocalPolicy) in asserted
        for topic in asserted.transitive_objects(filed, SKOS.broader)
    }
    rows = run(store, "policies_by_topic")
    assert sorted((r["topic"], r["policy"]) for r in rows) == sorted(expected)


def test_policies_by_topic_shows_city_tie_and_sources(store: EmbeddedEngine) -> None:
    rows = run(store, "policies_by_topic", {"topic": str(ID["topic/m2-1"])})
    (row,) = [r for r in rows if r["policy"] == str(POLICY["stuttgart-pact-for-integration"])]
    assert row["city"] == str(CITY.stuttgart)
    assert row["clipTie"] == str(CLIP.TiedBySource)
    assert set(row["sources"].split(", ")) == {"S39", "S40", "S66", "S101", "S127", "S128"}  # type: ignore[union-attr]


@pytest.mark.parametrize("city", ["vienna", "frankfurt", "stuttgart", "athens"])
def test_policies_of_city_are_its_policies(store: EmbeddedEngine, asserted: Graph, city: str) -> None:
    rows = run(store, "policies_of_city", {"city": str(CITY[city])})
    assert sorted(column(rows, "policy")) == sorted(str(p) for p in asserted.subjects(CLIP.policyOf, CITY[city]))


def test_policies_of_city_gives_names_modules_topics_and_dates(store: EmbeddedEngine) -> None:
    rows = run(store, "policies_of_city", {"city": str(CITY.frankfurt)})
    (row,) = [r for r in rows if r["policy"] == str(POLICY["frankfurt-integration-department-and-amka"])]
    assert row["originalNames"] == "Amt für multikulturelle Angelegenheiten (AmkA)"  # one per language
    assert (row["modules"], row["start"], row["sources"]) == ("2, 3", "1989", "S71, S107, S108")
    assert set(row["topics"].split(", ")) == {"M2.1.3", "M3.2"}  # type: ignore[union-attr]


def test_policies_of_city_keeps_the_precision_of_start_dates(store: EmbeddedEngine) -> None:
    rows = run(store, "policies_of_city", {"city": str(CITY.vienna)})
    starts = {r["policy"]: r["start"] for r in rows}
    assert starts[str(POLICY["vienna-startwien"])] == "2008-10"
    assert starts[str(POLICY["vienna-opening-of-municipal-housing"])] == "2006-01-01"
    assert starts[str(POLICY["vienna-integration-flats"])] is None


# --- organisations, timeline, sources, claims ----------------------------------------------


def test_organisations_by_role_founders(store: EmbeddedEngine) -> None:
    rows = run(store, "organisations_by_role", {"role": str(CLIP.Founder)})
    assert sorted(column(rows, "agent")) == sorted(
        str(ORGANISATION[o]) for o in ("congress", "city-of-stuttgart", "eurofound")
    )
    assert {(r["contextKind"], r["start"]) for r in rows} == {("network", "2006")}


def test_organisations_by_role_without_a_role_lists_every_involvement(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "organisations_by_role")
    assert sorted(column(rows, "involvement")) == sorted(str(i) for i in asserted.subjects(RDF.type, CLIP.Involvement))


@pytest.mark.parametrize(
    ("involvement", "kind", "context_kind", "start", "end"),
    [
        ("compas-research-group", "organisation", "network", "2007", "2009"),
        ("isr-research-group-s0", "organisation", "network", "2008-09", "2012-06"),
        ("sarah-spencer-diversity", "person", "module", None, None),
        ("hubert-krieger-10th-meeting-speaker", "person", "event", None, None),
        ("efms-imiscoe", "organisation", "organisation", None, None),
    ],
)
def test_organisations_by_role_gives_kind_context_and_period(
    store: EmbeddedEngine, involvement: str, kind: str, context_kind: str, start: str | None, end: str | None
) -> None:
    (row,) = [
        r for r in run(store, "organisations_by_role") if r["involvement"] == str(ID[f"involvement/{involvement}"])
    ]
    assert (row["agentKind"], row["contextKind"], row["start"], row["end"]) == (kind, context_kind, start, end)


def test_timeline_has_every_event_and_every_dated_publication(
    store: EmbeddedEngine, asserted: Graph, ontology: Graph
) -> None:
    events = set(asserted.subjects(RDF.type, CLIP.Event)) | set(asserted.subjects(RDF.type, CLIP.Meeting))
    dated = {p for p in publications(asserted, ontology) if (p, DCTERMS.issued, None) in asserted}
    claimed = [  # an undated publication once per value claim on its date of issue
        str(asserted.value(claim, CLIP.claimAbout))
        for claim in asserted.subjects(CLIP.claimedProperty, DCTERMS.issued)
        if (asserted.value(claim, CLIP.claimAbout), DCTERMS.issued, None) not in asserted
    ]
    assert claimed
    assert sorted(column(run(store, "timeline"), "item")) == sorted([*(str(i) for i in events | dated), *claimed])


@pytest.mark.parametrize(
    ("publication", "dates"),
    [
        ("frankfurt-entrepreneurship-case-study", {("2010", "year", "S107"), ("2011-11-06", "day", "S27")}),
        ("zurich-intercultural-case-study", {("2009", "year", "copyright"), ("2010-02", "month", "dated")}),
    ],
)
def test_timeline_lists_an_undated_publication_at_each_claimed_date_marked_disputed(
    store: EmbeddedEngine, publication: str, dates: set[tuple[str, str, str]]
) -> None:
    rows = [r for r in run(store, "timeline") if r["item"] == str(PUBLICATION[publication])]
    assert len(rows) == 2
    assert {r["disputed"] for r in rows} == {"true"}
    assert {(r["date"], r["precision"], r["claim"].rsplit("-", 1)[-1]) for r in rows} == {  # type: ignore[union-attr]
        (date, precision, claim.lower()) for date, precision, claim in dates
    }


def test_timeline_marks_dated_items_undisputed_and_without_a_claim(store: EmbeddedEngine) -> None:
    rows = [r for r in run(store, "timeline") if r["claim"] is None]
    assert rows and {r["disputed"] for r in rows} == {"false"}


def test_timeline_is_in_date_order_with_undated_items_last(store: EmbeddedEngine) -> None:
    dates = column(run(store, "timeline"), "date")
    known = [d for d in dates if d is not None]
    assert known == sorted(known)
    assert dates[len(known) :] == [None] * (len(dates) - len(known))


@pytest.mark.parametrize(
    ("event", "date", "end", "precision", "note"),
    [
        ("founding-2006", "2006", None, "year", "spring 2006"),
        ("launch-dublin-2006", "2006-09", None, "month", None),
        ("final-conference-2012", "2012-11-26", "2012-11-27", "day", None),
    ],
)
def test_timeline_keeps_the_precision_of_dates(
    store: EmbeddedEngine, event: str, date: str, end: str | None, precision: str, note: str | None
) -> None:
    (row,) = [r for r in run(store, "timeline") if r["item"] == str(ID[f"event/{event}"])]
    assert (row["date"], row["end"], row["precision"], row["dateNote"]) == (date, end, precision, note)


def test_sources_of_resource_vienna(store: EmbeddedEngine, asserted: Graph) -> None:
    rows = run(store, "sources_of_resource", {"resource": str(CITY.vienna)})
    assert sorted(column(rows, "source")) == sorted(str(s) for s in asserted.objects(CITY.vienna, DCTERMS.source))
    assert column(rows, "id") == ["S1", "S46", "SQ", None]  # SQ, then GeoNames, which has no register ID


def test_sources_of_resource_gives_kind_title_and_every_url(store: EmbeddedEngine) -> None:
    (row,) = run(store, "sources_of_resource", {"resource": str(ID["participation/vienna-intercultural"])})
    assert (row["id"], row["kind"]) == ("S24", str(CLIP.DocumentCopy))
    assert row["title"].startswith("Intercultural policies and intergroup relations")  # type: ignore[union-attr]
    assert set(row["urls"].split()) == {  # type: ignore[union-attr]
        "https://ja.scribd.com/document/249800636/IPIR-Vienna",
        "https://cupdf.com/document/ipir-vienna.html",
    }


@pytest.mark.parametrize(
    "resource", ["policy/stuttgart-pact-for-integration", "claim/network-size-s15", "person/sonia-gsir"]
)
def test_sources_of_resource_agrees_with_the_data(store: EmbeddedEngine, asserted: Graph, resource: str) -> None:
    rows = run(store, "sources_of_resource", {"resource": str(ID[resource])})
    assert set(column(rows, "id")) == source_ids(asserted, ID[resource])


def test_disputed_facts_covers_every_claim_once(store: EmbeddedEngine, asserted: Graph) -> None:
    claims = [c for r in run(store, "disputed_facts") for c in (r["claims"] or "").split()]
    counts = set(asserted.subjects(CLIP.statedCityCount, None))  # not S45's researchers
    others = set(asserted.subjects(RDF.type, CLIP.PeriodClaim)) | set(asserted.subjects(RDF.type, CLIP.ValueClaim))
    expected = counts | others
    assert sorted(claims) == sorted(str(c) for c in expected)


@pytest.mark.parametrize(
    ("subject", "kind", "values", "disputed"),
    [
        ("network/clip", "count", 5, "true"),
        ("network/clip", "period", 3, "true"),
        ("module/housing", "count", 1, "false"),
        ("module/intercultural", "count", 2, "true"),
        ("module/intercultural", "period", 2, "true"),
        ("module/entrepreneurship", "period", 1, "false"),
        ("policy/vienna-startwien", "number of languages", 2, "true"),
        ("publication/frankfurt-entrepreneurship-case-study", "issued", 2, "true"),
        ("city/diputacio-de-barcelona", "name as cited", 2, "true"),
        ("city/brescia", "member of", 2, "true"),
        ("person/anna-ludwinek", "position title", 2, "true"),
    ],
)
def test_disputed_facts_counts_the_different_values(
    store: EmbeddedEngine, subject: str, kind: str, values: int, disputed: str
) -> None:
    rows = [r for r in run(store, "disputed_facts") if (r["subject"], r["kind"]) == (str(ID[subject]), kind)]
    assert len(rows) == values
    assert {(r["values"], r["disputed"]) for r in rows} == {(str(values), disputed)}


@pytest.mark.parametrize(
    ("subject", "kind", "value", "sources"),
    [
        ("module/intercultural", "count", "exactly 31 cities", "S5"),
        ("module/intercultural", "count", "exactly 35 cities", "S134"),
        ("module/intercultural", "period", "2008", "S28, S60"),
        ("module/intercultural", "period", "2009", "S5"),
        ("network/clip", "count", "exactly 36 cities from 22 countries", "S15"),
        ("network/clip", "count", "more than 30 cities", "S1, S18, S63, S70, S72, S75"),
        ("policy/vienna-startwien", "number of languages", "about 20", "S115"),
        ("policy/vienna-startwien", "number of languages", "exactly 25", "S114"),
        ("city/diputacio-de-barcelona", "name as cited", "Barcelona (ES)", "S25, S72, S75"),
        ("network/clip", "period", "2006–2012", "S15, S16"),
    ],
)
def test_disputed_facts_shows_which_sources_give_each_value(
    store: EmbeddedEngine, subject: str, kind: str, value: str, sources: str
) -> None:
    rows = run(store, "disputed_facts")
    (row,) = [r for r in rows if (r["subject"], r["kind"], r["value"]) == (str(ID[subject]), kind, value)]
    assert row["sources"] == sources


def test_disputed_facts_names_each_subject_once(store: EmbeddedEngine) -> None:
    rows = run(store, "disputed_facts")
    keys = [(r["subject"], r["kind"], r["value"]) for r in rows]
    assert len(keys) == len(set(keys))  # one row per subject, kind and value, whatever names the subject has


# --- findings -------------------------------------------------------------------------------


def test_findings_lists_every_finding(store: EmbeddedEngine, asserted: Graph) -> None:
    found = {r["finding"] for r in run(store, "findings")}
    kinds = (CLIP.Finding, CLIP.Recommendation, CLIP.LocalFigure)
    assert found == {str(f) for kind in kinds for f in asserted.subjects(RDF.type, kind)}


@pytest.mark.parametrize(
    ("module", "number"), [("housing", 1), ("diversity", 2), ("intercultural", 3), ("entrepreneurship", 4)]
)
def test_findings_lists_the_project_descriptions_findings_of_each_module(
    store: EmbeddedEngine, asserted: Graph, module: str, number: int
) -> None:
    rows = [r for r in run(store, "findings") if r["module"] == str(ID[f"module/{module}"]) and r["sources"] == "S0"]
    expected = {
        str(f) for f in asserted.subjects(CLIP.findingAbout, ID[f"module/{module}"])
        if set(asserted.objects(f, DCTERMS.source)) == {ID["source/s0"]}
    }  # fmt: skip
    assert expected and {r["finding"] for r in rows} == expected
    assert {(r["number"], r["quoted"]) for r in rows} == {(str(number), "true")}


@pytest.mark.parametrize(
    ("finding", "kind", "city", "report"),
    [
        ("diversity-give-greater-priority", "recommendation", None, None),
        ("vienna-mingo-budget", "figure", "Vienna", None),
        ("housing-explicit-and-implicit-measures", "finding", None, "housing-and-integration-of-migrants-in-europe"),
    ],
)
def test_findings_gives_kind_city_and_report(
    store: EmbeddedEngine, finding: str, kind: str, city: str | None, report: str | None
) -> None:
    (row,) = [r for r in run(store, "findings") if r["finding"] == str(ID[f"finding/{finding}"])]
    assert (row["kind"], row["cityName"]) == (kind, city)
    assert row["report"] == (str(PUBLICATION[report]) if report else None)


# --- finding IRIs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "resource"),
    [
        ("vienna", CITY.vienna),
        ("VIENNA", CITY.vienna),
        ("Wien", CITY.vienna),
        ("Bündnis", POLICY["stuttgart-pact-for-integration"]),
        ("M3.4.1", ID["topic/m3-4-1"]),
        ("Bosswick, W.", PERSON["wolfgang-bosswick"]),
    ],
)
def test_find_resources_by_any_of_their_names(store: EmbeddedEngine, text: str, resource: URIRef) -> None:
    assert str(resource) in column(run(store, "find_resources", {"text": text}), "resource")


def test_find_resources_matches_only_names_that_contain_the_text(store: EmbeddedEngine) -> None:
    rows = run(store, "find_resources", {"text": "görgl"})
    assert rows
    assert all("görgl" in (r["matchedName"] or "").lower() for r in rows)


def test_a_query_that_cannot_take_its_parameter_stops_the_start(tmp_path: Path, clip_kg: KnowledgeGraph) -> None:
    """A parameter the SELECT does not project fails at start-up, naming the file."""
    from server.web.state import check_named_queries

    (tmp_path / "broken.rq").write_text(
        "#+ title: Broken\n#+ param city: iri, required -- a city\n"
        "#+ example city: https://w3id.org/clip-network/id/city/vienna\n"
        "SELECT ?label WHERE { ?city <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInput, match="queries/broken.rq does not run with its example values"):
        check_named_queries(EmbeddedEngine(clip_kg.dataset), catalogue(tmp_path))


def test_reserved_parameter_names_are_refused(tmp_path: Path) -> None:

    path = tmp_path / "reserved.rq"
    path.write_text("#+ title: Reserved\n#+ param format: string -- no\nSELECT ?format WHERE { }\n", encoding="utf-8")
    with pytest.raises(BadInput, match="reserved for the response format"):
        parse_query_file(path)
