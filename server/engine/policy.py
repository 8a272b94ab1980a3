"""What the read-only public endpoint refuses before anything runs, decided on the query's text.

A query is measured first by a lexer that cannot overflow (``lexer.scan``): past a
nesting depth or a number of tokens it is refused before any parser reads it, since the
engine's recursive parser dies on a few thousand nested brackets. SERVICE would make the
server fetch any address a client names (pyoxigraph does fetch it), so federated queries
are refused; SPARQL Update is refused everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph
from rdflib.plugins.sparql.parser import parseUpdate

from server.engine.lexer import Scan, scan
from server.errors import BadInput, Forbidden, QuerySyntaxError

SERVICE_WORD = re.compile(r"service", re.IGNORECASE)
"""Without these letters in its text, a query cannot call SERVICE, however it is read."""


def check_query(query: str, max_depth: int, max_tokens: int) -> Scan:
    """Refuse a query that is empty, too deep or too long for the engine's parser, or federated.

    Raises:
        BadInput: only comments and whitespace; brackets nested deeper than ``max_depth``;
            more than ``max_tokens`` tokens (outside the rows of VALUES blocks).
        Forbidden: the query uses SERVICE, or mentions it where the lexer cannot tell.
    """
    found = scan(query, max_depth, max_tokens)
    if found.empty:
        raise BadInput("no query: the text has only comments and whitespace")
    if found.depth > max_depth:
        raise BadInput(
            f"the query nests brackets more than {max_depth} deep, the limit of this endpoint; "
            "flatten the query (nesting { }, ( ) and [ ] counts, and so does a run of !)"
        )
    if found.tokens > max_tokens:
        raise BadInput(
            f"the query has more than {max_tokens} tokens (keywords, terms, operators), the limit of this "
            "endpoint; the rows of a VALUES block do not count, so put long lists of terms there"
        )
    _check_service(query, found)
    return found


def _check_service(query: str, found: Scan) -> None:
    if found.service:
        raise Forbidden("federated queries (SERVICE) are disabled on this endpoint")
    if found.unsure and SERVICE_WORD.search(query):
        raise Forbidden(
            "the query mentions SERVICE next to a '<' that could be read as an IRI or as less-than, so it "
            "could not be checked; federated queries are disabled here (put spaces around '<')"
        )


def explain_syntax_error(query: str) -> None:
    """After a syntax error: if the text is a SPARQL Update, say that updates are refused.

    Raises:
        Forbidden: the text parses as an update.
    """
    try:
        update = parseUpdate(query)
    except Exception:  # not an update either: the caller reports the query syntax error
        return
    if "request" not in update:  # only a prologue: no operation, so no update either
        return
    raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")


def graph_iris(values: Sequence[str]) -> tuple[str, ...]:
    """Validate graph IRIs from a request (default-graph-uri, named-graph-uri).

    Raises:
        QuerySyntaxError: a value is not an absolute IRI.
    """
    checked = []
    for value in values:
        try:
            pyoxigraph.NamedNode(value)
        except ValueError:
            raise QuerySyntaxError(f"{value!r} is not a valid graph IRI") from None
        checked.append(value)
    return tuple(checked)
