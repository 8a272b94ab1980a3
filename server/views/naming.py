"""Naming resources: labels in the reader's language, compact names, and one-hop look-ups.

``pick_label`` chooses a name by the language rule (the reader's first language, else
untagged, else their next ones, else any) and marks a fallback; ``Lookup`` is what every
page model reads the engine through: names (cached per page), values, subjects, kinds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.engine.terms import Iri, Literal, Term, sparql_term
from server.views.published import Published

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
NAME_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", "http://xmlns.com/foaf/0.1/name", DCT + "title")
"""What names a resource on its page, in this order of preference within one language."""
NAMES_OF_INSTANCES = """SELECT ?s ?class ?p ?name WHERE { ?s a ?class
  OPTIONAL { ?s ?p ?name FILTER(?p IN (<http://www.w3.org/2000/01/rdf-schema#label>,
    <http://www.w3.org/2004/02/skos/core#prefLabel>, <http://xmlns.com/foaf/0.1/name>,
    <http://purl.org/dc/terms/title>)) } }"""
NAMES_OF = """SELECT ?s ?p ?name WHERE {{ VALUES ?s {{ {} }} ?s ?p ?name
  FILTER(?p IN (<http://www.w3.org/2000/01/rdf-schema#label>, <http://www.w3.org/2004/02/skos/core#prefLabel>,
    <http://xmlns.com/foaf/0.1/name>, <http://purl.org/dc/terms/title>)) }}"""
"""The names of the resources listed in its VALUES block (IRIs written by ``sparql_term``)."""
STATEMENTS_OF = "SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {} }} ?s ?p ?o }}"
"""Every statement of the resources listed in its VALUES block."""
PREFETCH_CHUNK = 200
"""Resources per STATEMENTS_OF query, to keep each query's text small."""
KINDS_OF = """SELECT ?s ?t ?super WHERE {{ VALUES ?s {{ {} }} ?s a ?t .
  OPTIONAL {{ ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?super FILTER(?super != ?t) }} }}"""
"""Each class of the resources in its VALUES block, with the class's superclasses; the most specific classes
are those no other class of the resource is under. (Asked this way, not with FILTER NOT EXISTS over a path
with both ends bound, which Virtuoso 7.2 gets wrong.)"""
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Lower case without accents, for comparing names.

    >>> fold("Lüken-Klaßen, Wrocław")
    'luken-klassen, wroclaw'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def natural(text: str) -> tuple[Any, ...]:
    """A sort key that puts S2 before S10 and M1.2 before M1.10."""
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, part.lower()) for part in re.split(r"(\d+)", text))


def texts(terms: Iterable[Term]) -> list[tuple[str, str]]:
    """(text, language tag) of the literals among terms, for ``pick_label``."""
    return [(term.value, term.language) for term in terms if isinstance(term, Literal)]


@dataclass(frozen=True)
class Label:
    """A name as shown, its language tag ('' when untagged) and the reader's first language."""

    text: str
    lang: str
    wanted: str

    @property
    def fallback(self) -> bool:
        """True when the name is in another language than the one the reader asked for first."""
        return bool(self.lang) and _primary(self.lang) != _primary(self.wanted)


def _primary(tag: str) -> str:
    return tag.lower().split("-", 1)[0]


def pick_label(candidates: Sequence[tuple[str, str]], languages: Sequence[str]) -> Label | None:
    """The first name in the reader's first language, else untagged, else their next ones, else any.

    >>> pick_label([("Vienna", "en"), ("Wien", "de")], ["de", "en"]).text
    'Wien'
    >>> pick_label([("Vienna", "en")], ["de", "en"]).fallback
    True
    """
    wanted = [_primary(tag) for tag in languages] or ["en"]

    def tier(item: tuple[int, tuple[str, str]]) -> tuple[int, int]:
        code = _primary(item[1][1]) if item[1][1] else None
        order = 1 if code is None else 0 if code == wanted[0] else 2 + wanted.index(code) if code in wanted else 99
        return (order, item[0])

    best = min(enumerate(candidates), key=tier, default=None)
    return Label(*best[1], languages[0] if languages else "en") if best else None


@dataclass
class Lookup:
    """One-hop look-ups in the engine for one page: names (cached) in the reader's languages."""

    data: Published
    languages: Sequence[str]
    _labels: dict[str, Label | None] = field(default_factory=dict)
    _outgoing: dict[str, list[tuple[str, Term]]] = field(default_factory=dict)
    _kinds: dict[str, str] = field(default_factory=dict)

    def term(self, local: str) -> Iri:
        """A term of the dataset's own vocabulary, under its base."""
        return Iri(self.data.base + "def/" + local)

    def triples(
        self, s: Term | None = None, p: Term | None = None, o: Term | None = None
    ) -> list[tuple[Any, Any, Any]]:
        """Distinct (s, p, o) of one pattern; given terms are bound with substitutions."""
        given = {k: v for k, v in (("s", s), ("p", p), ("o", o)) if v is not None}
        rows = self.data.engine.rows("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", **given)
        return [(given.get("s") or row["s"], given.get("p") or row["p"], given.get("o") or row["o"]) for row in rows]

    def objects(self, subject: str, predicate: Iri) -> list[Term]:
        """The values of one property of a resource, in a stable order."""
        if subject in self._outgoing:
            found = [o for p, o in self._outgoing[subject] if p == predicate.value]
        else:
            found = [o for _, _, o in self.triples(Iri(subject), predicate)]
        return sorted(found, key=lambda term: term.value)

    def prefetch(self, iris: Iterable[str]) -> None:
        """Read the statements of these resources at once (PREFETCH_CHUNK per query), for their names,
        sources and values: a page listing a hundred resources asks a few queries, not hundreds."""
        wanted = sorted({iri for iri in iris if iri not in self._outgoing})
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            values = " ".join(sparql_term(Iri(iri)) for iri in chunk)
            statements: dict[str, set[tuple[str, Term]]] = {iri: set() for iri in chunk}
            for row in self.data.engine.rows(STATEMENTS_OF.format(values)):
                statements[row["s"].value].add((row["p"].value, row["o"]))
            for iri, pairs in statements.items():
                self._outgoing[iri] = sorted(pairs, key=lambda pair: (pair[0], pair[1].value))

    def subjects(self, predicate: Iri, obj: str) -> list[str]:
        """The IRIs that point at a resource with one property, sorted."""
        found = self.triples(None, predicate, Iri(obj))
        return sorted({s.value for s, _, _ in found if isinstance(s, Iri)})

    def value(self, subject: str, predicate: Iri) -> str | None:
        """The first value (lexical form or IRI) of a property, or None."""
        values = self.objects(subject, predicate)
        return values[0].value if values else None

    def label(self, iri: str) -> Label | None:
        """The resource's name by the language rule, or None when it has none."""
        if iri not in self._labels:
            if iri in self._outgoing:
                self._labels[iri] = self._pick(self._outgoing[iri])
            else:
                self._labels[iri] = self._pick([(p.value, o) for _, p, o in self.triples(Iri(iri))])
        return self._labels[iri]

    def name_instances(self, class_iri: Iri) -> None:
        """Look up the names of every instance of a class at once: one query instead of one each."""
        found: dict[str, list[tuple[str, Term]]] = {}
        for row in self.data.engine.rows(NAMES_OF_INSTANCES, **{"class": class_iri}):
            pairs = found.setdefault(row["s"].value, [])
            if "p" in row and "name" in row:
                pairs.append((row["p"].value, row["name"]))
        for iri, pairs in found.items():
            self._labels.setdefault(iri, self._pick(pairs))

    def name_all(self, iris: Iterable[str]) -> None:
        """Look up the names of these resources at once: one query instead of one each."""
        wanted = [iri for iri in iris if iri not in self._labels]
        if not wanted:
            return
        values = " ".join(sparql_term(Iri(iri)) for iri in wanted)
        found: dict[str, list[tuple[str, Term]]] = {iri: [] for iri in wanted}
        for row in self.data.engine.rows(NAMES_OF.format(values)):
            found[row["s"].value].append((row["p"].value, row["name"]))
        for iri, pairs in found.items():
            self._labels.setdefault(iri, self._pick(pairs))

    def _pick(self, pairs: list[tuple[str, Term]]) -> Label | None:
        """The name among (property, value) pairs: by NAME_PROPERTIES, then by text, then the language rule."""
        found = [
            (o.value, o.language)
            for prop in NAME_PROPERTIES
            for p, o in sorted(pairs, key=lambda pair: pair[1].value)
            if p == prop and isinstance(o, Literal)
        ]
        return pick_label(found, self.languages)

    def name(self, iri: str) -> str:
        """The label text, else the IRI in its compact form."""
        label = self.label(iri)
        return label.text if label else self.compact(iri)

    def compact(self, iri: str) -> str:
        """``prefix:local`` with the dataset's prefixes, ``kind/slug`` for its things, or the IRI."""
        if iri.startswith(self.data.base + "id/"):
            return iri[len(self.data.base) + 3 :]
        for prefix, namespace in self.data.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def kind(self, iri: str) -> str:
        """The most specific class of a resource (the dataset's own first, then by IRI), or ''."""
        if iri not in self._kinds:
            self.find_kinds([iri])
        return self._kinds[iri]

    def find_kinds(self, iris: Iterable[str]) -> None:
        """Look up the most specific classes of these resources at once (PREFETCH_CHUNK per query)."""
        wanted = sorted({iri for iri in iris if iri not in self._kinds})
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            classes: dict[str, set[str]] = {iri: set() for iri in chunk}
            above: dict[str, set[str]] = {iri: set() for iri in chunk}
            values = " ".join(sparql_term(Iri(iri)) for iri in chunk)
            for row in self.data.engine.rows(KINDS_OF.format(values)):
                subject, kind = row["s"].value, row.get("t")
                if isinstance(kind, Iri):
                    classes[subject].add(kind.value)
                    if "super" in row and row["super"].value != kind.value:
                        above[subject].add(row["super"].value)
            for iri in chunk:
                found = sorted(classes[iri] - above[iri]) or [o.value for o in self.objects(iri, Iri(RDF + "type"))]
                self._kinds[iri] = min(found, key=lambda t: (not t.startswith(self.data.base), t), default="")
