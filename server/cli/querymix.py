"""The query mix of the scale benchmark: the same SPARQL text for both servers, and an HTTP client that times it."""

from __future__ import annotations

import http.client
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from server.cli.synthetic import BASE, Summary, iri

REQUEST_TIMEOUT = 60.0
SELECT_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FAILURES = (OSError, http.client.HTTPException)
"""What a request may raise: refused, reset, timed out, or an HTTP exchange broken half-way."""


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    """A query of the mix: its kind of answer and a function making its text for a random pick."""

    name: str
    accept: str
    text: Callable[[random.Random, Summary], str]
    lookup: bool = False


PREFIXES = (
    f"PREFIX def: <{BASE}def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
)


def _pick(rng: random.Random, kind: str, count: int) -> str:
    return f"<{iri(kind, rng.randrange(max(count, 1)))}>"


def _city(rng: random.Random, s: Summary) -> str:
    return _pick(rng, "city", s.plan.cities)


def _describe(rng: random.Random, s: Summary) -> str:
    return f"DESCRIBE {_city(rng, s)}"


def _construct(rng: random.Random, s: Summary) -> str:
    x = _city(rng, s)
    return f"CONSTRUCT {{ {x} ?p ?o . ?s ?q {x} }} WHERE {{ {{ {x} ?p ?o }} UNION {{ ?s ?q {x} }} }}"


def _out_links(rng: random.Random, s: Summary) -> str:
    return f"SELECT ?p ?o WHERE {{ {_pick(rng, 'publication', s.publications)} ?p ?o }}"


def _hub_in_links(rng: random.Random, s: Summary) -> str:
    offset = rng.randrange(max(s.plan.hub_participations - 100, 1))
    hub = f"<{iri('module', 0)}>"
    return PREFIXES + f"SELECT ?s WHERE {{ ?s def:inModule {hub} }} ORDER BY ?s LIMIT 100 OFFSET {offset}"


def _star(rng: random.Random, s: Summary) -> str:
    country = _pick(rng, "country", s.plan.countries)
    return PREFIXES + (
        f"SELECT ?c ?label ?pop ?lat WHERE {{ ?c a def:City ; def:country {country} ; rdfs:label ?label ; "
        'def:population ?pop ; geo:lat ?lat . FILTER(LANG(?label) = "en") } LIMIT 100'
    )


def _two_hops(rng: random.Random, s: Summary) -> str:
    return PREFIXES + (
        f"SELECT DISTINCT ?m ?label WHERE {{ {_city(rng, s)} ^def:participant/def:inModule ?m . ?m rdfs:label ?label }}"
    )


def _broader(rng: random.Random, s: Summary) -> str:
    topic = _pick(rng, "topic", s.plan.topics)
    return PREFIXES + f"SELECT (COUNT(?t) AS ?n) WHERE {{ ?t skos:broader* {topic} }}"


def _group_by(rng: random.Random, s: Summary) -> str:
    return PREFIXES + (
        "SELECT ?country (COUNT(?c) AS ?cities) (AVG(?pop) AS ?mean) "
        "WHERE { ?c def:country ?country ; def:population ?pop } GROUP BY ?country ORDER BY DESC(?cities)"
    )


def _count_all(rng: random.Random, s: Summary) -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _order_offset(rng: random.Random, s: Summary) -> str:
    offset = rng.randrange(max(s.plan.cities - 20, 1))
    order = f"ORDER BY DESC(?pop) ?c LIMIT 20 OFFSET {offset}"
    return PREFIXES + f"SELECT ?c ?pop WHERE {{ ?c def:population ?pop }} {order}"


def _contains(rng: random.Random, s: Summary) -> str:
    word = rng.choice(("burg", "lin", "wick", "sal", "ton"))
    return PREFIXES + (
        f'SELECT ?c ?label WHERE {{ ?c a def:City ; rdfs:label ?label FILTER(CONTAINS(LCASE(?label), "{word}")) }} '
        "LIMIT 50"
    )


def _regex(rng: random.Random, s: Summary) -> str:
    word = rng.choice(("housing", "policy", "health"))
    return PREFIXES + f'SELECT ?p ?t WHERE {{ ?p dcterms:title ?t FILTER(REGEX(?t, "^on {word} in b", "i")) }} LIMIT 50'


def _ask(rng: random.Random, s: Summary) -> str:
    return PREFIXES + f"ASK {{ {_city(rng, s)} def:country ?c ; rdfs:label ?l }}"


QUERIES = (
    Query("DESCRIBE a city", NTRIPLES, _describe, lookup=True),
    Query("CONSTRUCT out+in of a city", NTRIPLES, _construct, lookup=True),
    Query("out links of a publication", SELECT_JSON, _out_links, lookup=True),
    Query("hub in-links, 100 at OFFSET", SELECT_JSON, _hub_in_links),
    Query("star join, cities of country", SELECT_JSON, _star, lookup=True),
    Query("2-hop path city->modules", SELECT_JSON, _two_hops, lookup=True),
    Query("skos:broader* count", SELECT_JSON, _broader),
    Query("GROUP BY country, COUNT+AVG", SELECT_JSON, _group_by),
    Query("COUNT(*) of all triples", SELECT_JSON, _count_all),
    Query("ORDER BY population OFFSET", SELECT_JSON, _order_offset),
    Query("text FILTER CONTAINS(label)", SELECT_JSON, _contains),
    Query("text FILTER REGEX(title)", SELECT_JSON, _regex),
    Query("ASK city has country", SELECT_JSON, _ask, lookup=True),
)


# ---------------------------------------------------------------- HTTP


class Client:
    """One keep-alive HTTP connection; reconnects once when the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def get(self, path: str, accept: str) -> tuple[int, bytes]:
        return self._send("GET", path, None, {"Accept": accept})

    def query(self, path: str, text: str, accept: str) -> tuple[int, bytes]:
        """A SPARQL protocol query by URL-encoded POST (the same request for both servers)."""
        body = ("query=" + quote(text, safe="")).encode("ascii")
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, body, headers)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except FAILURES:
                self.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def answer_size(accept: str, body: bytes) -> int:
    """Rows of a SELECT, 1/0 for ASK, triples of a graph: a check that both servers did the same work."""
    if accept == NTRIPLES:
        return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))
    try:
        parsed = json.loads(body)
        return int(bool(parsed["boolean"])) if "boolean" in parsed else len(parsed["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return -1


def percentile(values: list[float], percent: int) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]:.1f}"
