"""Facets over the columns of a named query's answer: its rows narrowed by the values of their cells.

A column is a facet when it groups the rows: it has at least 2 and at most ``MAX_VALUES`` distinct
values and some value is shared by two rows (an identifier or a free text is not a facet), or when a
filter names it. A filter is ``f.COLUMN=VALUE`` (the value's lexical form, or the IRI); filters combine
with AND, so two values of one column keep no row (a cell holds one term). The answer is computed once
per load and narrowed here, so counting a state costs no query.

The same state as SPARQL (``equivalent_query``), for the query editor and the filtered CSV: the named
query with its parameters bound as VALUES, run as a sub-select whose filtered columns must be bound,
then a trailing VALUES clause (SPARQL 1.1, 18.2.4.3: joined with the solutions) listing the answer's
own terms of each filtered column. The guard is needed because a join keeps a solution whose variable
is unbound, filled in with each row of the VALUES: the named query alone followed by VALUES would
return the rows without a value in that column too, once per VALUES row.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from server.engine.lexer import scan
from server.engine.remote import with_values
from server.engine.terms import BlankNode, Iri, Rows, Term, sparql_term
from server.errors import BadInput
from server.views.facets import (
    FILTER_PREFIX,
    GEO,
    NONE,
    WELL_FORMED_IRI,
    FacetMap,
    FacetView,
    ValueView,
    number,
    places_map,
    toggled,
)
from server.views.naming import Lookup
from server.views.published import Published

MAX_VALUES = 50
"""A column with more distinct values does not group the rows: it is not a facet."""
NOTHING = "<urn:clip-kg:nothing>"
"""A second never-matching row when a VALUES clause would hold only ``NONE`` (Virtuoso 7.2: one-row VALUES)."""
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
MAP_IRIS = 2_000
"""Resources of a result whose coordinates are looked up for its map at most, the most frequent first."""
COORDINATES = """SELECT ?place ?lat ?long WHERE {{
  VALUES ?place {{ {places} {none} }} ?place <{geo}lat> ?lat ; <{geo}long> ?long
}}"""


@dataclass(frozen=True)
class ColumnFilter:
    """One step of narrowing: the rows whose cell in ``column`` has this lexical form (or IRI)."""

    column: str
    value: str

    @property
    def parameter(self) -> tuple[str, str]:
        """The URL parameter that names this filter."""
        return FILTER_PREFIX + self.column, self.value


@dataclass(frozen=True)
class ColumnState:
    """A named query's answer narrowed by filters: the rows left, the facets with their counts, and
    the filters whose value no row of the whole answer has (why the result is empty)."""

    answer: Rows
    rows: Rows
    filters: tuple[ColumnFilter, ...]
    facets: tuple[FacetView, ...]
    unmatched: tuple[ColumnFilter, ...]
    query: str


def parse_column_filters(parameters: Iterable[tuple[str, str]], variables: Sequence[str]) -> tuple[ColumnFilter, ...]:
    """The filters named by the ``f.`` parameters of a URL, in order, without repeats.

    >>> parse_column_filters([("f.country", "AT"), ("year", "2009")], ("city", "country"))
    (ColumnFilter(column='country', value='AT'),)

    Raises:
        BadInput: a column the answer does not have, or a value longer than 2,000 characters.
    """
    found: list[ColumnFilter] = []
    for name, value in parameters:
        if not name.startswith(FILTER_PREFIX):
            continue
        column = name[len(FILTER_PREFIX) :]
        if column not in variables:
            listed = ", ".join(variables) or "none"
            raise BadInput(f"the result of this query has no column {column[:100]!r} to filter on (columns: {listed})")
        if len(value) > 2_000:
            raise BadInput(f"a value of the column {column!r} to filter on must have at most 2,000 characters")
        chosen = ColumnFilter(column, value)
        if chosen not in found:
            found.append(chosen)
    return tuple(found)


def passes(row: Mapping[str, Term], filters: Sequence[ColumnFilter]) -> bool:
    """Whether the row's cells have every filter's value (an empty cell has none)."""
    return all((term := row.get(f.column)) is not None and term.value == f.value for f in filters)


def narrowed(answer: Rows, filters: Sequence[ColumnFilter]) -> Rows:
    """The rows of the answer passing every filter, in the answer's order."""
    return Rows(answer.variables, [row for row in answer if passes(row, filters)])


def facet_columns(answer: Rows) -> tuple[str, ...]:
    """The columns that group the answer's rows: 2 to ``MAX_VALUES`` distinct values, one shared, no blank node."""
    chosen = []
    for variable in answer.variables:
        terms = [term for row in answer if (term := row.get(variable)) is not None]
        counts = Counter(term.value for term in terms)
        grouping = 2 <= len(counts) <= MAX_VALUES and max(counts.values()) > 1
        if grouping and not any(isinstance(term, BlankNode) for term in terms):
            chosen.append(variable)
    return tuple(chosen)


