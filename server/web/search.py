"""Names: finding resources by their labels, and naming them in the reader's language.

``GET /search?q=TEXT`` matches rdfs:label, skos:prefLabel, skos:altLabel, foaf:name,
clip:localName, clip:acronym and dcterms:title, ignoring case and accents: the text is bound to the
query with substitutions, SPARQL keeps the labels that contain it (LCASE) or that have
non-ASCII letters, and Python folds accents away. Hits are ranked exact, prefix, contains,
grouped by type. ``Lookup``: the look-ups pages build on (names by the language rule).
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, Response, render_template, request

from server.formats import Format, negotiate
from server.urls import Urls
from server.web.state import AppState, state

blueprint = Blueprint("search", __name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
NAME_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", "http://xmlns.com/foaf/0.1/name", DCT + "title")
"""What names a resource on its page, in this order of preference within one language."""
SEARCH_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label ?needle ?localName ?acronym WHERE {
  ?s ?p ?label .
  FILTER(?p IN (rdfs:label, skos:prefLabel, skos:altLabel, <http://xmlns.com/foaf/0.1/name>,
                <http://purl.org/dc/terms/title>, ?localName, ?acronym))
  FILTER(isIRI(?s) && isLiteral(?label))
  FILTER(CONTAINS(LCASE(STR(?label)), ?needle) || REGEX(STR(?label), "[^\\\\u0000-\\\\u007F]"))
}"""
"""ASCII labels are matched in SPARQL; labels with other letters go on to ``fold``."""
KIND_QUERY = """SELECT ?s ?t WHERE { ?s a ?t .
  FILTER NOT EXISTS { ?s a ?u . ?u <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?t . FILTER(?u != ?t) } }"""
HTML = Format("html", "HTML", "text/html", "html", "page")
JSON = Format("json", "JSON", "application/json", "json", "results")
RANKS = ("exact", "prefix", "contains", "similar")
PAGE = 50
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Lower case without accents, for comparing names.

    >>> fold("Lüken-Klaßen, Wrocław")
    'luken-klassen, wroclaw'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


@dataclass(frozen=True)
class Hit:
    """A resource found by one of its names."""

    iri: str
    label: Label | None
    matched: str
    match: str  # exact, prefix, contains or similar
    type_iri: str = ""
    type_name: str = ""


@dataclass
class Lookup:
    """One-hop look-ups in the store for one page: names (cached) in the reader's languages."""

    state: AppState
    languages: Sequence[str]
    _labels: dict[str, Label | None] = field(default_factory=dict)

    def term(self, local: str) -> pyoxigraph.NamedNode:
        """A term of the dataset's own vocabulary, under its base."""
        return pyoxigraph.NamedNode(self.state.kg.base + "def/" + local)

    def triples(self, s: Any = None, p: Any = None, o: Any = None) -> list[tuple[Any, Any, Any]]:
        """Distinct (s, p, o) of one pattern; given terms are bound with substitutions."""
        given = {pyoxigraph.Variable(k): v for k, v in (("s", s), ("p", p), ("o", o)) if v is not None}
        rows = self.state.store.select("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions=given)
        return [(row["s"], row["p"], row["o"]) for row in solutions(rows)]

    def objects(self, subject: str, predicate: pyoxigraph.NamedNode) -> list[Any]:
        """The values of one property of a resource, in a stable order."""
        found = [o for _, _, o in self.triples(pyoxigraph.NamedNode(subject), predicate)]
        return sorted(found, key=lambda term: term.value)

    def subjects(self, predicate: pyoxigraph.NamedNode, obj: str) -> list[str]:
        """The IRIs that point at a resource with one property, sorted."""
        found = self.triples(None, predicate, pyoxigraph.NamedNode(obj))
        return sorted({s.value for s, _, _ in found if isinstance(s, pyoxigraph.NamedNode)})

    def value(self, subject: str, predicate: pyoxigraph.NamedNode) -> str | None:
        """The first value (lexical form or IRI) of a property, or None."""
        values = self.objects(subject, predicate)
        return values[0].value if values else None

    def label(self, iri: str) -> Label | None:
        """The resource's name by the language rule, or None when it has none."""
        if iri not in self._labels:
            rows = [(p.value, o) for _, p, o in self.triples(pyoxigraph.NamedNode(iri))]
            found = [
                (o.value, o.language or "")
                for prop in NAME_PROPERTIES
                for p, o in sorted(rows, key=lambda row: row[1].value)
                if p == prop and isinstance(o, pyoxigraph.Literal)
            ]
            self._labels[iri] = pick_label(found, self.languages)
        return self._labels[iri]

    def name(self, iri: str) -> str:
        """The label text, else the IRI in its compact form."""
        label = self.label(iri)
        return label.text if label else self.compact(iri)

    def compact(self, iri: str) -> str:
        """``prefix:local`` with the dataset's prefixes, ``kind/slug`` for its things, or the IRI."""
        if iri.startswith(self.state.kg.base + "id/"):
            return iri[len(self.state.kg.base) + 3 :]
        for prefix, namespace in self._prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def kind(self, iri: str) -> str:
        """The most specific class of a resource (the dataset's own first, then by IRI), or ''."""
        rows = self.state.store.select(KIND_QUERY, substitutions={pyoxigraph.Variable("s"): pyoxigraph.NamedNode(iri)})
        found = sorted({row["t"].value for row in solutions(rows) if isinstance(row["t"], pyoxigraph.NamedNode)})
        found = found or [o.value for o in self.objects(iri, pyoxigraph.NamedNode(RDF + "type"))]
        return min(found, key=lambda t: (not t.startswith(self.state.kg.base), t), default="")

    @cached_property
    def _prefixes(self) -> list[tuple[str, str]]:
        bound = [(prefix, str(namespace)) for prefix, namespace in self.state.kg.dataset.namespaces() if prefix]
        return sorted(bound, key=lambda pair: -len(pair[1]))


def solutions(results: object) -> Iterable[pyoxigraph.QuerySolution]:
    """The rows of a SELECT result."""
    if not isinstance(results, pyoxigraph.QuerySolutions):
        raise TypeError("expected SELECT results")
    return results


def find(current: AppState, text: str, languages: Sequence[str]) -> list[Hit]:
    """Resources with a name containing the text, best first (exact, prefix, contains)."""
    lookup = Lookup(current, languages)
    return [_hit(lookup, iri, matched, rank) for iri, matched, rank in ranked(current, text)]


def ranked(current: AppState, text: str) -> list[tuple[str, str, int]]:
    """(IRI, the name that matched, rank) of every resource with a name containing the text."""
    needle = fold(" ".join(text.split()))
    if not needle:
        return []
    substitutions = _everything(current) | {pyoxigraph.Variable("needle"): pyoxigraph.Literal(needle)}
    best: dict[str, tuple[int, int, str]] = {}
    for row in solutions(current.store.select(SEARCH_QUERY, substitutions=substitutions)):
        name, folded = row["label"].value, fold(row["label"].value)
        rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2 if needle in folded else None
        key = (rank, len(name), name) if rank is not None else None
        if key and (row["s"].value not in best or key < best[row["s"].value]):
            best[row["s"].value] = key
    ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(iri, matched, rank) for iri, (rank, _, matched) in ordered]


