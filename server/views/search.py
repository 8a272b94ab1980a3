"""Finding resources by their names, ignoring case and accents.

Matches rdfs:label, skos:prefLabel, skos:altLabel, foaf:name, clip:localName,
clip:acronym and dcterms:title: the text is bound to the query with substitutions,
SPARQL keeps the labels that contain it (LCASE) or that have non-ASCII letters, and
Python folds accents away. Hits are ranked exact, prefix, contains (then "similar",
near matches for 404 suggestions) and grouped by type.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.engine.terms import Iri, Literal, Term
from server.views.naming import Label, Lookup, fold
from server.views.published import Published

SEARCH_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label ?needle ?localName ?acronym WHERE {
  ?s ?p ?label .
  FILTER(?p IN (rdfs:label, skos:prefLabel, skos:altLabel, <http://xmlns.com/foaf/0.1/name>,
                <http://purl.org/dc/terms/title>, ?localName, ?acronym))
  FILTER(isIRI(?s) && isLiteral(?label))
  FILTER(STRLEN(?needle) = 0 || CONTAINS(LCASE(STR(?label)), ?needle) || REGEX(STR(?label), "[^\\u0001-\\u007F]"))
}"""
"""ASCII labels are matched in SPARQL; labels with other letters go on to ``fold``. The class is
written with SPARQL string escapes, which the query parser turns into the characters: Virtuoso's
PCRE refuses ``\\u`` in a pattern. The empty needle is tested apart: Virtuoso 7.2 finds "" in no string."""
RANKS = ("exact", "prefix", "contains", "similar")


@dataclass(frozen=True)
class Hit:
    """A resource found by one of its names."""

    iri: str
    label: Label | None
    matched: str
    match: str  # exact, prefix, contains or similar
    type_iri: str = ""
    type_name: str = ""


def find(data: Published, text: str, languages: Sequence[str]) -> list[Hit]:
    """Resources with a name containing the text, best first (exact, prefix, contains)."""
    lookup = Lookup(data, languages)
    return [hit(lookup, iri, matched, rank) for iri, matched, rank in ranked(data, text)]


def ranked(data: Published, text: str) -> list[tuple[str, str, int]]:
    """(IRI, the name that matched, rank) of every resource with a name containing the text."""
    needle = fold(" ".join(text.split()))
    if not needle:
        return []
    best: dict[str, tuple[int, int, str]] = {}
    for row in data.engine.rows(SEARCH_QUERY, **(_everything(data) | {"needle": Literal(needle)})):
        name, folded = row["label"].value, fold(row["label"].value)
        rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2 if needle in folded else None
        key = (rank, len(name), name) if rank is not None else None
        if key and (row["s"].value not in best or key < best[row["s"].value]):
            best[row["s"].value] = key
    ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(iri, matched, rank) for iri, (rank, _, matched) in ordered]


def hit(lookup: Lookup, iri: str, matched: str, rank: int) -> Hit:
    """A hit with its display name and its most specific class."""
    kind = lookup.kind(iri)
    return Hit(iri, lookup.label(iri), matched, RANKS[rank], kind, lookup.name(kind) if kind else "resources")


def similar_labels(data: Published, text: str, languages: Sequence[str], limit: int) -> list[Hit]:
    """Names like the text: those containing it first, then near matches (difflib)."""
    words = " ".join(text.replace("-", " ").replace("_", " ").split())
    hits = find(data, words, languages)[:limit]
    if len(hits) >= limit or not words:
        return hits
    names: dict[str, tuple[str, str]] = {}
    for row in data.engine.rows(SEARCH_QUERY, **_everything(data)):
        names.setdefault(fold(row["label"].value), (row["s"].value, row["label"].value))
    seen = {found.iri for found in hits}
    lookup = Lookup(data, languages)
    for near in difflib.get_close_matches(fold(words), list(names), n=limit * 4, cutoff=0.6):
        iri, name = names[near]
        if iri not in seen and len(hits) < limit:
            seen.add(iri)
            hits.append(hit(lookup, iri, name, 3))
    return hits


def _everything(data: Published) -> dict[str, Term]:
    """Substitutions that make SEARCH_QUERY return every name (the empty needle)."""
    return {
        "needle": Literal(""),
        "localName": Iri(data.base + "def/localName"),
        "acronym": Iri(data.base + "def/acronym"),
    }


def group_by_type(hits: Iterable[Hit]) -> list[tuple[str, str, list[Hit]]]:
    """(type IRI, type name, hits) in the order of each group's best hit."""
    groups: dict[str, tuple[str, str, list[Hit]]] = {}
    for found in hits:
        groups.setdefault(found.type_iri, (found.type_iri, found.type_name, []))[2].append(found)
    return list(groups.values())
