"""The scale benchmark's browsing figures: our /fragments and /facets timed, their SPARQL on the reference server.

Triple Pattern Fragments (issue 13) are timed for four patterns: the cities (``rdf:type``
``def:City``, page 1), one city as subject, the all-variable pattern (page 1), and page 50 of
``rdf:type`` when the graph has one. The same information from a SPARQL endpoint is a page
(``LIMIT 100 OFFSET``) and a COUNT: that pair goes to the reference Oxigraph server, its two
times summed per run.

Facets are discovered from our answers, as a client follows them (the JSON contract of
``GET /facets?kind=...``: ``{"total", "facets": [{"key", "values": [{"url", ...}]}], "sparql",
"query"}``): the publications unfiltered, the first value of the first facet, then the first
value of another facet on top, and the HTML list ``/browse/publications`` with the one filter.
Each answer lists the SPARQL it ran (``sparql``); those queries, one after the other, are the
reference's side of the row.

Every case reports its first request apart (cold: our counts and facets are computed once per
data load, then kept) from the p50/p95 of the runs after it. One keep-alive connection sends
them all, so the runs after the first reach the worker process that answered it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from server.cli.querymix import FAILURES, SELECT_JSON, Client
from server.cli.synthetic import BASE, Summary, iri

TRIG = "application/trig"
JSON = "application/json"
HTML = "text/html"
PAGE_SIZE = 100
"""Triples a page of our fragments holds (``views.fragment_pages.PAGE_SIZE``), so the SPARQL pages match."""
DEEP_PAGE = 50
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FACET_KIND = "publications"


@dataclass(frozen=True)
class Case:
    """One request to our server, and the SPARQL that gives the same on the reference server."""

    name: str
    path: str
    accept: str
    sparql: tuple[str, ...] = ()
    first: float | None = None
    """Milliseconds of the request that found the case (a facets answer read to find the next): its cold time."""


@dataclass
class Timing:
    """A case's first request (cold) and the runs after it (warm), in milliseconds; requests not answered 200."""

    first: float | None = None
    warm: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class Exploration:
    """The browsing figures of one run: ours and the reference's per case, and what could not be measured."""

    cases: list[Case] = field(default_factory=list)
    ours: dict[str, Timing] = field(default_factory=dict)
    reference: dict[str, Timing] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- fragments


def _fragment_path(**pattern: str) -> str:
    return "/fragments" + (f"?{urlencode(pattern)}" if pattern else "")


def _sparql_pair(where: str, page: int = 1) -> tuple[str, ...]:
    """A page of the triples matching ``where`` and their COUNT, as a SPARQL endpoint is asked for them."""
    offset = (page - 1) * PAGE_SIZE
    return (
        f"SELECT ?s ?p ?o WHERE {{ {where} }} LIMIT {PAGE_SIZE} OFFSET {offset}",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}",
    )


def fragment_cases(summary: Summary) -> list[Case]:
    """The four fragment requests, with their SPARQL (variables bound by BIND so that ?s ?p ?o are answered).

    The deep page is page ``DEEP_PAGE`` of ``rdf:type``; ``deep_page_exists`` says whether the graph has it.
    """
    city_class, city = f"{BASE}def/City", iri("city", 0)
    typed = f"?s <{RDF_TYPE}> ?o BIND(<{RDF_TYPE}> AS ?p)"
    return [
        Case(
            "fragments: cities (rdf:type def:City), page 1",
            _fragment_path(predicate=RDF_TYPE, object=city_class),
            TRIG,
            _sparql_pair(f"?s <{RDF_TYPE}> <{city_class}> BIND(<{RDF_TYPE}> AS ?p) BIND(<{city_class}> AS ?o)"),
        ),
        Case("fragments: one city as subject", _fragment_path(subject=city), TRIG,
             _sparql_pair(f"<{city}> ?p ?o BIND(<{city}> AS ?s)")),
        Case("fragments: ?s ?p ?o, page 1", _fragment_path(), TRIG, _sparql_pair("?s ?p ?o")),
        Case(
            f"fragments: rdf:type, page {DEEP_PAGE}",
            _fragment_path(predicate=RDF_TYPE, page=str(DEEP_PAGE)),
            TRIG,
            _sparql_pair(typed, DEEP_PAGE),
        ),
    ]  # fmt: skip


def deep_page_exists(client: Client) -> tuple[bool, str]:
    """Whether ``rdf:type`` has a page ``DEEP_PAGE``, from the count its first page states; and a note if not."""
    status, body = client.get(_fragment_path(predicate=RDF_TYPE), "application/n-triples")
    counts = [line for line in body.decode(errors="replace").splitlines() if "rdfs.org/ns/void#triples" in line]
    if status != 200 or not counts:
        return False, f"fragments: rdf:type answered {status} without a count; its page {DEEP_PAGE} is not timed"
    total = int(counts[0].split('"')[1])
    if total <= (DEEP_PAGE - 1) * PAGE_SIZE:
        return False, f"fragments: rdf:type has {total:,} triples, fewer than {DEEP_PAGE} pages: page not timed"
    return True, ""


# ---------------------------------------------------------------- facets