def _hit(lookup: Lookup, iri: str, matched: str, rank: int) -> Hit:
    """A hit with its display name and its most specific class."""
    kind = lookup.kind(iri)
    return Hit(iri, lookup.label(iri), matched, RANKS[rank], kind, lookup.name(kind) if kind else "resources")


def similar_labels(current: AppState, text: str, languages: Sequence[str], limit: int) -> list[Hit]:
    """Names like the text: those containing it first, then near matches (difflib)."""
    words = " ".join(text.replace("-", " ").replace("_", " ").split())
    hits = find(current, words, languages)[:limit]
    if len(hits) >= limit or not words:
        return hits
    names: dict[str, tuple[str, str]] = {}
    for row in solutions(current.store.select(SEARCH_QUERY, substitutions=_everything(current))):
        names.setdefault(fold(row["label"].value), (row["s"].value, row["label"].value))
    seen = {hit.iri for hit in hits}
    lookup = Lookup(current, languages)
    for near in difflib.get_close_matches(fold(words), list(names), n=limit * 4, cutoff=0.6):
        iri, name = names[near]
        if iri not in seen and len(hits) < limit:
            seen.add(iri)
            hits.append(_hit(lookup, iri, name, 3))
    return hits


def _everything(current: AppState) -> dict[pyoxigraph.Variable, object]:
    """Substitutions that make SEARCH_QUERY return every name (the empty needle)."""
    local_name = pyoxigraph.NamedNode(current.kg.base + "def/localName")
    acronym = pyoxigraph.NamedNode(current.kg.base + "def/acronym")
    return {
        pyoxigraph.Variable("needle"): pyoxigraph.Literal(""),
        pyoxigraph.Variable("localName"): local_name,
        pyoxigraph.Variable("acronym"): acronym,
    }


def group_by_type(hits: Iterable[Hit]) -> list[tuple[str, str, list[Hit]]]:
    """(type IRI, type name, hits) in the order of each group's best hit."""
    groups: dict[str, tuple[str, str, list[Hit]]] = {}
    for hit in hits:
        groups.setdefault(hit.type_iri, (hit.type_iri, hit.type_name, []))[2].append(hit)
    return list(groups.values())


def reader_languages() -> list[str]:
    """?lang= first, then Accept-Language, then English (as the resource pages do)."""
    chosen = [request.args["lang"]] if request.args.get("lang") else []
    chosen += [lang for lang, _ in request.accept_languages if lang != "*"]
    return [*dict.fromkeys(code.lower() for code in chosen), "en"]


@blueprint.get("/search")
def search() -> Response:
    """Search by name: HTML with the search box for browsers, JSON for programs."""
    text = request.args.get("q", "").strip()
    offset = max(request.args.get("offset", 0, type=int), 0)
    found = ranked(state(), text)
    lookup, urls = Lookup(state(), reader_languages()), Urls(state().kg.base)
    shown = [_hit(lookup, iri, matched, rank) for iri, matched, rank in found[offset : offset + PAGE]]
    page = {"q": text, "total": len(found), "offset": offset, "limit": PAGE}
    if negotiate(request.headers.get("Accept"), (HTML, JSON)) is JSON:
        body = page | {"results": [_json(hit, urls) for hit in shown]}
        response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    else:
        context = page | pages(text, offset, len(found)) | {"groups": group_by_type(shown), "urls": urls}
        response = Response(render_template("search.html", shown=len(shown), **context), mimetype="text/html")
    response.vary.add("Accept")
    return response


def pages(text: str, offset: int, total: int) -> dict[str, str | None]:
    """Links to the previous and next page of hits, when there are some."""
    previous = "?" + urlencode({"q": text, "offset": max(offset - PAGE, 0)}) if offset > 0 else None
    following = "?" + urlencode({"q": text, "offset": offset + PAGE}) if offset + PAGE < total else None
    return {"previous": previous, "next": following}


def _json(hit: Hit, urls: Urls) -> dict[str, object]:
    label = hit.label
    return {
        "iri": hit.iri,
        "label": label.text if label else None,
        "lang": label.lang if label else None,
        "matched": hit.matched,
        "match": hit.match,
        "type": hit.type_iri or None,
        "typeLabel": hit.type_name,
        "url": urls.link(hit.iri),
    }
