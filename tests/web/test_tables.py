"""CSV with CSVW metadata for every table the site shows: headers, errors, and the round trip to triples.

The round trip reads each CSV with its metadata document through the CSVW reader of the CLDF project
(``csvw`` on PyPI: it parses the cells by the declared datatypes and expands the ``aboutUrl``,
``propertyUrl`` and ``valueUrl`` templates), makes the triples of the standard-mode CSV2RDF conversion
(https://www.w3.org/TR/csv2rdf/) for the columns that are not suppressed, and compares them with the
graph's triples for that table.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from csvw import Table  # type: ignore[import-untyped]
from csvw.jsonld import Triple as CsvwTriple  # type: ignore[import-untyped]
from csvw.metadata import NAMESPACES  # type: ignore[import-untyped]
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import XSD
from rfc3986 import URIReference  # type: ignore[import-untyped]

from server.kg.build import KnowledgeGraph

CSV_TYPE = "text/csv; charset=utf-8"
CSVW_TYPE = "application/csvw+json"
PREFIXES = """PREFIX clip: <https://w3id.org/clip-network/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
MATRIX = (
    PREFIXES
    + """CONSTRUCT { ?p a clip:Participation ; clip:participant ?city ; clip:inModule ?module ;
  clip:evidenceLevel ?level } WHERE { ?p a clip:Participation ; clip:participant ?city ; clip:inModule ?module .
  OPTIONAL { ?p clip:evidenceLevel ?level } }"""
)
CITIES = (
    PREFIXES
    + """CONSTRUCT { ?c a clip:City ; rdfs:label ?label } WHERE { ?c a clip:City .
  OPTIONAL { ?c rdfs:label ?label FILTER(LANG(?label) = "en") } }"""
)
TABLES = (
    "/tables/matrix.csv",
    "/browse/cities.csv",
    "/browse/publications.csv",
    "/queries/member_cities.csv",
    "/quality/counts.csv",
    "/quality/shapes.csv",
)


def csv2rdf(client: FlaskClient, path: str, folder: Path) -> Graph:
    """The triples a CSVW processor makes of the CSV at ``path`` with its metadata (standard mode, declared columns)."""
    response = client.get(path)
    described = client.get(path + "-metadata.json").get_json(force=True)
    (folder / "table.csv").write_bytes(response.data)
    described["url"] = "table.csv"  # read the bytes served, from disk: no network
    (folder / "table.csv-metadata.json").write_text(json.dumps(described), encoding="utf-8")
    table = Table.from_file(folder / "table.csv-metadata.json")
    columns = [c for c in table.tableSchema.columns if not c.suppressOutput]
    about = table.tableSchema.inherit("aboutUrl")
    graph = Graph()
    for number, parsed in enumerate(table.iterdicts(strict=True), start=1):
        # The reader parses anyURI cells into rfc3986 references, which its template expansion does not
        # take: the templates expand over the cells' strings, as CSV2RDF says (4.6, "string value").
        row = {name: _text(value) for name, value in parsed.items()}
        subject = URIRef(table.expand(about, row, _row=number)) if about else BNode()
        for column in columns:
            value = row.get(column.name) if not column.virtual else "(virtual: the valueUrl alone)"
            if value is None or value == "":
                continue
            cell = CsvwTriple.from_col(table, column, row, str(column.propertyUrl), parsed.get(column.name), number)
            graph.add((subject, URIRef(_expanded(cell.property)), _object(column, cell.value)))
    return graph


def _expanded(name: str) -> str:
    """The reader writes rdf:type as a compact name (for its JSON); CSV2RDF's property is the IRI."""
    prefix, _, local = name.partition(":")
    return NAMESPACES[prefix] + local if prefix in NAMESPACES and not local.startswith("//") else name


def _text(value: Any) -> Any:
    return value.unsplit() if isinstance(value, URIReference) else value


def _object(column: Any, value: Any) -> URIRef | Literal:
    if column.valueUrl:
        return URIRef(str(value))
    if column.lang:
        return Literal(str(value), lang=column.lang)
    datatype = column.datatype.base if column.datatype else "string"
    return Literal(value, datatype=XSD[datatype]) if datatype != "string" else Literal(str(value))


