"""The home page and the browse lists, through the Flask client; expected figures come from the graph."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.views.home import KINDS
from server.web.app import create_app

from ..conftest import DATA


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


PREFIXES = """PREFIX clip: <https://w3id.org/clip-network/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
UNSAFE = """@prefix clip: <https://w3id.org/clip-network/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix id: <https://w3id.org/clip-network/id/> .
<https://w3id.org/clip-network/id/city/x> a clip:City ; rdfs:label "<script>alert('city')</script>"@en ;
    geo:lat 48.2 ; geo:long 16.4 ; clip:country <https://w3id.org/clip-network/id/country/x> .
<https://w3id.org/clip-network/id/country/x> rdfs:label "</script><script>alert('country')</script>"@en .
<https://w3id.org/clip-network/id/membership/x> clip:memberCity <https://w3id.org/clip-network/id/city/x> ;
    clip:evidenceLevel clip:DirectEvidence .
<https://w3id.org/clip-network/id/module/m> a clip:ResearchModule ; clip:moduleNumber 1 ;
    rdfs:label "<b>module</b> one"@en .
<https://w3id.org/clip-network/id/participation/x> clip:participant <https://w3id.org/clip-network/id/city/x> ;
    clip:inModule <https://w3id.org/clip-network/id/module/m> ; clip:evidenceLevel clip:DirectEvidence .
"""


@pytest.fixture(scope="module")
def data(clip_kg: KnowledgeGraph) -> Graph:
    """The asserted data with the ontology, so that subclasses count as their superclasses."""
    return clip_kg.graph("asserted") + clip_kg.graph("ontology")


@pytest.fixture(scope="module")
def home(app: Flask) -> str:
    """The home page of the CLIP graph."""
    response = app.test_client().get("/")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


STATED = "SELECT ?n WHERE { ?claim a clip:CountClaim ; clip:claimAbout ?module ; clip:statedCityCount ?n }"
FOUND = "SELECT DISTINCT ?city WHERE { ?p clip:inModule ?module ; clip:participant ?city ; clip:evidenceLevel ?level }"
CLIP = Namespace("https://w3id.org/clip-network/def/")


def rows(graph: Graph, query: str, **bindings: Any) -> list[Any]:
    return list(graph.query(PREFIXES + query, initBindings=bindings))


def listed(page: str) -> list[str]:
    """The city pages linked from a browse page's list (not its facets or map)."""
    table = page[page.index('<table class="browse-list">') : page.index("</table>")]
    return re.findall(r'<a href="(/doc/city/[^"]+)">', table)


def svg(page: str, name: str) -> str:
    found = re.search(rf'<svg class="{name}".*?</svg>', page, re.DOTALL)
    assert found, f"no <svg class={name}> on the page"
    return found.group(0)


def json_ld(page: str) -> Any:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert found, "no JSON-LD on the page"
    return json.loads(found.group(1))


def member_cities(data: Graph) -> list[Any]:
    return rows(data, "SELECT DISTINCT ?city ?lat WHERE { ?city a clip:City . ?m clip:memberCity ?city . "
                "OPTIONAL { ?city geo:lat ?lat } }")  # fmt: skip


def test_home_names_each_module_with_stated_and_identified_numbers(home: str, data: Graph) -> None:
    modules = rows(data, "SELECT ?module ?number ?label WHERE { ?module a clip:ResearchModule ; "
                   "clip:moduleNumber ?number ; rdfs:label ?label }")  # fmt: skip
    assert len(modules) == 4
    for module, number, label in modules:
        stated = {int(n) for (n,) in rows(data, STATED, module=module)}
        found = {
            level: len(rows(data, FOUND, module=module, level=CLIP[level]))
            for level in ("DirectEvidence", "ProjectDescriptionOnly")
        }
        row = re.search(rf'<tr id="module-{number}" class="module">(.*?)</tr>', home, re.DOTALL)
        assert row, f"no row for module {number}"
        assert str(label) in row.group(1)
        stated_cell = re.search(r'<td class="stated"[^>]*>(.*?)</td>', row.group(1), re.DOTALL)
        assert stated_cell and set(map(int, re.findall(r"<strong>(\d+) cities", stated_cell.group(1)))) == stated
        assert re.search(rf'<td class="num identified"[^>]*>{found["DirectEvidence"]}</td>', row.group(1))
        assert re.search(rf'<td class="num described"[^>]*>{found["ProjectDescriptionOnly"]}</td>', row.group(1))


