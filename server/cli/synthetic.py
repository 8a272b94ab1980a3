"""A seeded synthetic graph shaped like the CLIP network, for the scale benchmark.

``generate(path, triples)`` streams about ``triples`` N-Triples (gzipped when the name
ends in ``.gz``) to a file, never holding the graph in memory: countries, a SKOS tree of
topics, cities with coordinates and labels in two or three languages, organisations,
people, research modules, participations (qualified nodes city ↔ module), publications
with ordered authorships. A few hubs get very many incoming links so that backlink
paging is exercised: module 0 has one participation per 50 triples of the graph
(100,000 at 5 million), topic 0 is the subject of about a third of the publications,
city 0 hosts a fifth of the organisations and country 0 holds a third of the cities.

The same seed and size give the same bytes. IRIs are ``{base}id/{kind}/{n}``; the
vocabulary is a small one of its own under ``{base}def/`` plus rdfs, skos, dcterms, geo.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from server.kg.progress import Progress, silent

BASE = "http://bench.example.org/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD = "http://www.w3.org/2001/XMLSchema#"

SYLLABLES = ("ber", "gen", "sta", "dt", "hof", "lin", "mar", "vil", "burg", "ton", "sal", "rio", "nor", "wick", "an")
"""City names are made of these, so a text filter such as CONTAINS(?label, "burg") matches some."""
WORDS = ("integration", "housing", "migrants", "policy", "employment", "diversity", "education", "health")
ROLES = ("case-study", "coordinator", "observer")
MIN_TRIPLES = 1_000


@dataclass(frozen=True)
class Plan:
    """How many things of each kind a graph of about ``triples`` triples holds."""

    triples: int
    countries: int
    topics: int
    cities: int
    organisations: int
    people: int
    modules: int
    hub_participations: int
    participations: int

    @classmethod
    def for_size(cls, triples: int) -> Plan:
        """Shares of the triples per kind; publications fill whatever is left.

        >>> Plan.for_size(5_000_000).hub_participations
        100000
        """
        return cls(
            triples=triples,
            countries=min(40, max(5, triples // 2_000)),
            topics=max(8, triples // 400),
            cities=max(10, triples // 75),
            organisations=max(5, triples // 100),
            people=max(10, triples // 33),
            modules=max(3, triples // 5_000),
            hub_participations=triples // 50,
            participations=triples * 24 // 500,
        )


@dataclass
class Summary:
    """What was written: the file, its triple count and the plan, with publications counted."""

    path: Path
    triples: int
    plan: Plan
    publications: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def iri(kind: str, number: int, base: str = BASE) -> str:
    """The IRI of the ``number``-th thing of a kind.

    >>> iri("city", 7)
    'http://bench.example.org/id/city/7'
    """
    return f"{base}id/{kind}/{number}"


def term(name: str, base: str = BASE) -> str:
    """An IRI of the benchmark's own vocabulary, in N-Triples form."""
    return f"<{base}def/{name}>"


