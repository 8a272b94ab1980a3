"""A named query's answer as a page for browsers (issue 13): facets over its columns, each state's rows
equal to what its equivalent SPARQL returns at /sparql and to its CSV, programs' answers unchanged."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SPARQL_JSON = {"Accept": "application/sparql-results+json"}
FACET = re.compile(r'<section class="facet facet-column"[^>]*data-key="([^"]+)">(.*?)</section>', re.DOTALL)
VALUE = re.compile(
    r'<li( class="selected")?><a href="([^"]+)"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)</a>'
    r' <span class="count">([\d,]+)</span>'
)
EDITOR = re.compile(r'<a href="([^"]+)">Open in the query editor</a>')
CSV_LINK = re.compile(r'<a href="([^"]+)" download>Download CSV</a>')


def page(client: FlaskClient, url: str) -> str:
    """The page at ``url`` as a browser gets it (200, HTML)."""
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def facets(text: str) -> dict[str, list[tuple[bool, str, int]]]:
    """The facets of a page: per column, (selected, link, count) of each value."""
    return {
        key: [
            (bool(selected), html.unescape(href), int(count.replace(",", "")))
            for selected, href, _, count in VALUE.findall(body)
        ]
        for key, body in FACET.findall(text)
    }


def shown_rows(text: str) -> int:
    """How many rows the page's table lists."""
    table = re.search(r'<table class="query-result">.*?<tbody>(.*?)</tbody>', text, re.DOTALL)
    return table.group(1).count("<tr>") if table else 0


def sparql_rows(client: FlaskClient, text: str) -> list[tuple[str, ...]]:
    """The rows that the page's equivalent query gives at /sparql, each cell's lexical form ('' when unbound)."""
    editor = html.unescape(EDITOR.search(text).group(1))  # type: ignore[union-attr]
    assert urlsplit(editor).path == "/sparql"
    query = dict(parse_qsl(urlsplit(editor).query))["query"]
    response = client.get("/sparql", query_string={"query": query}, headers=SPARQL_JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json(force=True)
    variables = body["head"]["vars"]
    return [tuple(row.get(v, {}).get("value", "") for v in variables) for row in body["results"]["bindings"]]


def csv_rows(client: FlaskClient, text: str) -> list[tuple[str, ...]]:
    """The rows of the page's CSV download."""
    response = client.get(html.unescape(CSV_LINK.search(text).group(1)))  # type: ignore[union-attr]
    assert response.status_code == 200
    return [tuple(row) for row in list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]]


def column(rows: list[tuple[str, ...]], text: str, name: str) -> list[str]:
    """One column of rows read from the page's equivalent query (the columns in the table's order)."""
    header = re.findall(r'<th scope="col">([^<]+)</th>', text)
    return [row[header.index(name)] for row in rows]


def added_value(link: str, key: str, current: list[tuple[str, str]]) -> str:
    """The value a facet link adds to the state."""
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    (value,) = [v for k, v in pairs if k == "f." + key and ("f." + key, v) not in current]
    return value


@pytest.mark.parametrize(
    ("name", "column_name"),
    [
        ("member_cities", "country"),
        ("city_module_matrix", "module1"),
        ("publications_by_year", "class"),
        ("findings", "kind"),
    ],
)
def test_a_browser_gets_the_result_as_a_page_with_facets_over_its_columns(
    client: FlaskClient, name: str, column_name: str
) -> None:
    response = client.get(f"/queries/{name}", headers=BROWSER)
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    text = response.get_data(as_text=True)
    assert column_name in facets(text)
    assert shown_rows(text) == len(sparql_rows(client, text)) > 0


@pytest.mark.parametrize(
    ("name", "key"), [("member_cities", "country"), ("findings", "kind"), ("publications_by_year", "evidence")]
)
def test_following_a_facet_link_narrows_to_the_rows_of_the_equivalent_sparql(
    client: FlaskClient, name: str, key: str
) -> None:
    whole = page(client, f"/queries/{name}")
    _, link, count = facets(whole)[key][0]
    value = added_value(link, key, [])
    narrowed = page(client, link)
    rows = sparql_rows(client, narrowed)
    assert len(rows) == count == shown_rows(narrowed) < shown_rows(whole)
    assert set(column(rows, narrowed, key)) == {value}
    assert Counter(rows) == Counter(csv_rows(client, narrowed))
    current = [("f." + key, value)]
    for other, values in facets(narrowed).items():  # every count of the narrowed state is what SPARQL says
        for selected, href, shown in values:
            expected = value if selected else added_value(href, other, current)
            assert column(rows, narrowed, other).count(expected) == shown, (other, expected)


def test_filters_on_two_columns_combine_with_and(client: FlaskClient) -> None:
    first = page(client, "/queries/city_module_matrix?f.membership=direct")
    key, (_, link, count) = next((k, values[0]) for k, values in facets(first).items() if k != "membership")
    value = added_value(link, key, [("f.membership", "direct")])
    text = page(client, link)
    rows = sparql_rows(client, text)
    assert 0 < len(rows) == count == shown_rows(text) < shown_rows(first)
    assert set(column(rows, text, "membership")) == {"direct"}
    assert set(column(rows, text, key)) == {value}
    assert Counter(rows) == Counter(csv_rows(client, text))


