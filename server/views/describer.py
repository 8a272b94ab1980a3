"""Nodes as pages show them: the ``Describer`` that page models and citations read through.

A ``Lookup`` (names in the reader's languages) that also turns engine terms into ``Term``
(what a template shows: text, link, language, datatype) and names the sources of a resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

from server.engine.terms import Iri, sparql_term
from server.engine.terms import Literal as LiteralTerm
from server.engine.terms import Term as EngineTerm
from server.urls import is_web_url
from server.views.naming import DCT, Label, Lookup, natural
from server.views.published import Published

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Term:
    """A node as a page shows it: ``kind`` is iri, literal or bnode; ``text`` is what is read."""

    kind: str
    value: str
    text: str
    label: Label | None = None
    lang: str = ""
    datatype: str = ""
    is_url: bool = False
    """A literal that is an http(s) URL, shown as a link (``urls.is_web_url``)."""


@dataclass(frozen=True)
class SourceRef:
    """A source of a statement: its IRI, its register ID (S24) or short name, and its full name."""

    iri: str
    text: str
    name: str


class Describer(Lookup):
    """A Lookup that also turns nodes into ``Term`` and names the sources of a resource."""

    def __init__(self, data: Published, languages: list[str]):
        super().__init__(data, languages)
        self.urls = data.urls
        self._sources: dict[str, tuple[SourceRef, ...]] = {}

    def view(self, node: EngineTerm) -> Term:
        """How a page shows a node."""
        if isinstance(node, Iri):
            return Term("iri", node.value, self.name(node.value), self.label(node.value))
        if isinstance(node, LiteralTerm):
            shown = "" if node.language or node.datatype == XSD + "string" else self.compact(node.datatype)
            return Term(
                "literal", node.value, node.value, lang=node.language, datatype=shown, is_url=is_web_url(node.value)
            )
        return Term("bnode", f"_:{node.value}", f"_:{node.value}")

    def view_iri(self, iri: str) -> Term:
        """How a page shows a resource named by its IRI."""
        return self.view(Iri(iri))

    def classes(self, iri: str) -> set[str]:
        """Every class of a resource, with their superclasses from the ontology if it is loaded."""
        query = (
            "SELECT ?s ?c WHERE { { ?s a ?c } UNION { ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?c } }"
        )
        return {row["c"].value for row in self.data.engine.rows(query, s=Iri(iri)) if isinstance(row.get("c"), Iri)}

    def sources(self, iri: str) -> tuple[SourceRef, ...]:
        """The resource's dcterms:source, by register ID (S2 before S10)."""
        if iri not in self._sources:
            found = [o.value for o in self.objects(iri, Iri(DCT + "source"))]
            refs = [SourceRef(s, self._short(s), self.name(s)) for s in found]
            self._sources[iri] = tuple(sorted(refs, key=lambda ref: natural(ref.text)))
        return self._sources[iri]

    def _short(self, source: str) -> str:
        """clip:sourceId, else the last segment of the IRI."""
        return self.value(source, self.term("sourceId")) or source.rstrip("/#").rsplit("/", 1)[-1]

    def with_terms(self, template: str) -> str:
        """A query whose ``{local}`` fields are the dataset's own terms (``term``), written as IRIs."""
        fields = {name for _, name, _, _ in Formatter().parse(template) if name}
        return template.format(**{name: sparql_term(self.term(name)) for name in fields})


def term_key(term: Term | EngineTerm) -> tuple[str, str, str]:
    """What makes two values the same: value, language (case-blind) and datatype."""
    if isinstance(term, Term):
        return term.value, term.lang.lower(), term.datatype
    if isinstance(term, LiteralTerm):  # engines differ on whether a plain or tagged literal names its datatype
        return term.value, term.language.lower(), "" if term.language else term.datatype or XSD + "string"
    return term.value, "", ""