def literal(text: str, language: str | None = None) -> str:
    """A string literal in N-Triples form, escaped.

    >>> literal('say "hi"', "en")
    '"say \\\\"hi\\\\""@en'
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{language}' if language else f'"{escaped}"'


def typed(value: object, datatype: str) -> str:
    """A typed literal (``integer``, ``decimal``, ``date``, ``gYear``) in N-Triples form."""
    return f'"{value}"^^<{XSD}{datatype}>'


class Writer:
    """Writes triples to a text stream, counting them and reporting every tenth of the target."""

    def __init__(self, stream: TextIO, plan: Plan, base: str, progress: Progress):
        self.stream = stream
        self.plan = plan
        self.base = base
        self.progress = progress
        self.count = 0
        self._next_report = plan.triples // 10

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """One triple; subject and predicate in N-Triples form already."""
        self.stream.write(f"{subject} {predicate} {obj} .\n")
        self.count += 1
        if self.count >= self._next_report > 0:
            self.progress(f"generated {self.count:,} of about {self.plan.triples:,} triples")
            self._next_report += max(1, self.plan.triples // 10)

    def node(self, kind: str, number: int) -> str:
        """A thing of this graph in N-Triples form."""
        return f"<{iri(kind, number, self.base)}>"

    def term(self, name: str) -> str:
        return term(name, self.base)


@contextmanager
def _open(path: Path) -> Iterator[TextIO]:
    """Write to ``path`` through a partial file, so a broken run leaves no half file behind."""
    partial = path.with_name(path.name + ".partial")
    opened: TextIO = (
        gzip.open(partial, "wt", encoding="utf-8", compresslevel=5)
        if path.suffix == ".gz"
        else partial.open("w", encoding="utf-8")
    )
    try:
        with opened:
            yield opened
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def generate(path: Path, triples: int, seed: int = 1, base: str = BASE, progress: Progress = silent) -> Summary:
    """Write about ``triples`` triples (at least ``MIN_TRIPLES``) to ``path``; the same seed gives the same file."""
    plan = Plan.for_size(max(triples, MIN_TRIPLES))
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    summary = Summary(path=path, triples=0, plan=plan)
    with _open(path) as stream:
        out = Writer(stream, plan, base, progress)
        for kind, write in (
            ("country", _countries),
            ("topic", _topics),
            ("city", _cities),
            ("organisation", _organisations),
            ("person", _people),
            ("module", _modules),
            ("participation", _participations),
        ):
            before = out.count
            write(out, rng)
            summary.kinds[kind] = out.count - before
        before = out.count
        summary.publications = _publications(out, rng)
        summary.kinds["publication"] = out.count - before
    summary.triples = out.count
    return summary


def city_name(rng: random.Random) -> str:
    """Two or three syllables, capitalised: ``Burgsalton``."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _skewed(rng: random.Random, count: int, hub_share: float) -> int:
    """Number 0 with probability ``hub_share``, otherwise any number below ``count``."""
    return 0 if rng.random() < hub_share else rng.randrange(count)