def facet_cases(client: Client) -> tuple[list[Case], list[str]]:
    """The facet requests, found by following our own answers; notes for what could not be found.

    Unfiltered, one filter (the first value of the first facet), two filters (the first value of
    another facet of the one-filter answer), and the HTML list with the one filter.
    """
    path = f"/facets?kind={FACET_KIND}"
    answer, note, spent = _facets(client, path)
    if answer is None:
        return [], [note]
    cases = [Case(f"facets: {FACET_KIND}, unfiltered", path, JSON, _queries(answer), spent)]
    first_facet = next((f for f in answer.get("facets", []) if f.get("values")), None)
    if first_facet is None:
        return cases, [f"facets: {path} lists no facet with values; no filter timed"]
    one = _path_of(str(first_facet["values"][0]["url"]))
    filtered, note, spent = _facets(client, one)
    if filtered is None:
        return cases, [note]
    cases.append(Case(f"facets: {FACET_KIND}, one filter", one, JSON, _queries(filtered), spent))
    cases.append(Case(f"page: /browse/{FACET_KIND}, one filter", _browse_path(one), HTML, _queries(filtered)))
    other = next(
        (f for f in filtered.get("facets", []) if f.get("key") != first_facet.get("key") and f.get("values")), None
    )
    if other is None:
        return cases, ["facets: the one-filter answer has no other facet with values; two filters not timed"]
    two = _path_of(str(other["values"][0]["url"]))
    again, note, spent = _facets(client, two)
    if again is None:
        return cases, [note]
    cases.insert(2, Case(f"facets: {FACET_KIND}, two filters", two, JSON, _queries(again), spent))
    return cases, []


def _facets(client: Client, path: str) -> tuple[dict[str, Any] | None, str, float]:
    """Our JSON answer at ``path`` (or None and why not), and the milliseconds it took."""
    started = time.perf_counter()
    try:
        status, body = client.get(path, JSON)
    except FAILURES as error:
        return None, f"facets: {path} failed ({type(error).__name__}); not timed", 0.0
    spent = (time.perf_counter() - started) * 1000
    if status != 200:
        return None, f"facets: {path} answered {status}; not timed", spent
    try:
        parsed = json.loads(body)
    except ValueError:
        return None, f"facets: {path} did not answer JSON; not timed", spent
    if not isinstance(parsed, dict):
        return None, f"facets: {path} did not answer a JSON object", spent
    return parsed, "", spent


def _queries(answer: dict[str, Any]) -> tuple[str, ...]:
    found = answer.get("sparql", [])
    return tuple(str(query) for query in found) if isinstance(found, list) else ()


def _path_of(url: str) -> str:
    """The path and query of a URL, absolute or not.

    >>> _path_of("http://127.0.0.1:5000/facets?kind=people&f.a=b"), _path_of("/facets?kind=people")
    ('/facets?kind=people&f.a=b', '/facets?kind=people')
    """
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _browse_path(facets_url: str) -> str:
    """The browse list with the filters of a /facets URL (its ``kind`` becomes the path).

    >>> _browse_path("/facets?kind=publications&f.year=2009")
    '/browse/publications?f.year=2009'
    """
    parts = urlsplit(facets_url)
    fields = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "kind"]
    return f"/browse/{FACET_KIND}" + (f"?{urlencode(fields, quote_via=quote)}" if fields else "")


# ---------------------------------------------------------------- timing


def time_ours(client: Client, case: Case, runs: int) -> Timing:
    """The first request of a case (unless the request that found it was its first) and ``runs`` more, each a
    GET with the case's Accept."""
    timing = Timing(first=case.first)
    for run in range(0 if case.first is None else 1, runs + 1):
        started = time.perf_counter()
        try:
            status, _ = client.get(case.path, case.accept)
        except FAILURES:
            status = 0
        _record(timing, run, status == 200, (time.perf_counter() - started) * 1000)
    return timing


def time_reference(client: Client, sparql_path: str, case: Case, runs: int) -> Timing:
    """The case's SPARQL on the reference server, its queries one after the other, their times summed per run."""
    timing = Timing()
    for run in range(runs + 1):
        spent, answered = 0.0, True
        for query in case.sparql:
            started = time.perf_counter()
            try:
                status, _ = client.query(sparql_path, query, SELECT_JSON)
            except FAILURES:
                status = 0
            spent += (time.perf_counter() - started) * 1000
            answered = answered and status == 200
        _record(timing, run, answered, spent)
    return timing


def _record(timing: Timing, run: int, answered: bool, milliseconds: float) -> None:
    if not answered:
        timing.errors += 1
    elif run == 0:
        timing.first = milliseconds
    else:
        timing.warm.append(milliseconds)


def explore_ours(port: int, summary: Summary, runs: int) -> Exploration:
    """Find the cases on our server and time each there (the reference is timed later, ``explore_reference``)."""
    client, found = Client(port), Exploration()
    try:
        cases = fragment_cases(summary)
        deep, note = deep_page_exists(client)
        if not deep:
            cases, found.notes = cases[:-1], [note]
        facets, notes = facet_cases(client)
        found.cases, found.notes = cases + facets, found.notes + notes
        for case in found.cases:
            found.ours[case.name] = time_ours(client, case, runs)
    finally:
        client.close()
    return found


def explore_reference(port: int, sparql_path: str, found: Exploration, runs: int) -> None:
    """Time every case's SPARQL on the reference server into ``found``."""
    client = Client(port)
    try:
        for case in found.cases:
            if case.sparql:
                found.reference[case.name] = time_reference(client, sparql_path, case, runs)
    finally:
        client.close()