def graph_of(clip_kg: KnowledgeGraph, query: str) -> Graph:
    graph = Graph()
    for triple in clip_kg.graph("asserted").query(query):
        graph.add(triple)  # type: ignore[arg-type]
    return graph


@pytest.mark.parametrize("path", TABLES)
def test_csv_is_utf8_with_a_header_and_a_link_to_its_metadata(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CSV_TYPE
    assert f'-metadata.json>; rel="describedby"; type="{CSVW_TYPE}"' in response.headers["Link"]
    text = response.data.decode("utf-8")
    assert text.endswith("\r\n")
    header = next(csv.reader(io.StringIO(text)))
    described = client.get(path + "-metadata.json")
    assert described.headers["Content-Type"] == CSVW_TYPE
    columns = [c["name"] for c in described.get_json(force=True)["tableSchema"]["columns"] if not c.get("virtual")]
    assert header == columns


def test_matrix_csv_converts_back_to_the_graphs_participations(
    client: FlaskClient, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    converted = csv2rdf(client, "/tables/matrix.csv", tmp_path)
    expected = graph_of(clip_kg, MATRIX)
    assert len(converted) == len(expected) > 100
    assert isomorphic(to_isomorphic(converted), to_isomorphic(expected)), set(converted) ^ set(expected)


def test_browse_csv_converts_back_to_the_types_and_english_labels(
    client: FlaskClient, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    converted = csv2rdf(client, "/browse/cities.csv", tmp_path)
    expected = graph_of(clip_kg, CITIES)
    assert len(converted) == len(expected) > 40
    assert set(converted) == set(expected)


def test_named_query_csv_is_the_sparql_csv_its_metadata_describes(client: FlaskClient, tmp_path: Path) -> None:
    described = client.get("/queries/member_cities.csv-metadata.json").get_json(force=True)
    types = {c["name"]: c["datatype"] for c in described["tableSchema"]["columns"]}
    assert types["city"] == "anyURI"
    assert csv2rdf(client, "/queries/member_cities.csv", tmp_path)  # the reader accepts every cell as declared


@pytest.mark.parametrize("query", [{}, {"city": "not an IRI"}])
def test_named_query_csv_with_a_bad_parameter_is_the_apis_400(client: FlaskClient, query: dict[str, str]) -> None:
    for path in ("/queries/modules_of_city.csv", "/queries/modules_of_city.csv-metadata.json"):
        response = client.get(path, query_string=query)
        expected = client.get("/queries/modules_of_city", query_string=query)
        assert response.status_code == expected.status_code == 400
        assert response.data == expected.data


@pytest.mark.parametrize("path", ["/browse/nothing.csv", "/quality/nothing.csv", "/queries/nothing.csv-metadata.json"])
def test_unknown_table_is_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "nothing" in response.get_data(as_text=True)


def test_pages_link_their_csv(client: FlaskClient) -> None:
    for page, path in (("/", "/tables/matrix.csv"), ("/browse/cities", "/browse/cities.csv")):
        text = client.get(page).get_data(as_text=True)
        assert f'<link rel="alternate" type="text/csv" href="{path}"' in text
        assert f'href="{path}" download>Download CSV</a>' in text


def test_catalogue_lists_the_csv_distributions(client: FlaskClient) -> None:
    catalogue = Graph().parse(data=client.get("/catalog", headers={"Accept": "text/turtle"}).data, format="turtle")
    csv_distributions = [
        d for d in catalogue.subjects(URIRef("http://www.w3.org/ns/dcat#mediaType"), None)
        if str(catalogue.value(d, URIRef("http://www.w3.org/ns/dcat#mediaType"))).endswith("text/csv")
    ]  # fmt: skip
    assert len(csv_distributions) >= 10
    conforms = URIRef("http://purl.org/dc/terms/conformsTo")
    assert all(str(catalogue.value(d, conforms)).startswith("http://www.w3.org/TR/tabular") for d in csv_distributions)


def test_openapi_describes_the_csv_paths(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/tables/matrix.csv", "/browse/{kind}.csv", "/queries/member_cities.csv", "/quality/{table}.csv"):
        assert "text/csv" in json.dumps(paths[path])