def test_a_filter_on_a_column_that_unbound_cells_leave_empty_keeps_only_the_rows_with_that_value(
    client: FlaskClient,
) -> None:
    """Cities without a participation have no modules: a join with VALUES alone would keep them."""
    whole = page(client, "/queries/member_cities")
    _, link, count = facets(whole)["modules"][0]
    narrowed = page(client, link)
    assert len(sparql_rows(client, narrowed)) == count == shown_rows(narrowed)


def test_a_filter_on_a_column_the_result_does_not_have_is_400(client: FlaskClient) -> None:
    for url in ("/queries/member_cities?f.nothing=1", "/queries/member_cities.csv?f.nothing=1"):
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 400
        assert "has no column 'nothing' to filter on" in response.get_data(as_text=True)


def test_a_value_no_row_has_is_an_empty_result_that_says_why(client: FlaskClient) -> None:
    text = page(client, "/queries/member_cities?f.country=XX")
    assert "No row of this result has <code>XX</code> in the column <code>country</code>" in text
    assert shown_rows(text) == 0 == len(sparql_rows(client, text)) == len(csv_rows(client, text))


def test_the_csv_of_a_state_has_its_rows_and_its_metadata_names_that_csv(client: FlaskClient) -> None:
    query = "year=2009&f.evidence=direct"
    response = client.get(f"/queries/publications_by_year.csv?{query}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    whole = list(
        csv.DictReader(io.StringIO(client.get("/queries/publications_by_year.csv?year=2009").get_data(as_text=True)))
    )
    assert rows == [row for row in whole if row["evidence"] == "direct"] != []
    described = client.get(f"/queries/publications_by_year.csv-metadata.json?{query}").get_json(force=True)
    assert described["url"].endswith(f"/queries/publications_by_year.csv?{query}")
    assert f"/queries/publications_by_year.csv-metadata.json?{query}" in response.headers["Link"]


def test_parameters_are_a_form_prefilled_and_filters_keep_them(client: FlaskClient) -> None:
    text = page(client, "/queries/publications_by_year?year=2009")
    assert 'name="year" value="2009"' in text
    assert all("year=2009" in link for values in facets(text).values() for _, link, _ in values)
    example = page(client, "/queries/modules_of_city")  # a required parameter: its example value
    assert 'name="city" value="https://w3id.org/clip-network/id/city/' in example


def test_the_page_maps_the_places_of_its_rows(client: FlaskClient) -> None:
    text = page(client, "/queries/member_cities?f.country=DE")
    rows = sparql_rows(client, text)
    located = {city for city, lat in zip(column(rows, text, "city"), column(rows, text, "lat"), strict=True) if lat}
    assert '<figure class="facet-map' in text
    assert f"Map of the {len(located)} places of these rows" in text
    assert 0 < len(located) < 29


def test_programs_get_the_results_formats_as_before(client: FlaskClient) -> None:
    answers = [
        client.get("/queries/member_cities", headers=headers)
        for headers in ({}, {"Accept": "*/*"}, SPARQL_JSON, {"Accept": "text/html;q=0.5, */*"})
    ]
    assert {a.mimetype for a in answers} == {"application/sparql-results+json"}
    assert len({a.data for a in answers}) == 1
    explicit = client.get("/queries/member_cities?format=json", headers=BROWSER)
    assert explicit.data == answers[0].data
    assert client.get("/queries/member_cities?f.country=AT", headers=SPARQL_JSON).status_code == 400


@pytest.fixture
def backend_client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


def test_a_narrowed_page_is_its_equivalent_sparql_on_every_backend(backend_client: FlaskClient) -> None:
    _, link, count = facets(page(backend_client, "/queries/member_cities"))["modules"][0]
    narrowed = page(backend_client, link)
    rows = sparql_rows(backend_client, narrowed)
    assert 0 < len(rows) == count == shown_rows(narrowed)
    assert Counter(rows) == Counter(csv_rows(backend_client, narrowed))
    country = column(rows, narrowed, "country")[0]
    both = page(backend_client, link + "&" + urlencode({"f.country": country}))
    rows = sparql_rows(backend_client, both)
    assert 0 < len(rows) == shown_rows(both) <= count
    assert set(column(rows, both, "country")) == {country}
    assert Counter(rows) == Counter(csv_rows(backend_client, both))


def test_the_openapi_document_names_the_page_and_the_filters(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "text/html" in paths["/queries/member_cities"]["get"]["responses"]["200"]["content"]
    assert "f.COLUMN=VALUE" in paths["/queries/member_cities"]["get"]["description"]
    assert "f.COLUMN=VALUE" in paths["/queries/member_cities.csv"]["get"]["summary"]