def _countries(out: Writer, rng: random.Random) -> None:
    for n in range(out.plan.countries):
        node = out.node("country", n)
        code = chr(65 + n // 26) + chr(65 + n % 26)
        out.add(node, RDF_TYPE, out.term("Country"))
        out.add(node, RDFS_LABEL, literal(f"Country {code}", "en"))
        out.add(node, RDFS_LABEL, literal(f"Pays {code}", "fr"))
        out.add(node, out.term("isoCode"), literal(code))


def _topics(out: Writer, rng: random.Random) -> None:
    """A SKOS tree: topic n is narrower than a topic with a smaller number, topic 0 is the root."""
    for n in range(out.plan.topics):
        node = out.node("topic", n)
        word = WORDS[n % len(WORDS)]
        out.add(node, RDF_TYPE, f"<{SKOS}Concept>")
        out.add(node, f"<{SKOS}prefLabel>", literal(f"{word} {n}", "en"))
        out.add(node, f"<{SKOS}prefLabel>", literal(f"{word.capitalize()} {n}", "de"))
        if n:
            out.add(node, f"<{SKOS}broader>", out.node("topic", rng.randrange(n)))


def _cities(out: Writer, rng: random.Random) -> None:
    for n in range(out.plan.cities):
        node = out.node("city", n)
        name = city_name(rng)
        out.add(node, RDF_TYPE, out.term("City"))
        out.add(node, RDFS_LABEL, literal(name, "en"))
        out.add(node, RDFS_LABEL, literal(name, "de"))
        if n % 2 == 0:
            out.add(node, RDFS_LABEL, literal(f"Ville de {name}", "fr"))
        out.add(node, out.term("country"), out.node("country", _skewed(rng, out.plan.countries, 0.3)))
        out.add(node, f"<{GEO}lat>", typed(f"{rng.uniform(35, 65):.4f}", "decimal"))
        out.add(node, f"<{GEO}long>", typed(f"{rng.uniform(-10, 30):.4f}", "decimal"))
        out.add(node, out.term("population"), typed(rng.randint(5_000, 3_000_000), "integer"))


def _organisations(out: Writer, rng: random.Random) -> None:
    for n in range(out.plan.organisations):
        node = out.node("organisation", n)
        out.add(node, RDF_TYPE, out.term("Organisation"))
        out.add(node, RDFS_LABEL, literal(f"Institute {n} for {rng.choice(WORDS)}", "en"))
        out.add(node, out.term("locatedIn"), out.node("city", _skewed(rng, out.plan.cities, 0.2)))


def _people(out: Writer, rng: random.Random) -> None:
    for n in range(out.plan.people):
        node = out.node("person", n)
        out.add(node, RDF_TYPE, out.term("Person"))
        out.add(node, RDFS_LABEL, literal(f"{city_name(rng)} {city_name(rng)}"))
        out.add(node, out.term("affiliation"), out.node("organisation", rng.randrange(out.plan.organisations)))
        out.add(node, out.term("identifier"), literal(f"0000-{n:08d}"))


def _modules(out: Writer, rng: random.Random) -> None:
    for n in range(out.plan.modules):
        node = out.node("module", n)
        word = rng.choice(WORDS)
        out.add(node, RDF_TYPE, out.term("Module"))
        out.add(node, RDFS_LABEL, literal(f"Module {n}: {word}", "en"))
        out.add(node, RDFS_LABEL, literal(f"Module {n} : {word}", "fr"))
        out.add(node, out.term("moduleNumber"), typed(n + 1, "integer"))
        out.add(node, f"<{DCTERMS}subject>", out.node("topic", rng.randrange(out.plan.topics)))
        out.add(node, out.term("startYear"), typed(2006 + n % 10, "gYear"))


def _participations(out: Writer, rng: random.Random) -> None:
    """The hub module 0 gets ``hub_participations``; the others spread over the other modules."""
    plan = out.plan
    for n in range(plan.hub_participations + plan.participations):
        module = 0 if n < plan.hub_participations else rng.randrange(1, plan.modules)
        node = out.node("participation", n)
        out.add(node, RDF_TYPE, out.term("Participation"))
        out.add(node, out.term("participant"), out.node("city", rng.randrange(plan.cities)))
        out.add(node, out.term("inModule"), out.node("module", module))
        out.add(node, out.term("role"), literal(rng.choice(ROLES)))
        out.add(node, out.term("year"), typed(2006 + rng.randrange(10), "gYear"))


def _publications(out: Writer, rng: random.Random) -> int:
    """Publications until the target is reached; each has one to four ordered authorships."""
    n = 0
    while out.count < out.plan.triples:
        _publication(out, rng, n)
        n += 1
    return n


def _publication(out: Writer, rng: random.Random, n: int) -> None:
    plan = out.plan
    node = out.node("publication", n)
    out.add(node, RDF_TYPE, out.term("Publication"))
    out.add(node, f"<{DCTERMS}title>", literal(f"On {rng.choice(WORDS)} in {city_name(rng)} ({n})", "en"))
    out.add(node, f"<{DCTERMS}date>", typed(f"{2006 + rng.randrange(10)}-{rng.randint(1, 12):02d}-01", "date"))
    out.add(node, f"<{DCTERMS}subject>", out.node("topic", _skewed(rng, plan.topics, 0.3)))
    out.add(node, out.term("partOfModule"), out.node("module", rng.randrange(plan.modules)))
    for position in range(1, rng.randint(1, 4) + 1):
        authorship = f"<{iri('publication', n, out.base)}/authorship/{position}>"
        out.add(node, out.term("authorship"), authorship)
        out.add(authorship, RDF_TYPE, out.term("Authorship"))
        out.add(authorship, out.term("author"), out.node("person", rng.randrange(plan.people)))
        out.add(authorship, out.term("position"), typed(position, "integer"))