def column_state(
    published: Published,
    answer: Rows,
    filters: tuple[ColumnFilter, ...],
    text: str,
    bindings: Mapping[str, Term],
    languages: Sequence[str],
) -> ColumnState:
    """The state of a named query's answer (``text`` run with ``bindings``) narrowed by ``filters``, values
    named in the reader's ``languages``.

    Raises:
        BadInput: a filter on a column of blank nodes (a query cannot name them).
    """
    rows = narrowed(answer, filters)
    lookup = Lookup(published, languages)
    columns = [*facet_columns(answer), *(f.column for f in filters)]
    views = [_facet(lookup, column, rows, filters) for column in dict.fromkeys(columns)]
    unmatched = tuple(f for f in filters if not any(passes(row, (f,)) for row in answer))
    query = equivalent_query(text, bindings, answer, filters)
    return ColumnState(answer, rows, filters, tuple(v for v in views if v.values), unmatched, query)


def _facet(lookup: Lookup, column: str, rows: Rows, filters: Sequence[ColumnFilter]) -> FacetView:
    """A column's values among the rows, most frequent first: those that narrow, and the chosen ones."""
    counts: Counter[str] = Counter()
    example: dict[str, Term] = {}
    for row in rows:
        if (term := row.get(column)) is not None:
            counts[term.value] += 1
            example.setdefault(term.value, term)
    chosen = {f.value for f in filters if f.column == column}
    lookup.name_all(value for value, term in example.items() if isinstance(term, Iri))
    values = []
    for value, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])):
        if count == len(rows) and value not in chosen:
            continue  # every row has it: it does not narrow
        selected = value in chosen
        parameters = toggled([f.parameter for f in filters], (FILTER_PREFIX + column, value), selected)
        values.append(ValueView(value, cell_label(lookup, example[value]), count, selected, parameters))
    return FacetView(column, "column", column, tuple(values), 0)


def cell_label(lookup: Lookup, term: Term) -> str:
    """How a cell's value reads: a resource by its name, an empty string as such, else its lexical form."""
    if isinstance(term, Iri):
        return lookup.name(term.value)
    return term.value if term.value else "(empty)"


def equivalent_query(text: str, bindings: Mapping[str, Term], answer: Rows, filters: Sequence[ColumnFilter]) -> str:
    """The SPARQL whose answer is the narrowed rows (see the module): parameters bound, filters as VALUES.

    >>> from server.engine.terms import Literal
    >>> answer = Rows(("s", "n"), [{"s": Iri("http://e/a"), "n": Literal("1", datatype=XSD_INTEGER)}])
    >>> print(equivalent_query("SELECT ?s ?n WHERE { ?s ?p ?n }", {}, answer, [ColumnFilter("n", "1")]))
    SELECT ?s ?n WHERE {
      {
        SELECT ?s ?n WHERE { ?s ?p ?n }
      }
      FILTER(BOUND(?n))
    }
    VALUES (?n) {
      ("1"^^<http://www.w3.org/2001/XMLSchema#integer>)
      (<urn:clip-kg:none>)
    }
    """
    bound = with_values(text, bindings)
    if not filters:
        return bound
    columns = list(dict.fromkeys(f.column for f in filters))
    form = scan(bound).query_form
    prologue, body = bound[:form].rstrip(), bound[form:].strip()
    projected = " ".join(f"?{variable}" for variable in answer.variables)
    guard = " && ".join(f"BOUND(?{column})" for column in columns)
    lines = [
        *([prologue] if prologue else []),
        f"SELECT {projected} WHERE {{",
        "  {",
        "    " + body.replace("\n", "\n    "),
        "  }",
        f"  FILTER({guard})",
        "}",
        f"VALUES ({' '.join(f'?{column}' for column in columns)}) {{",
        *(f"  ({' '.join(row)})" for row in _values_rows(answer, filters, columns)),
        "}",
    ]
    return "\n".join(lines)


def _values_rows(answer: Rows, filters: Sequence[ColumnFilter], columns: Sequence[str]) -> list[tuple[str, ...]]:
    """The rows of the trailing VALUES: every combination of the answer's terms the filters name, then
    never-matching rows so that there are at least two."""
    choices = []
    for column in columns:
        wanted = {f.value for f in filters if f.column == column}
        terms = {term for row in answer if (term := row.get(column)) is not None and {term.value} == wanted}
        if any(isinstance(term, BlankNode) for term in terms):
            raise BadInput(f"the column {column!r} holds blank nodes, which a query cannot name: it cannot be filtered")
        choices.append(sorted(sparql_term(term) for term in terms))
    rows = list(itertools.product(*choices))
    rows.append(tuple(NONE for _ in columns))
    if len(rows) < 2:
        rows.append(tuple(NOTHING for _ in columns))
    return rows


def result_map(published: Published, rows: Rows, languages: Sequence[str]) -> FacetMap | None:
    """The resources of the rows that have geo:lat and geo:long, each counted by the rows naming it; None
    without any."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update({term.value for term in row.values() if isinstance(term, Iri)})
    if not counts:
        return None
    listed = [iri for iri, _ in counts.most_common() if WELL_FORMED_IRI.fullmatch(iri)][:MAP_IRIS]
    places = " ".join(sparql_term(Iri(iri)) for iri in listed)
    found = published.engine.rows(COORDINATES.format(places=places, none=NONE, geo=GEO))
    located: dict[str, tuple[float, float, int]] = {}
    for row in found:
        place, lat, long = row.get("place"), number(row.get("lat")), number(row.get("long"))
        if isinstance(place, Iri) and lat is not None and long is not None and -90 <= lat <= 90:
            located[place.value] = (lat, long, counts[place.value])
    return places_map(published, located, languages)
