"""The benchmark's browsing figures (``server/cli/explorebench.py``): which requests it makes and how it reports them.

A fake server on a free port answers as the contract of /facets and /fragments says (and as a
SPARQL endpoint); no figure is checked for speed, only that every case is found, timed the
number of times asked, and reported beside the reference's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from server.cli import benchreport
from server.cli.explorebench import (
    DEEP_PAGE,
    PAGE_SIZE,
    RDF_TYPE,
    Case,
    Exploration,
    Timing,
    explore_ours,
    explore_reference,
    facet_cases,
    fragment_cases,
    time_reference,
)
from server.cli.loadtest import Options, Report, Result
from server.cli.querymix import Client
from server.cli.synthetic import Plan, Summary

SUMMARY = Summary(Path("graph.nt"), 10_000, Plan.for_size(10_000))
ONE = "/facets?kind=publications&f.year=2009"
TWO = "/facets?kind=publications&f.year=2009&f.topic=t1"


def facets_answer(filters: dict[str, str]) -> dict[str, object]:
    """An answer of the /facets contract: a year facet and a topic facet, the SPARQL naming the filters."""
    here = "&".join(f"f.{key}={value}" for key, value in filters.items())
    prefix = "/facets?kind=publications" + (f"&{here}" if here else "")
    return {
        "total": 10,
        "facets": [
            {"key": "year", "label": "Year", "values": [{"value": "2009", "label": "2009", "count": 4,
                                                          "selected": "year" in filters, "url": ONE}]},
            {"key": "topic", "label": "Topic", "values": [{"value": "t1", "label": "T1", "count": 2,
                                                            "selected": "topic" in filters,
                                                            "url": f"{prefix}&f.topic=t1"}]},
        ],
        "sparql": [f"SELECT * WHERE {{ ?s ?p ?o }} # {sorted(filters.items())} {n}" for n in range(2)],
        "query": "SELECT ?item WHERE { ?item a ?kind }",
    }  # fmt: skip


class Fake(BaseHTTPRequestHandler):
    """/fragments (rdf:type counts ``types`` triples), /facets, /browse and a SPARQL endpoint at /query."""

    types = 6_000
    facets = True
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Fake.seen.append(self.path)
        parts = urlsplit(self.path)
        fields = dict(parse_qsl(parts.query))
        if parts.path == "/fragments":
            total = self.types if fields.get("predicate") == RDF_TYPE else 3
            self.answer(
                200, f'<x> <http://rdfs.org/ns/void#triples> "{total}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            )
        elif parts.path == "/facets" and self.facets:
            filters = {key[2:]: value for key, value in fields.items() if key.startswith("f.")}
            self.answer(200, json.dumps(facets_answer(filters)), "application/json")
        elif parts.path == "/browse/publications":
            self.answer(200, "<html></html>", "text/html")
        else:
            self.answer(404, "no such page")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Fake.seen.append(f"POST {self.path} {body}")
        self.answer(200, '{"head": {"vars": []}, "results": {"bindings": []}}', "application/sparql-results+json")

    def answer(self, status: int, text: str, media_type: str = "application/n-triples") -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(Fake, "seen", [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def test_facet_cases_follow_the_first_value_then_another_facet(fake: int) -> None:
    client = Client(fake)
    try:
        cases, notes = facet_cases(client)
    finally:
        client.close()
    assert notes == []
    assert [(case.path, case.accept) for case in cases] == [
        ("/facets?kind=publications", "application/json"),
        (ONE, "application/json"),
        (TWO, "application/json"),
        ("/browse/publications?f.year=2009", "text/html"),
    ]
    assert cases[2].sparql == tuple(facets_answer({"year": "2009", "topic": "t1"})["sparql"])  # type: ignore[arg-type]
    assert cases[3].sparql == cases[1].sparql


def test_without_a_facets_endpoint_there_is_a_note_and_no_facet_case(
    fake: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Fake, "facets", False)
    client = Client(fake)
    try:
        assert facet_cases(client) == ([], ["facets: /facets?kind=publications answered 404; not timed"])
    finally:
        client.close()


def test_every_case_is_timed_once_cold_and_runs_times_warm(fake: int) -> None:
    found = explore_ours(fake, SUMMARY, runs=3)
    assert [case.name for case in found.cases][:4] == [case.name for case in fragment_cases(SUMMARY)]
    assert len(found.cases) == 8 and found.notes == []
    for case in found.cases:
        timing = found.ours[case.name]
        assert (timing.first is not None, len(timing.warm), timing.errors) == (True, 3, 0), case.name
    deep = "/fragments?" + urlencode({"predicate": RDF_TYPE, "page": DEEP_PAGE})
    assert Fake.seen.count(deep) == 4
    # the facets' cold request is the one that found them: not sent twice
    assert [Fake.seen.count(path) for path in ("/facets?kind=publications", ONE, TWO)] == [4, 4, 4]


def test_a_graph_without_the_deep_page_leaves_it_out_with_a_note(fake: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Fake, "types", (DEEP_PAGE - 1) * PAGE_SIZE)
    found = explore_ours(fake, SUMMARY, runs=1)
    assert not any(f"page {DEEP_PAGE}" in case.name for case in found.cases)
    assert found.notes == [
        f"fragments: rdf:type has {(DEEP_PAGE - 1) * PAGE_SIZE:,} triples, fewer than {DEEP_PAGE} pages: page not timed"
    ]


def test_the_reference_runs_every_query_of_a_case_per_run(fake: int) -> None:
    client = Client(fake)
    try:
        timing = time_reference(client, "/query", Case("c", "/x", "text/html", ("ASK {}", "SELECT * {}")), runs=2)
    finally:
        client.close()
    assert (timing.first is not None, len(timing.warm), timing.errors) == (True, 2, 0)
    assert sum(1 for seen in Fake.seen if seen.startswith("POST /query ")) == 6


def test_fragment_cases_ask_oxigraph_for_a_page_and_its_count() -> None:
    for case in fragment_cases(SUMMARY):
        page, count = case.sparql
        assert f"LIMIT {PAGE_SIZE} OFFSET" in page and "COUNT(*)" in count, case.name
    deep = fragment_cases(SUMMARY)[-1]
    assert f"OFFSET {(DEEP_PAGE - 1) * PAGE_SIZE}" in deep.sparql[0] and f"page={DEEP_PAGE}" in deep.path


def report_with(found: Exploration | None) -> Report:
    options, result = Options(triples=1000), Result("ours")
    return Report(options, SUMMARY, 1, {"cpu": "test"}, result, Result("oxigraph"), [], found)


def test_the_report_puts_each_case_beside_its_sparql_on_oxigraph(fake: int) -> None:
    found = explore_ours(fake, SUMMARY, runs=2)
    explore_reference(fake, "/query", found, runs=2)
    found.ours[found.cases[0].name] = Timing(first=30.0, warm=[4.0, 6.0])
    found.reference[found.cases[0].name] = Timing(first=2.0, warm=[2.0, 3.0])
    rows = {row[0]: row[1:] for row in benchreport.browsing_rows(found)}
    assert rows[found.cases[0].name] == ("30.0", "4.0", "6.0", "2.0", "2.0", "3.0", "2x", "0/0")
    markdown = benchreport.render_markdown(report_with(found))
    assert "### Browsing: fragments and facets" in markdown
    assert (
        sum(1 for line in markdown.splitlines() if line.startswith(("| fragments:", "| facets:", "| page: /browse")))
        == 8
    )
    assert "Browsing:" in benchreport.render_text(report_with(found))


def test_without_browsing_figures_the_report_has_no_browsing_section() -> None:
    assert "Browsing" not in benchreport.render_markdown(report_with(None))
    assert "Browsing" not in benchreport.render_text(report_with(None))
