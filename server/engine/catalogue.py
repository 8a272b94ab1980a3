"""The named queries of queries/: one ``.rq`` file each, with a ``#+`` metadata header.

Header lines (grlc's ``#+`` convention)::

    #+ title: Publications about a city
    #+ description: Every publication about the city, newest first.
    #+ param city: iri, required -- The city, e.g. https://w3id.org/clip-network/id/city/vienna
    #+ param module: integer = 3 -- The module number (1 to 4)
    #+ example city: https://w3id.org/clip-network/id/city/vienna

``example`` lines give a value for a parameter that the documentation, the OpenAPI
document and the benchmark use; they are checked like request values.

Parameter values from a request are validated into RDF terms and bound with Oxigraph's
substitutions (SPARQL SEP-0007): request text never becomes query text. A substituted
variable behaves like a variable bound by a join, not like text replacement: it must be
projected by the SELECT, it restricts triple patterns, paths and BINDs, but BOUND() and
FILTERs inside OPTIONAL do not see it. Every query is run with its example values when
the server starts, so a query that breaks these rules stops the start, not a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib.plugins.sparql.parser import parseQuery

from server.config import PROJECT_ROOT
from server.engine.terms import Iri, Literal, Term
from server.errors import BadInput, NotFound
from server.namespaces import CANONICAL_BASE

QUERIES_DIR = PROJECT_ROOT / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER_TYPES = {
    "iri": None,
    "string": XSD + "string",
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "boolean": XSD + "boolean",
    "date": XSD + "date",
    "year": XSD + "gYear",
    "language": None,
}
LEXICAL = {
    "integer": re.compile(r"[+-]?\d+"),
    "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "boolean": re.compile(r"true|false|1|0"),
    "date": re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"),
    "year": re.compile(r"-?\d{4,}"),
    "language": re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*"),
}
RESERVED_NAMES = frozenset({"format", "output", "results"})
"""URL parameters that choose the response format, so no query parameter may use them."""
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
PARAM_LINE = re.compile(
    r"param\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?P<type>[a-z]+)"
    r"(?P<required>\s*,\s*required)?(\s*=\s*(?P<default>[^\s-][^ ]*))?\s*(--\s*(?P<description>.*))?$"
)


@dataclass(frozen=True)
class Parameter:
    """A typed parameter of a named query."""

    name: str
    type: str
    required: bool
    default: str | None
    description: str

    def bind(self, raw: str) -> Iri | Literal:
        """Validate a request value and make it an RDF term of the declared type.

        >>> Parameter("n", "integer", False, None, "").bind("3")
        Literal(value='3', language='', datatype='http://www.w3.org/2001/XMLSchema#integer')
        """
        value = raw.strip()
        if self.type == "iri":
            if not IRI.fullmatch(value):
                raise BadInput(f"parameter {self.name!r} must be an absolute IRI, not {raw!r}")
            return Iri(value)
        pattern = LEXICAL.get(self.type)
        if pattern is not None and not pattern.fullmatch(value):
            raise BadInput(f"parameter {self.name!r} must be a {self.type}, not {raw!r}")
        if self.type == "language":
            return Literal(value.lower())
        return Literal(value, datatype=PARAMETER_TYPES[self.type] or XSD + "string")


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue with its metadata."""

    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...]
    examples: tuple[tuple[str, str], ...] = ()

    def substitutions(self, values: Mapping[str, str]) -> dict[str, Term]:
        """The variable bindings for the given request values, defaults applied.

        Raises:
            BadInput: an unknown parameter, a missing required one, or a value of the wrong type.
        """
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            expected = ", ".join(sorted(known)) or "none"
            raise BadInput(f"unknown parameter(s) {', '.join(unknown)} for query {self.name!r} (expected: {expected})")
        bindings: dict[str, Term] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name, parameter.default)
            if raw is None or raw == "":
                if parameter.required:
                    raise BadInput(f"query {self.name!r} needs the parameter {parameter.name!r}")
                continue
            bindings[parameter.name] = parameter.bind(raw)
        return bindings


def parse_query_file(path: Path, base: str = CANONICAL_BASE) -> NamedQuery:
    """Read a query file: its header, its parameters, and its text moved to ``base``.

    Raises:
        BadInput: the header is malformed or the query does not parse (path and reason).
    """
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    parameters = []
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        body = line[2:].strip()
        if body.startswith("param "):
            parameters.append(_parameter(path, number, body))
        elif body.startswith("example "):
            name, _, value = body[len("example ") :].partition(":")
            examples.append((name.strip(), value.strip()))
        else:
            key, _, value = body.partition(":")
            meta[key.strip()] = value.strip()
    if "title" not in meta:
        raise BadInput(f"{path}: the header needs a '#+ title:' line")
    try:
        parseQuery(text)
    except Exception as error:  # pyparsing's ParseException and friends
        raise BadInput(f"{path}: the query does not parse: {error}") from None
    moved = text.replace(CANONICAL_BASE, base) if base != CANONICAL_BASE else text
    moved_examples = tuple((name, value.replace(CANONICAL_BASE, base)) for name, value in examples)
    query = NamedQuery(path.stem, meta["title"], meta.get("description", ""), moved, tuple(parameters), moved_examples)
    parameters_by_name = {p.name: p for p in query.parameters}
    for name, value in query.examples:
        if name not in parameters_by_name:
            raise BadInput(f"{path}: an example is given for {name!r}, which is not a parameter")
        parameters_by_name[name].bind(value)
    return query


def _parameter(path: Path, number: int, body: str) -> Parameter:
    match = PARAM_LINE.match(body)
    if match is None:
        raise BadInput(f"{path}, line {number}: malformed parameter line {body!r}")
    kind = match["type"]
    if kind not in PARAMETER_TYPES:
        raise BadInput(f"{path}, line {number}: unknown parameter type {kind!r} (known: {', '.join(PARAMETER_TYPES)})")
    if match["name"] in RESERVED_NAMES:
        raise BadInput(f"{path}, line {number}: {match['name']!r} is reserved for the response format")
    parameter = Parameter(match["name"], kind, bool(match["required"]), match["default"], match["description"] or "")
    if parameter.default is not None:
        parameter.bind(parameter.default)
    return parameter


def catalogue(folder: Path = QUERIES_DIR, base: str = CANONICAL_BASE) -> dict[str, NamedQuery]:
    """All named queries, by name, parsed and checked once."""
    return {q.name: q for q in (parse_query_file(p, base) for p in sorted(folder.glob("*.rq")))}


def resolve(query_or_name: str, folder: Path = QUERIES_DIR) -> tuple[str, NamedQuery | None]:
    """The query text, and the named query when a name was given.

    ``query_or_name`` is the name of a query in queries/, a path to a ``.rq`` file, or
    the text of a query.
    """
    if query_or_name.endswith(".rq") and "{" not in query_or_name:
        path = Path(query_or_name)
        if not path.is_file():
            raise NotFound(f"no query file {path}")
        return path.read_text(encoding="utf-8"), None
    if re.fullmatch(r"[A-Za-z0-9_]+", query_or_name):
        queries = catalogue(folder)
        named = queries.get(query_or_name)
        if named is None:
            raise NotFound(f"no named query {query_or_name!r} (known: {', '.join(sorted(queries))})")
        return named.text, named
    return query_or_name, None
