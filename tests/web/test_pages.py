"""The HTML resource pages, the search and the helpful 404, through the Flask test client."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.web.app import create_app

from ..conftest import JAVA_MISSING, missing_tool


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


BASE = "https://w3id.org/clip-network/"
CLIP = BASE + "def/"
S1 = URIRef(BASE + "id/source/s1")
MODULE_3_OVERVIEW = "publication/intercultural-policies-in-european-cities"
LINKS = [*(f"/doc/city/vienna.{extension}" for extension in ("ttl", "nt", "jsonld", "rdf")), "/def/index.html#City"]
SMALL_GRAPHS = """@prefix t: <https://w3id.org/clip-network/id/thing/> .
<https://w3id.org/clip-network/graph/extra> { t:bridge <http://www.w3.org/2000/01/rdf-schema#comment> "from a graph" . }
"""
SMALL_DATA = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/clip-network/id/thing/bridge> rdfs:label "Bridge"@en , "Brücke"@de .
<https://w3id.org/clip-network/id/thing/evil> rdfs:label "<script>alert(1)</script>"@en , "<b>markup</b>"@de ;
    rdfs:comment "a & b <i>c</i>" ;
    rdfs:seeAlso <https://w3id.org/clip-network/id/thing/bridge> .
"""


def text_of(page: str) -> str:
    """The page's visible text: no scripts, no tags, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"</?(a|span|strong|em|code)\b[^>]*>", "", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def page(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def grab(pattern: str, text: str) -> str:
    """The first group of the first match, which must exist."""
    match = re.search(pattern, text, flags=re.S)
    assert match, f"no match for {pattern}"
    return match.group(1)


def heading(body: str) -> str:
    return grab(r"<h1[^>]*>(.*?)</h1>", body)


def search_json(client: FlaskClient, text: str) -> list[dict[str, str]]:
    answer = client.get(f"/search?q={text}", headers={"Accept": "application/json"}).get_json()
    return list(answer["results"])


def citing_s1(clip_kg: KnowledgeGraph) -> int:
    return len({s for s, _, _, _ in clip_kg.dataset.quads((None, DCTERMS.source, S1, None))})


def json_ld(body: str) -> dict[str, object]:
    data = json.loads(grab(r'<script type="application/ld\+json">(.*?)</script>', body))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """An application serving a small file that is not CLIP: two languages, hostile labels."""
    folder = tmp_path_factory.mktemp("small")
    files = (folder / "small.ttl", folder / "small.trig")
    for path, text in zip(files, (SMALL_DATA, SMALL_GRAPHS), strict=True):
        path.write_text(text, encoding="utf-8")
    app = create_app(Settings(data_files=files, cache_dir=folder / "cache", reasoning=False))
    yield app.test_client()
    app.extensions["kg"].executor.shutdown()


KINDS = [
    ("city/vienna", "Vienna", "city"), ("module/housing", "Module 1: Housing and segregation", "module"),
    (MODULE_3_OVERVIEW, "Intercultural policies in European cities", "publication"),
    ("organisation/eurofound", "European Foundation for the Improvement of Living", "organisation"),
    ("person/doris-luken-klassen", "Doris Lüken-Klaßen", "person"),
    ("source/s24", "S24: Copies, Vienna module 3 case study", "source"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "label", "section"), KINDS)
def test_thing_303s_to_its_page_with_label_and_kind(client: FlaskClient, slug: str, label: str, section: str) -> None:
    response = client.get(f"/id/{slug}", headers={"Accept": "text/html"})
    assert (response.status_code, response.headers["Location"]) == (303, f"/doc/{slug}.html")
    body = page(client, response.headers["Location"])
    assert text_of(heading(body)).startswith(label)
    assert f'id="{section}"' in body


@pytest.mark.parametrize("href", LINKS)
def test_page_links_its_rdf_variants_and_its_types(client: FlaskClient, href: str) -> None:
    assert f'href="{href}"' in page(client, "/doc/city/vienna.html")


def test_page_links_a_describe_query(client: FlaskClient) -> None:
    body = page(client, "/doc/city/vienna.html")
    queries = [parse_qs(urlsplit(html.unescape(href)).query) for href in re.findall(r'href="(/sparql\?[^"]*)"', body)]
    assert {"query": [f"DESCRIBE <{BASE}id/city/vienna>"]} in queries


@pytest.mark.parametrize(
    ("path", "query", "shown", "marked"),
    [("city/vienna", "?lang=de", "Wien", False), ("city/vienna", "?lang=fr", "Vienna fr → en", True),
     ("city/vienna", "", "Vienna", False), ("city/helsinki", "?lang=sv", "Helsingfors", False)],
)  # fmt: skip
def test_label_falls_back_to_english_and_says_so(
    client: FlaskClient, path: str, query: str, shown: str, marked: bool
) -> None:
    """A local name is the preferred label in its language; without one the English name is shown, marked."""
    title = heading(page(client, f"/doc/{path}.html{query}"))
    assert text_of(title) == shown
    assert ('class="lang-fallback"' in title) is marked


@pytest.mark.parametrize(
    ("query", "headers", "shown"),
    [("?lang=de", {}, "Brücke"), ("", {}, "Bridge"), ("", {"Accept-Language": "de-AT, en;q=0.5"}, "Brücke"),
     ("?lang=fr", {}, "Bridge fr → en")],
)  # fmt: skip
def test_label_in_the_readers_language(small: FlaskClient, query: str, headers: dict[str, str], shown: str) -> None:
    assert text_of(heading(page(small, f"/doc/thing/bridge.html{query}", **headers))) == shown


@pytest.mark.parametrize("slug", ["evil", "bridge"])  # its own page, and where it is a linked resource
def test_labels_are_escaped(small: FlaskClient, slug: str) -> None:
    body = page(small, f"/doc/thing/{slug}.html")
    assert "<script>alert(1)" not in body and "<b>markup</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_literals_and_json_ld_are_escaped(small: FlaskClient) -> None:
    body = page(small, "/doc/thing/evil.html")
    assert "<i>c</i>" not in body and "a &amp; b &lt;i&gt;c&lt;/i&gt;" in body
    assert json_ld(body)["name"] == "<script>alert(1)</script>"


def test_pages_of_other_data_have_no_kind_sections(small: FlaskClient) -> None:
    body = page(small, "/doc/thing/bridge.html")
    assert 'class="kind ' not in body
    assert json_ld(body)["@type"] == "Thing"


def test_statements_of_other_graphs_name_their_graph(small: FlaskClient) -> None:
    body = page(small, "/doc/thing/bridge.html")
    row = grab(r'<tr class="\w+" data-property="[^"]*#comment">(.*?)</tr>', body)
    assert f'<span class="graph graph-other" title="in the graph {BASE}graph/extra">extra</span>' in row


def test_incoming_links_are_counted_and_paged(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    total = citing_s1(clip_kg)
    assert total > 20
    body = text_of(page(client, "/doc/source/s1.html"))
    assert f"showing 20 of {total} (1–20)" in body


def test_incoming_links_next_page(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    total = citing_s1(clip_kg)
    body = page(client, "/doc/source/s1.html")
    assert 'href="/doc/source/s1.html?in=http%3A%2F%2Fpurl.org%2Fdc%2Fterms%2Fsource&amp;offset=20#' in body
    last = (total - 1) // 20 * 20
    later = text_of(page(client, f"/doc/source/s1.html?in={DCTERMS.source}&offset={last}"))
    assert f"showing {total - last} of {total} ({last + 1}–{total})" in later


def test_asserted_statements_are_marked(client: FlaskClient) -> None:
    body = page(client, "/doc/city/vienna.html")
    row = grab(rf'(<tr class="\w+" data-property="{CLIP}country">.*?)</tr>', body)
    assert row.startswith('<tr class="asserted"') and "graph-asserted" in row


def test_inferred_statements_are_marked(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    if not len(clip_kg.graph("inferred")):
        missing_tool(f"no inferred graph: {JAVA_MISSING}")
    body = page(client, "/doc/city/vienna.html")
    rows = re.findall(rf'<tr class="(\w+)" data-property="{CLIP}tookPartIn">(.*?)</tr>', body, flags=re.S)
    assert len(rows) == 4
    assert all(kind == "inferred" and "graph-inferred" in cells for kind, cells in rows)


def test_statements_show_the_source_ids(client: FlaskClient) -> None:
    body = page(client, "/doc/city/vienna.html")
    assert re.search(r'<a href="/doc/source/s46.html" class="source"[^>]*>S46</a>', body)


def test_bibtex_lists_the_authors_in_order(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    publication = URIRef(BASE + "id/" + MODULE_3_OVERVIEW)
    graph = clip_kg.graph("asserted")
    cited = sorted(
        (int(str(graph.value(a, URIRef(CLIP + "position")))), str(graph.value(a, URIRef(CLIP + "nameAsCited"))))
        for a in graph.objects(publication, URIRef(CLIP + "authorship"))
    )
    body = page(client, f"/doc/{MODULE_3_OVERVIEW}.html")
    bibtex = html.unescape(grab(r'<pre class="bibtex"[^>]*>(.*?)</pre>', body))
    assert grab(r"author = \{(.*?)\},", bibtex).split(" and ") == [name for _, name in cited]
    assert len(cited) == 18


def test_plain_citation_is_built_from_the_data(client: FlaskClient) -> None:
    body = text_of(page(client, "/doc/publication/housing-and-integration-of-migrants-in-europe.html"))
    assert "Bosswick, W.; Lüken-Klaßen, D.; Heckmann, F. (2007). Housing and integration of migrants in Europe." in body
    assert "Eurofound reference ef0794." in body


def test_module_states_the_count_of_its_sources_and_the_cities_identified(
    client: FlaskClient, clip_kg: KnowledgeGraph
) -> None:
    graph = clip_kg.graph("asserted")
    parts = graph.subjects(URIRef(CLIP + "inModule"), URIRef(BASE + "id/module/housing"))
    levels = [str(graph.value(p, URIRef(CLIP + "evidenceLevel"))) for p in parts]
    identified = len(levels) - levels.count(CLIP + "ProjectDescriptionOnly")
    text = text_of(grab(r'<p class="claim-summary">(.*?)</p>', page(client, "/doc/module/housing.html")))
    assert text.startswith("20 cities took part (S0, S3, S8,")
    assert f"{identified} are identified here, 1 more named only in the project description." in text


def test_city_page_draws_a_map(client: FlaskClient) -> None:
    body = page(client, "/doc/city/vienna.html")
    svg = grab(r'<figure class="city-map">\s*<svg\b(.*?)</svg>', body)
    assert len(re.findall(r'<circle class="dot here"', svg)) == 1
    assert len(re.findall(r"<circle ", svg)) > 20
    assert "http" not in re.sub(r'href="/doc/[^"]*"', "", svg)  # no tiles, nothing remote


@pytest.mark.parametrize(
    ("slug", "schema_type"),
    [("city/vienna", "City"), ("module/housing", "ResearchProject"), (MODULE_3_OVERVIEW, "Report"),
     ("organisation/eurofound", "Organization"), ("person/sarah-spencer", "Person"), ("source/s24", "CreativeWork"),
     ("event/founding-2006", "Event"), ("topic/m3-4", "DefinedTerm"), ("country/at", "Country")],
)  # fmt: skip
def test_json_ld_has_the_schema_type(client: FlaskClient, slug: str, schema_type: str) -> None:
    data = json_ld(page(client, f"/doc/{slug}.html"))
    assert data["@type"] == schema_type
    assert data["@id"] == data["url"] == BASE + "id/" + slug


def test_json_ld_of_a_city_has_geo_and_same_as(client: FlaskClient) -> None:
    data = json_ld(page(client, "/doc/city/vienna.html"))
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 48.20849, "longitude": 16.37208}
    assert data["sameAs"] == ["https://sws.geonames.org/2761369/", "http://www.wikidata.org/entity/Q1741"]


def test_json_ld_of_a_publication_lists_its_authors(client: FlaskClient) -> None:
    data = json_ld(page(client, f"/doc/{MODULE_3_OVERVIEW}.html"))
    authors = data["author"]
    assert isinstance(authors, list) and len(authors) == 18
    assert authors[0]["name"] == "Lüken-Klaßen, D."


@pytest.mark.parametrize(("text", "slug"), [("zurich", "city/zurich"), ("luken", "person/doris-luken-klassen")])
def test_search_ignores_case_and_accents(client: FlaskClient, text: str, slug: str) -> None:
    body = page(client, f"/search?q={text}")
    assert f'href="/doc/{slug}.html"' in body


def test_search_answers_json_to_programs(client: FlaskClient) -> None:
    assert client.get("/search?q=zurich", headers={"Accept": "application/json"}).mimetype == "application/json"
    first = search_json(client, "zurich")[0]
    assert (first["iri"], first["label"], first["match"]) == (BASE + "id/city/zurich", "Zürich", "exact")


def test_search_ranks_exact_before_prefix_before_contains(client: FlaskClient) -> None:
    results = search_json(client, "vienna")
    ranks = [result["match"] for result in results]
    assert results[0]["iri"] == BASE + "id/city/vienna"
    assert ranks == sorted(ranks, key=["exact", "prefix", "contains"].index)


@pytest.mark.parametrize(("text", "kind"), [("luken", "Person"), ("council of europe", "EuropeanInstitution")])
def test_search_groups_by_the_most_specific_class(client: FlaskClient, text: str, kind: str) -> None:
    assert search_json(client, text)[0]["type"] == CLIP + kind


def test_search_without_text_shows_the_empty_form(client: FlaskClient) -> None:
    body = page(client, "/search")
    assert '<input type="search" name="q" value=""' in body
    assert 'class="result-count"' not in body and 'class="hits"' not in body


def test_not_found_page_suggests_similar_names(client: FlaskClient) -> None:
    response = client.get("/id/city/viena", headers={"Accept": "text/html"})
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "https://w3id.org/clip-network/id/city/viena" in body
    assert re.search(r'<a href="/doc/city/vienna.html"[^>]*>Vienna</a>', body)
    assert 'name="q" value="viena"' in body


def test_not_found_page_keeps_hostile_paths_as_text(client: FlaskClient) -> None:
    response = client.get("/id/city/%3Cscript%3E", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("offset", ["-1", "x", "1e3", "null"])
def test_search_refuses_an_offset_that_is_not_a_number(client: FlaskClient, offset: str) -> None:
    response = client.get("/search", query_string={"q": "vienna", "offset": offset})
    assert response.status_code == 400 and "offset must be a non-negative integer" in response.get_data(as_text=True)


def section(body: str, name: str) -> str:
    """The kind section of that id, which must be on the page."""
    return grab(rf'<section class="kind kind-{name}" id="{name}">(.*?)</section>', body)


@pytest.mark.parametrize(
    ("slug", "finding", "words"),
    [
        ("module/entrepreneurship", "entrepreneurship-not-part-of-eu-policy",
         "“At present, ethnic entrepreneurship is not an important part of the European integration policy"),
        ("network/clip", "lesson-choose-words-carefully", "Choose the words about migrant status carefully"),
        ("publication/housing-and-integration-of-migrants-in-europe", "housing-explicit-and-implicit-measures",
         "The module 1 overview report sorts local housing measures"),
        ("city/vienna", "vienna-mingo-budget", "Mingo has a budget of over €3m for 2008-2013"),
        ("policy/vienna-startwien", "vienna-integration-from-day-one", 'the principle "integration from day one"'),
    ],
)  # fmt: skip
def test_a_resource_lists_the_findings_about_it(client: FlaskClient, slug: str, finding: str, words: str) -> None:
    findings = section(page(client, f"/doc/{slug}.html"), "findings")
    row = grab(rf'(<tr class="finding-\w+" data-finding="{BASE}id/finding/{finding}">.*?)</tr>', findings)
    assert words in text_of(row)
    assert f'href="/doc/finding/{finding}.html"' in row


def test_a_finding_row_gives_kind_report_date_note_and_source_links(client: FlaskClient) -> None:
    findings = section(page(client, "/doc/module/housing.html"), "findings")
    row = grab(
        rf'(<tr class="finding-\w+" data-finding="{BASE}id/finding/housing-explicit-and-implicit-measures">.*?)</tr>',
        findings,
    )
    assert row.startswith('<tr class="finding-finding"')
    assert 'href="/doc/publication/housing-and-integration-of-migrants-in-europe.html"' in row  # the report
    assert re.search(r'<a href="/doc/source/s8.html" class="source"[^>]*>S8</a>', row)
    assert "Seen in the report's table of contents only" in html.unescape(row)
    dated = grab(
        rf'(<tr class="finding-\w+" data-finding="{BASE}id/finding/frankfurt-social-housing-allocation-\w+">.*?)</tr>',
        findings,
    )
    assert '<td class="num">2008-01-16</td>' in dated


def test_a_city_lists_findings_with_the_policy_they_are_about(client: FlaskClient) -> None:
    findings = section(page(client, "/doc/city/vienna.html"), "findings")
    row = grab(rf'(<tr class="finding-figure" data-finding="{BASE}id/finding/vienna-mingo-budget">.*?)</tr>', findings)
    assert 'href="/doc/policy/vienna-mingo-migrant-enterprises.html"' in row
    assert 'class="finding-text quoted"' not in row  # a summary, not the source's words: no quotation marks


def test_a_findings_own_page_shows_its_words_scope_and_source(client: FlaskClient) -> None:
    finding = section(page(client, "/doc/finding/diversity-give-greater-priority.html"), "finding")
    assert text_of(grab(r"<h2>(.*?)</h2>", finding)) == "Recommendation"
    assert "“It was recommended that cities should give greater priority" in text_of(finding)
    assert 'href="/doc/module/diversity.html"' in finding
    assert re.search(r'<a href="/doc/source/s0.html" class="source"[^>]*>S0</a>', finding)


def claim_row(body: str, prop: str) -> str:
    return grab(rf'(<tbody class="\w+" data-property="{prop}">.*?)</tbody>', section(body, "claims"))


@pytest.mark.parametrize(
    ("slug", "prop", "values", "sources"),
    [
        ("publication/frankfurt-entrepreneurship-case-study", str(DCTERMS.issued), ["2010", "2011-11-06"],
         ["S107", "S27"]),
        ("publication/zurich-intercultural-case-study", str(DCTERMS.issued), ["2009", "2010-02"], ["S23"]),
        ("policy/vienna-startwien", CLIP + "languageCount", ["about 20", "25"], ["S114", "S115"]),
        ("person/anna-ludwinek", CLIP + "jobTitle", ["research manager", "research officer"], ["S17", "S37"]),
        ("city/brescia", CLIP + "memberOf", ["listed among the member cities", "not listed"], ["S63", "S70", "S72"]),
    ],
)  # fmt: skip
def test_the_values_sources_claim_are_side_by_side_and_disputed(
    client: FlaskClient, slug: str, prop: str, values: list[str], sources: list[str]
) -> None:
    row = claim_row(page(client, f"/doc/{slug}.html"), prop)
    assert row.startswith('<tbody class="disputed"') and 'class="disputed-badge"' in row
    cells = [text_of(cell) for cell in re.findall(r'<td class="value">(.*?)</td>', row, flags=re.S)]
    assert len(cells) == len({claim for claim in re.findall(r'href="(/doc/claim/[^"]+)"', row)}) >= 2
    assert all(any(cell.startswith(value) for cell in cells) for value in values)
    assert sorted(set(re.findall(r'class="source"[^>]*>(S\d+)</a>', row)), key=lambda s: int(s[1:])) == sorted(
        sources, key=lambda s: int(s[1:])
    )


def test_a_statement_resting_on_the_project_description_alone_is_marked(client: FlaskClient) -> None:
    body = page(client, "/doc/publication/housing-state-of-the-art-report.html")
    issued = grab(rf'(<tr class="\w+" data-property="{DCTERMS.issued}">.*?)</tr>', body)
    badge = grab(r'(<span class="evidence-badge evidence-ProjectDescriptionOnly".*?</span>)', issued)
    assert 'href="/doc/statement/housing-state-of-the-art-report-issued.html"' in badge
    assert re.search(r'<a href="/doc/source/s0.html" class="source"[^>]*>S0</a>', badge)
    assert 'title="This statement rests on the project description (S0) alone' in badge
    assert text_of(badge).startswith("S0 only")
    authors = grab(rf'(<tbody>\s*<tr class="\w+" data-property="{CLIP}authorship">.*?)</tbody>', body)
    assert "evidence-badge" not in authors  # only the statements the data marks


def test_a_page_without_statement_nodes_has_no_badges(client: FlaskClient) -> None:
    assert "evidence-badge" not in page(client, "/doc/city/vienna.html")