def test_module_one_is_stated_as_twenty_cities_of_which_eight_are_identified(home: str) -> None:
    row = re.search(r'<tr id="module-1" class="module">(.*?)</tr>', home, re.DOTALL)
    assert row and "<strong>20 cities</strong>" in row.group(1)
    assert re.search(r'<td class="num identified"[^>]*>8</td>', row.group(1))


def test_map_has_one_dot_per_member_city_with_coordinates(home: str, data: Graph) -> None:
    cities = member_cities(data)
    placed = [city for city, lat in cities if lat is not None]
    assert len(placed) == 29
    picture = svg(home, "city-map")
    assert len(re.findall(r'<circle class="dot m\d"', picture)) == len(placed)
    for city in placed:
        assert f'href="/doc/city/{str(city).rsplit("/", 1)[-1]}.html"' in picture


def test_cities_without_coordinates_are_listed_under_the_map(home: str, data: Graph) -> None:
    unplaced = re.search(r'<p class="unplaced">(.*?)</p>', home, re.DOTALL)
    assert unplaced and "no coordinates in GeoNames" in unplaced.group(1)
    missing = [city for city, lat in member_cities(data) if lat is None]
    assert len(missing) == 3
    for city in missing:
        assert f'href="/doc/city/{str(city).rsplit("/", 1)[-1]}.html"' in unplaced.group(1)


def test_matrix_has_one_row_per_member_city_and_links_each_participation(home: str, data: Graph) -> None:
    picture = svg(home, "matrix")
    assert picture.count('<g class="matrix-row">') == len(member_cities(data)) == 32
    participations = rows(data, "SELECT DISTINCT ?p WHERE { ?p clip:participant ?city ; clip:inModule ?m . "
                          "?x clip:memberCity ?city }")  # fmt: skip
    links = set(re.findall(r'<a href="(/doc/participation/[^"]+)"><rect class="cell', picture))
    assert links == {f"/doc/participation/{str(p).rsplit('/', 1)[-1]}.html" for (p,) in participations}


def test_home_links_to_every_browse_list_with_its_count(home: str, data: Graph) -> None:
    for kind, (name, heading, _) in KINDS.items():
        (count,) = rows(data, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a/rdfs:subClassOf* ?c }", c=CLIP[name])[0]
        assert f'href="/browse/{kind}"><span class="count">{count}</span> <span class="kind">{heading}</span>' in home


@pytest.mark.parametrize(
    "href", ["/sparql", "/queries", "/dumps", "/.well-known/void", "/catalog", "/def/", "/dumps/clip-kg.ttl"]
)
def test_home_links_to_the_services_and_metadata(home: str, href: str) -> None:
    assert f'href="{href}"' in home


def test_home_has_a_label_search_form(home: str) -> None:
    form = re.search(r'<form class="home-search" method="get" action="/search"[^>]*>(.*?)</form>', home, re.DOTALL)
    assert form and 'type="search" name="q"' in form.group(1)


def test_json_ld_describes_a_schema_org_dataset_with_its_dumps(home: str, client: FlaskClient, data: Graph) -> None:
    dataset = json_ld(home)
    assert dataset["@context"] == "https://schema.org/" and dataset["@type"] == "Dataset"
    base = "https://w3id.org/clip-network/"  # absolute URLs are under the base, never the request's host
    assert dataset["name"] and dataset["description"] and dataset["url"] == base
    formats = {d["encodingFormat"]: d["contentUrl"] for d in dataset["distribution"]}
    assert formats["text/turtle"] == base + "dumps/clip-kg.ttl"
    for url in formats.values():
        assert client.get("/" + url.removeprefix(base)).status_code == 200
    licences = rows(data, "SELECT ?l WHERE { ?d dcterms:license ?l ; a <http://www.w3.org/2002/07/owl#Ontology> }")
    assert dataset.get("license") == str(licences[0][0]) == "https://creativecommons.org/licenses/by/4.0/"


def test_json_ld_coverage_comes_from_the_data(home: str, data: Graph) -> None:
    dataset = json_ld(home)
    dates = rows(data, "SELECT ?d WHERE { { ?n a clip:Network } UNION { ?n a/rdfs:subClassOf* clip:Event } "
                 "?n clip:startDate|clip:endDate ?d }")  # fmt: skip
    years = sorted(int(str(d)[:4]) for (d,) in dates)
    assert dataset["temporalCoverage"] == f"{years[0]}/{years[-1]}" == "2006/2012"
    countries = rows(data, 'SELECT DISTINCT ?name WHERE { ?m clip:memberCity ?city . ?city clip:country ?c . '
                     '?c rdfs:label ?name FILTER(LANG(?name) = "en") }')  # fmt: skip
    assert sorted(c["name"] for c in dataset["spatialCoverage"]) == sorted(str(n) for (n,) in countries)


