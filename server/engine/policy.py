"""What the read-only public endpoint refuses, decided on the parsed query.

SERVICE would make the server fetch any address a client names (pyoxigraph does fetch
it), so federated queries are refused by default; SPARQL Update is refused everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from server.errors import Forbidden, QuerySyntaxError

SERVICE_WORD = re.compile(r"service", re.IGNORECASE)


def check_query(query: str) -> None:
    """Refuse federated queries (SERVICE) before they run.

    Only queries that contain the word are parsed here, so the common case costs nothing.

    Raises:
        Forbidden: the query uses SERVICE, or uses the word in a way that cannot be checked.
    """
    if not SERVICE_WORD.search(query):
        return
    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception:  # rdflib cannot parse it: do not let it run unchecked
        raise Forbidden(
            "the query mentions SERVICE and could not be checked; federated queries are disabled here"
        ) from None
    if _has_service(algebra):
        raise Forbidden("federated queries (SERVICE) are disabled on this endpoint")


def _has_service(node: object) -> bool:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_has_service(value) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(_has_service(item) for item in node)
    return False


def explain_syntax_error(query: str) -> None:
    """After a syntax error: if the text is a SPARQL Update, say that updates are refused.

    Raises:
        Forbidden: the text parses as an update.
    """
    try:
        parseUpdate(query)
    except Exception:  # not an update either: the caller reports the query syntax error
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
