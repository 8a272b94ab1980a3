"""RDF terms as the engine hands them to the layers above, whatever the backend.

Plain frozen values: they compare, hash and pickle (they cross the pipe to the query
processes), and nothing above the engine depends on a backend's own term types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class Iri:
    """An IRI (RDF 1.1 named node)."""

    value: str


@dataclass(frozen=True, slots=True)
class BlankNode:
    """A blank node, by its label in one answer."""

    value: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal: lexical form, language tag ('' when none) and datatype IRI.

    >>> Literal("Wien", language="de").datatype == RDF_LANG_STRING
    True
    >>> Literal("3").datatype == XSD_STRING
    True
    """

    value: str
    language: str = ""
    datatype: str = ""

    def __post_init__(self) -> None:
        if not self.datatype:
            object.__setattr__(self, "datatype", RDF_LANG_STRING if self.language else XSD_STRING)


Term = Iri | BlankNode | Literal
Row = dict[str, Term]
"""One solution of a SELECT: variable name (without ?) → bound term; unbound variables are absent."""


class Rows(list[Row]):
    """The solutions of a SELECT, with its projected variables in order (the results' head).

    >>> Rows(("s", "label"), [{"s": Iri("x")}]).variables
    ('s', 'label')
    """

    def __init__(self, variables: tuple[str, ...], solutions: list[Row]):
        super().__init__(solutions)
        self.variables = variables


@dataclass(frozen=True, slots=True)
class Quad:
    """A triple and the graph holding it: the graph's IRI, or '' for the default graph."""

    subject: Iri | BlankNode
    predicate: Iri
    object: Term
    graph: str


@dataclass(frozen=True, slots=True)
class Triple:
    """A triple of a CONSTRUCT or DESCRIBE answer."""

    subject: Iri | BlankNode
    predicate: Iri
    object: Term


def sparql_term(term: Term) -> str:
    """A term in SPARQL syntax.

    >>> sparql_term(Literal('say "hi"\\n', datatype="http://www.w3.org/2001/XMLSchema#string"))
    '"say \\\\"hi\\\\"\\\\n"'
    """
    if isinstance(term, Iri):
        if re.search(r'[<>"{}|^`\\\s]', term.value):
            raise ValueError(f"not an IRI that can be written in a query: {term.value!r}")
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        raise ValueError("a blank node cannot be written in a query: its label is the store's own")
    text = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype in ("", "http://www.w3.org/2001/XMLSchema#string"):
        return f'"{text}"'
    return f'"{text}"^^{sparql_term(Iri(term.datatype))}'