@pytest.mark.parametrize("kind", list(KINDS))
def test_browse_list_has_every_resource_of_its_kind_with_links(client: FlaskClient, data: Graph, kind: str) -> None:
    name = KINDS[kind][0]
    expected = {str(s) for (s,) in rows(data, "SELECT DISTINCT ?s WHERE { ?s a/rdfs:subClassOf* ?c }", c=CLIP[name])}
    response = client.get(f"/browse/{kind}")
    assert response.status_code == 200, response.get_data(as_text=True)
    links = re.findall(r'<tr><td><a href="([^"]+)">', response.get_data(as_text=True))
    documents = [
        iri.replace("/id/", "/doc/", 1).removeprefix("https://w3id.org/clip-network") + ".html" for iri in expected
    ]
    assert sorted(links) == sorted(documents)
    assert len(links) == {"cities": 32, "modules": 4}.get(kind, len(expected))


def test_browse_lists_show_the_country_of_each_city(client: FlaskClient) -> None:
    page = client.get("/browse/cities").get_data(as_text=True)
    assert '<a href="/doc/city/vienna.html">Vienna</a></td><td class="muted">Austria</td>' in page


def test_unknown_browse_kind_is_not_found(client: FlaskClient) -> None:
    assert client.get("/browse/unicorns").status_code == 404


def test_labels_are_escaped_on_the_home_page_and_browse_list(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.ttl"
    path.write_text(UNSAFE, encoding="utf-8")
    app = create_app(Settings(data_files=(path,), cache_dir=tmp_path / "cache", reasoning=False))
    client = app.test_client()
    home, listing = (client.get(p).get_data(as_text=True) for p in ("/", "/browse/cities"))
    for page in (home, listing):
        assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    assert "<b>module</b>" not in home and "&lt;b&gt;module&lt;/b&gt; one" in home
    country = "</script><script>alert('country')</script>"
    assert json_ld(home)["spatialCoverage"] == [{"@type": "Country", "name": country}]


def test_home_page_for_other_data_shows_what_is_there(tmp_path: Path) -> None:
    app = create_app(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path, reasoning=False))
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<code>http://example.org/Widget</code>" in page and "<code>http://example.org/Machine</code>" in page
    assert 'the default graph (data loaded as it came)</td><td class="num">5<' in page  # a triple file, loaded as is
    assert 'class="city-map"' not in page and 'class="matrix"' not in page and "research modules" not in page
    assert json_ld(page)["@type"] == "Dataset" and "license" not in json_ld(page)  # no licence in that data
    assert client.get("/browse/cities").status_code == 200


def test_a_network_too_large_to_draw_is_counted_not_drawn(
    settings: Settings, clip_kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.views import home as home_view

    monkeypatch.setattr(home_view, "DRAWN_UP_TO", 5)
    page = create_app(settings, clip_kg).test_client().get("/").get_data(as_text=True)
    assert "32 member cities: more than the 5 this page draws" in page
    assert 'class="city-map"' not in page and 'class="matrix"' not in page


def test_a_long_browse_list_is_paged_by_the_engine(
    settings: Settings, clip_kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.views import home as home_view

    every = listed(create_app(settings, clip_kg).test_client().get("/browse/cities").get_data(as_text=True))
    monkeypatch.setattr(home_view, "BROWSE_PAGE", 5)
    client = create_app(settings, clip_kg).test_client()
    seen: list[str] = []
    for offset in range(0, len(every), 5):
        page = client.get("/browse/cities", query_string={"offset": str(offset)}).get_data(as_text=True)
        assert f"Showing {offset + 1}–{min(offset + 5, len(every))} of {len(every)}" in page
        assert ('rel="next"' in page) == (offset + 5 < len(every)) and ('rel="prev"' in page) == (offset > 0)
        seen += listed(page)
    assert sorted(seen) == sorted(every) and len(every) == 32
    assert "Showing 31–32 of 32" in client.get("/browse/cities?offset=99999").get_data(as_text=True)
