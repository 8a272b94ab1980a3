"""Facets: a set of resources narrowed step by step, each step showing what is left, with counts.

The set is a *collection* (a browse list's class with its subclasses, or the hits of a search)
narrowed by *filters*, each a facet and a value. Which facets a collection offers is chosen from
its data once per load (``choose_facets``): the properties its resources have whose values are a
small set (at most ``MAX_VALUES`` distinct, some shared: types, modules, countries, publishers),
the years of its dates, the language tags of its names, and one hop further where a linked
resource has a grouping of its own (a publication's city's country). Names and descriptions
(language-tagged text, values each used once) are not facets.

A state (collection and filters) is counted with one SPARQL query per facet plus one for the
total, every one of them kept in ``FacetState.queries`` so that the JSON API can show what it
ran, and the items as one equivalent query (``items_query``) that the query editor can open.
Filters combine with AND, also within one facet: "authored for module 1 and module 2" is two
values of one facet. Everything is plain SPARQL 1.1 over the engine, so the remote engines
answer it as the embedded one does.

A filter is named in the URL as ``f.KEY=VALUE``: KEY is a property (a prefixed name or ``<IRI>``),
``year(PROPERTY)``, ``PROPERTY/PROPERTY`` (linked) or ``language``; ``from(PROPERTY)`` and
``to(PROPERTY)`` keep the items whose date falls in a range of years (inclusive).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from server.engine.terms import Iri, Literal, Term, sparql_term
from server.errors import BadInput, NotFound
from server.views.home import KINDS, typed
from server.views.maps import Basemap, basemap
from server.views.naming import DCT, RDF, RDFS, SKOS, Lookup
from server.views.published import Published

MAX_VALUES = 200
"""A property with more distinct values over the collection is not a facet (it names, it does not group)."""
SHOWN_VALUES = 12
"""Values of a facet listed at once, most frequent first; the rest behind "more"."""
LISTED_VALUES = 100
"""Values of a facet an answer carries at most (the JSON API and the page's "more")."""
MAX_FACETS = 16
LISTED_SET = 5_000
"""A filtered state with at most this many items has its facets counted over its items listed (``_listed_items``)."""
SEARCH_LIMIT = 5_000
"""Hits of a search that its facets count over (the best first)."""
MAP_POINTS = 400
"""Places a facet map draws at most, those holding the most resources of the set first."""
MAP_WIDTH = 420
FILTER_PREFIX = "f."
RANGES = ("from", "to")
"""Filters on a date's year that are not facets of their own: ``from(P)=2009``, ``to(P)=2012`` (inclusive)."""
LANGUAGE = "language"
XSD = "http://www.w3.org/2001/XMLSchema#"
DATES = {XSD + name for name in ("date", "dateTime", "gYear", "gYearMonth", "dateTimeStamp")}
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
PROV = "http://www.w3.org/ns/prov#"
TEXT = {
    RDFS + "label",
    RDFS + "comment",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    SKOS + "note",
    SKOS + "definition",
    DCT + "title",
    DCT + "description",
    DCT + "alternative",
    "http://xmlns.com/foaf/0.1/name",
}
"""Properties that name or describe: never facets, whatever their values."""
RECORD = {RDF + "type", DCT + "source", PROV + "wasDerivedFrom", "http://www.w3.org/2002/07/owl#sameAs"}
"""Properties about a linked resource's record rather than the resource: not followed one hop further."""
OWN_RECORD = ("evidenceLevel", "clipTie")
"""The same, in the dataset's own vocabulary (``{base}def/``): how well a statement is evidenced."""
LINKED_PER_PROPERTY = 2
"""Groupings of the linked resources offered per linking property, those with the fewest values first."""
NAMES = f"<{RDFS}label>|<{SKOS}prefLabel>"
NONE = "<urn:clip-kg:none>"
"""A second row for a one-row VALUES block (Virtuoso 7.2 cannot compile a VALUES block of one row)."""
YEAR = re.compile(r"-?\d{4}")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
IRI_PART = r"(?:[^\x00-\x20<>\"{}|^`\\%\x7f#]|%[0-9A-Fa-f]{2})*"
WELL_FORMED_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+.-]*:{IRI_PART}(?:#{IRI_PART})?")
"""A value written as an IRI in a query: what the engines' IRI parsers accept, near enough. Any other value
is compared as text (a value that no item has gives an empty set, not an error)."""
KEY_TERM = re.compile(r"<([^<>\s\"{}|^`\\]+)>|([A-Za-z][\w.-]*):([\w.-]*)")


@dataclass(frozen=True)
class Collection:
    """The set being narrowed: ``where`` is a group pattern that binds ``?item`` to each member."""

    kind: str  # "kind" or "search"
    name: str  # the browse kind or the search text
    title: str
    where: str


@dataclass(frozen=True)
class Facet:
    """One way to narrow a collection: a property's values, a date's years, a linked property, languages."""

    key: str
    kind: str  # value, year, linked, language
    path: tuple[str, ...]  # property IRIs (two for a linked facet, none for languages)
    label: str

    def binding(self, variable: str, n: int) -> str:
        """The pattern binding ``?variable`` to this facet's value of ``?item`` (helpers ``?_h{n}``)."""
        if self.kind == LANGUAGE:
            return f"?item {NAMES} ?_h{n} BIND(LCASE(LANG(?_h{n})) AS ?{variable})"
        first = f"<{self.path[0]}>"
        if self.kind == "year":
            return f"?item {first} ?_h{n} BIND(SUBSTR(STR(?_h{n}), 1, 4) AS ?{variable})"
        if self.kind == "linked":
            return f"?item {first} ?_h{n} . ?_h{n} <{self.path[1]}> ?{variable}"
        return f"?item {first} ?{variable}"

    def requirement(self, value: str, n: int) -> str:
        """The pattern that keeps the items having ``value`` for this facet: triple patterns and a FILTER, no
        BIND, so that the engine joins all of a state's patterns as one group (a BIND splits it, and made
        Oxigraph evaluate every facet of a filtered state at a million triples five times slower)."""
        if self.kind in RANGES:
            compare = ">=" if self.kind == "from" else "<="
            bound = sparql_term(Literal(value))
            return f"?item <{self.path[0]}> ?_h{n} FILTER(SUBSTR(STR(?_h{n}), 1, 4) {compare} {bound})"
        if self.kind == "value" and WELL_FORMED_IRI.fullmatch(value):
            return f"?item <{self.path[0]}> {sparql_term(Iri(value))} ."
        if self.kind == "linked" and WELL_FORMED_IRI.fullmatch(value):
            return f"?item <{self.path[0]}> ?_f{n} . ?_f{n} <{self.path[1]}> {sparql_term(Iri(value))} ."
        text = sparql_term(Literal(value))
        if self.kind == LANGUAGE:
            return f"?item {NAMES} ?_h{n} FILTER(LCASE(LANG(?_h{n})) = {text})"
        if self.kind == "year":
            return f"?item <{self.path[0]}> ?_h{n} FILTER(SUBSTR(STR(?_h{n}), 1, 4) = {text})"
        if self.kind == "linked":
            return f"?item <{self.path[0]}> ?_f{n} . ?_f{n} <{self.path[1]}> ?_h{n} FILTER(STR(?_h{n}) = {text})"
        return f"?item <{self.path[0]}> ?_h{n} FILTER(STR(?_h{n}) = {text})"


@dataclass(frozen=True)
class Filter:
    """One step of narrowing: the items whose facet has this value."""

    facet: Facet
    value: str

    @property
    def parameter(self) -> tuple[str, str]:
        """The URL parameter that names this filter."""
        return FILTER_PREFIX + self.facet.key, self.value


@dataclass(frozen=True)
class ValueView:
    """One value of a facet as shown: its name, how many items of the set have it, and the link that adds
    (or, when selected, removes) it."""

    value: str
    label: str
    count: int
    selected: bool
    parameters: tuple[tuple[str, str], ...]  # the URL parameters of the state this value's link leads to


@dataclass(frozen=True)
class FacetView:
    """A facet as shown: its values, most frequent first, and how many more there are than listed."""

    key: str
    kind: str
    label: str
    values: tuple[ValueView, ...]
    more: int


@dataclass(frozen=True)
class Point:
    """A place on a facet map: where, what, and how many items of the set are there or linked to it."""

    iri: str
    href: str | None
    label: str
    lat: float
    long: float
    count: int


@dataclass(frozen=True)
class FacetMap:
    """The places of the current set on the ground of ``maps``, as dots (x, y, radius) with their places."""

    ground: Basemap
    dots: tuple[tuple[float, float, float, Point], ...]
    places: int  # how many places the set has (more than drawn when past MAP_POINTS)


@dataclass(frozen=True)
class FacetState:
    """A collection narrowed by filters: its size, facets, the queries that counted them, the equivalent query."""

    collection: Collection
    filters: tuple[Filter, ...]
    total: int
    facets: tuple[FacetView, ...]
    queries: tuple[str, ...]
    items_query: str
    items: tuple[str, ...] | None = None  # a filtered state's items when at most LISTED_SET: counted over them

    @property
    def listed(self) -> str | None:
        """The items as a group pattern (a VALUES block), when the state has them listed."""
        return listed_pattern(self.items) if self.items is not None else None

    def items_query_as_run(self) -> str:
        """The items query over the listed items when there are (the same answer, sooner)."""
        return items_query(self.collection, self.filters, self.listed)


def kind_collection(published: Published, kind: str) -> Collection:
    """The resources of a browse list (its class and subclasses).

    Raises:
        NotFound: there is no list of that kind.
    """
    if kind not in KINDS:
        raise NotFound(f"there is no list of {kind!r}; the lists are: {', '.join(KINDS)}")
    name, heading, _ = KINDS[kind]
    values = typed(published, [published.base + "def/" + name])
    return Collection("kind", kind, heading, f"{values} ?item a ?type .")


def search_collection(text: str, iris: Sequence[str]) -> Collection:
    """The hits of a search (the first ``SEARCH_LIMIT``) as a collection."""
    return Collection("search", text, f"Resources named like “{text}”", listed_pattern(iris[:SEARCH_LIMIT]))


def parse_filters(published: Published, parameters: Iterable[tuple[str, str]]) -> tuple[Filter, ...]:
    """The filters named by the ``f.`` parameters of a URL, in order, without repeats.

    Raises:
        BadInput: a key that names no property this data can expand, or a value that facet cannot have.
    """
    found: list[Filter] = []
    for name, value in parameters:
        if not name.startswith(FILTER_PREFIX):
            continue
        facet = parse_key(published, name[len(FILTER_PREFIX) :])
        if facet.kind in RANGES and not value:
            continue  # a range form's empty field
        chosen = Filter(facet, _checked_value(facet, value))
        if chosen not in found:
            found.append(chosen)
    return tuple(found)


def parse_key(published: Published, key: str) -> Facet:
    """The facet a filter key names: ``language``, ``year(P)``, ``P/Q`` or ``P`` (P, Q: ``prefix:name`` or ``<IRI>``).

    Raises:
        BadInput: the key is malformed or uses a prefix the data does not declare.
    """
    lookup = Lookup(published, ("en",))
    if key == LANGUAGE:
        return Facet(LANGUAGE, LANGUAGE, (), "Language of the name")
    for kind, words in (("year", "year"), ("from", "from the year"), ("to", "up to the year")):
        if key.startswith(kind + "(") and key.endswith(")"):
            (prop,) = _properties(published, key[len(kind) + 1 : -1], 1)
            return Facet(key, kind, (prop,), f"{property_name(lookup, prop)} ({words})")
    properties = _properties(published, key, 2)
    if len(properties) == 2:
        return Facet(
            key,
            "linked",
            properties,
            f"{property_name(lookup, properties[0])} → {property_name(lookup, properties[1])}",
        )
    return Facet(key, "value", properties, property_name(lookup, properties[0]))


def _properties(published: Published, text: str, most: int) -> tuple[str, ...]:
    """The property IRIs of a key, separated by '/' outside angle brackets."""
    found: list[str] = []
    position = 0
    while position < len(text) and len(found) <= most:
        match = KEY_TERM.match(text, position)
        if match is None:
            raise BadInput(f"facet key {text[:200]!r}: expected prefix:name or <IRI> at position {position}")
        prop = match.group(1) or _expand(published, match.group(2), match.group(3))
        if not WELL_FORMED_IRI.fullmatch(prop):
            raise BadInput(f"facet key {text[:200]!r}: {prop[:80]!r} is not an absolute IRI")
        found.append(prop)
        position = match.end()
        if position < len(text):
            if text[position] != "/":
                raise BadInput(f"facet key {text[:200]!r}: expected '/' at position {position}")
            position += 1
            if position == len(text):
                raise BadInput(f"facet key {text[:200]!r} ends with '/'")
    if not found or len(found) > most:
        raise BadInput(f"facet key {text[:200]!r}: a property, or two separated by '/' (at most {most})")
    return tuple(found)


def _expand(published: Published, prefix: str, local: str) -> str:
    for known, namespace in published.prefixes:
        if known == prefix:
            return namespace + local
    raise BadInput(f"facet key uses the prefix {prefix!r}, which this data does not declare; write <IRI> instead")


def _checked_value(facet: Facet, value: str) -> str:
    if not value or len(value) > 2_000:
        raise BadInput(f"a value of the facet {facet.key!r} must have 1 to 2,000 characters")
    if facet.kind in ("year", *RANGES) and not YEAR.fullmatch(value):
        raise BadInput(f"the facet {facet.key!r} takes a year of four digits, not {value[:40]!r}")
    if facet.kind == LANGUAGE and not (value == "" or LANGUAGE_TAG.fullmatch(value)):
        raise BadInput(f"the facet 'language' takes a language tag such as de or pt-BR, not {value[:40]!r}")
    if facet.kind == LANGUAGE:
        return value.lower()
    return value


def property_name(lookup: Lookup, prop: str) -> str:
    """A property's label, or without one its local name in words (``dcterms:issued`` "issued", ``skos:inScheme``
    "in scheme", ``rdf:type`` "type"): the data rarely carries the labels of the vocabularies it borrows.

    >>> from types import SimpleNamespace
    >>> property_name(SimpleNamespace(label=lambda iri: None), "http://www.w3.org/2004/02/skos/core#inScheme")
    'in scheme'
    """
    label = lookup.label(prop)
    if label is not None:
        return label.text
    local = re.split(r"[/#]", prop)[-1] or prop
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower()


def path_name(lookup: Lookup, path: Sequence[str]) -> str:
    """A linked facet's name: its properties' names joined by arrows ("about city → country")."""
    return " → ".join(property_name(lookup, prop) for prop in path)


def key_of(lookup: Lookup, properties: Sequence[str]) -> str:
    """The key naming a path: each property by its prefixed name, else in angle brackets."""
    named = []
    for prop in properties:
        compact = lookup.compact(prop)
        named.append(compact if compact != prop and KEY_TERM.fullmatch(compact) else f"<{prop}>")
    return "/".join(named)


PROPERTIES = """SELECT ?p (COUNT(DISTINCT ?item) AS ?items) (COUNT(DISTINCT ?o) AS ?values) (COUNT(*) AS ?pairs)
  (SAMPLE(?o) AS ?example) WHERE {{ {{ SELECT DISTINCT ?item ?p ?o WHERE {{ {where} ?item ?p ?o }} }} }} GROUP BY ?p"""
LINKED = """SELECT ?q (COUNT(DISTINCT ?x) AS ?linked) (COUNT(DISTINCT ?v) AS ?values) (COUNT(*) AS ?pairs) WHERE {{
  {{ SELECT DISTINCT ?x ?q ?v WHERE {{ VALUES ?x {{ {values} {none} }} ?x ?q ?v FILTER(isIRI(?v)) }} }}
}} GROUP BY ?q"""
TARGETS = "SELECT DISTINCT ?x WHERE {{ {where} ?item <{prop}> ?x FILTER(isIRI(?x)) }} LIMIT {limit}"


@dataclass(frozen=True)
class _Candidate:
    prop: str
    items: int
    values: int
    pairs: int
    example: Term | None


def choose_facets(published: Published, collection: Collection) -> tuple[Facet, ...]:
    """The facets a collection offers, chosen from its data (once per load)."""
    return published.remember(("facets of", collection), lambda: _choose(published, collection))


def _choose(published: Published, collection: Collection) -> tuple[Facet, ...]:
    lookup = Lookup(published, ("en",))
    rows = published.engine.rows(PROPERTIES.format(where=collection.where))
    candidates = [_candidate(row) for row in rows if isinstance(row.get("p"), Iri)]
    values, years = [], []
    for found in _without_copies(published, candidates):
        example = found.example
        if found.prop in TEXT:
            continue
        if isinstance(example, Literal) and example.datatype in DATES:
            years.append(found)
        elif found.values > MAX_VALUES or (isinstance(example, Literal) and example.language):
            continue
        elif found.prop == RDF + "type" or found.pairs > found.values:
            values.append(found)
    own = published.base + "def/"
    values.sort(key=lambda c: (-c.items, c.prop))
    facets = [Facet(key_of(lookup, (c.prop,)), "value", (c.prop,), property_name(lookup, c.prop)) for c in values]
    facets += [
        Facet(f"year({key_of(lookup, (c.prop,))})", "year", (c.prop,), f"{property_name(lookup, c.prop)} (year)")
        for c in years
    ]
    facets += _linked(published, lookup, collection, [c for c in values if isinstance(c.example, Iri)])
    facets.sort(key=lambda facet: _rank(facet, own))
    return (*facets[: MAX_FACETS - 1], Facet(LANGUAGE, LANGUAGE, (), "Language of the name"))


def _rank(facet: Facet, own: str) -> int:
    """Where a facet stands: the type, the dataset's own properties, years, linked ones, the rest."""
    if facet.path == (RDF + "type",):
        return 0
    if facet.kind == "value" and facet.path[0].startswith(own):
        return 1
    return {"year": 2, "linked": 3}.get(facet.kind, 4)


def _candidate(row: Any) -> _Candidate:
    counts = (_int(row.get("items")), _int(row.get("values")), _int(row.get("pairs")))
    return _Candidate(row["p"].value, *counts, row.get("example"))


def _int(term: Term | None) -> int:
    return int(term.value) if term is not None else 0


def _without_copies(published: Published, candidates: list[_Candidate]) -> list[_Candidate]:
    """One property of each group that reasoning copied to another (clip:author to its super-property
    schema:author): where two related properties have the same counts, the dataset's own one, else the
    shorter IRI."""
    related = _related_properties(published)
    own = published.base + "def/"
    kept: list[_Candidate] = []
    for found in sorted(candidates, key=lambda c: (not c.prop.startswith(own), len(c.prop), c.prop)):
        signature = (found.items, found.values, found.pairs)
        copy = any(
            (k.items, k.values, k.pairs) == signature and frozenset((k.prop, found.prop)) in related for k in kept
        )
        if not copy:
            kept.append(found)
    return sorted(kept, key=lambda c: c.prop)


def _related_properties(published: Published) -> set[frozenset[str]]:
    """Pairs of properties one of which the ontology makes a sub-property (at any depth) or an equivalent of
    the other. The closure is taken here: Virtuoso 7.2 refuses ``subPropertyOf+`` without a bound start."""
    links = f"<{RDFS}subPropertyOf>|<http://www.w3.org/2002/07/owl#equivalentProperty>"
    query = f"SELECT DISTINCT ?a ?b WHERE {{ ?a {links} ?b FILTER(isIRI(?a) && isIRI(?b)) }}"
    rows = published.remember("property links", lambda: list(published.engine.rows(query)))
    above: dict[str, set[str]] = {}
    for row in rows:
        above.setdefault(row["a"].value, set()).add(row["b"].value)
    pairs = set()
    for start in above:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for upper in above.get(todo.pop(), set()) - seen:
                seen.add(upper)
                todo.append(upper)
        pairs |= {frozenset((start, upper)) for upper in seen if upper != start}
    return pairs


def _linked(published: Published, lookup: Lookup, collection: Collection, links: list[_Candidate]) -> list[Facet]:
    """For each linking property, the groupings of its resources (one value each, shared), fewest values first."""
    record = RECORD | {published.base + "def/" + name for name in OWN_RECORD}
    related = _related_properties(published)
    found = []
    for link in links:
        if link.prop in record:
            continue
        targets = published.engine.rows(TARGETS.format(where=collection.where, prop=link.prop, limit=MAX_VALUES))
        listed = " ".join(sparql_term(row["x"]) for row in targets if isinstance(row.get("x"), Iri))
        if not listed:
            continue
        groupings = []
        for row in published.engine.rows(LINKED.format(values=listed, none=NONE)):
            prop, linked, values, pairs = row["q"].value, _int(row["linked"]), _int(row["values"]), _int(row["pairs"])
            if 2 <= values < linked and pairs == linked and prop not in record and prop not in TEXT:
                groupings.append((values, prop))
        own = published.base + "def/"
        kept: list[tuple[int, str]] = []
        for values, prop in sorted(groupings, key=lambda g: (g[0], not g[1].startswith(own), g[1])):
            if not any(v == values and frozenset((p, prop)) in related for v, p in kept):
                kept.append((values, prop))
        for _, prop in kept[:LINKED_PER_PROPERTY]:
            path = (link.prop, prop)
            found.append(Facet(key_of(lookup, path), "linked", path, path_name(lookup, path)))
    return found


def narrowed(collection: Collection, filters: Sequence[Filter]) -> str:
    """The group pattern of the collection with every filter applied."""
    return f"{collection.where} {requirements(filters)}".strip()


def requirements(filters: Sequence[Filter]) -> str:
    """The patterns that keep the items passing every filter (over ``?item``, helpers numbered apart)."""
    return " ".join(f.facet.requirement(f.value, n) for n, f in enumerate(filters))


COUNT = "SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {where} }}"
VALUES_OF = "SELECT ?value (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {where} {binding} }} GROUP BY ?value"


def facet_state(
    published: Published, collection: Collection, filters: tuple[Filter, ...], languages: Sequence[str]
) -> FacetState:
    """The counts of a state, computed once per load and state (names in the reader's languages)."""
    key = ("facet state", collection, filters, tuple(languages))
    return published.remember(key, lambda: _state(published, collection, filters, languages))


def _state(
    published: Published, collection: Collection, filters: tuple[Filter, ...], languages: Sequence[str]
) -> FacetState:
    engine, where = published.engine, narrowed(collection, filters)
    queries = [COUNT.format(where=where)]
    items: tuple[str, ...] | None = None
    if filters:
        total, items = _listed_items(published, where)
    else:
        total = _int(next(iter(engine.rows(queries[0])), {}).get("n"))
    counting = listed_pattern(items) if items is not None else None
    facets = list(choose_facets(published, collection))
    facets += [f.facet for f in filters if f.facet not in facets and f.facet.kind not in RANGES]
    counted: list[tuple[Facet, list[tuple[Term, int]]]] = []
    for facet in facets:
        binding = facet.binding("value", len(filters))
        queries.append(VALUES_OF.format(where=where, binding=binding))
        run = VALUES_OF.format(where=counting or where, binding=binding)
        rows = [(row["value"], _int(row["n"])) for row in engine.rows(run) if row.get("value") is not None]
        counted.append((facet, sorted(rows, key=lambda pair: (-pair[1], pair[0].value))))
    lookup = Lookup(published, languages)
    lookup.name_all(term.value for _, rows in counted for term, _ in rows[:LISTED_VALUES] if isinstance(term, Iri))
    views = tuple(view for facet, rows in counted if (view := _view(lookup, facet, rows, filters, total)).values)
    return FacetState(collection, filters, total, views, tuple(queries), items_query(collection, filters), items)


def listed_pattern(items: Sequence[str]) -> str:
    """Items given as a group pattern over ``?item``: a VALUES block (never of one row, for Virtuoso)."""
    return f"VALUES ?item {{ {' '.join(sparql_term(Iri(iri)) for iri in items)} {NONE} }} FILTER(?item != {NONE})"


def _listed_items(published: Published, where: str) -> tuple[int, tuple[str, ...] | None]:
    """The size of a filtered state and, when it has at most ``LISTED_SET`` items, their IRIs.

    The facets of a small state are counted over its items listed once: the same counts as the patterns
    give (the queries the state reports), without the engine matching the filters again for every facet,
    which took Oxigraph a second a facet at a million triples.
    """
    rows = published.engine.rows(f"SELECT DISTINCT ?item WHERE {{ {where} }}")
    found = tuple(row["item"].value for row in rows if isinstance(row.get("item"), Iri))
    return len(found), (found if len(found) <= LISTED_SET else None)


def _view(
    lookup: Lookup, facet: Facet, rows: list[tuple[Term, int]], filters: Sequence[Filter], total: int
) -> FacetView:
    """The facet's values that narrow the set (not those every item has, unless chosen), most frequent first."""
    chosen = {f.value for f in filters if f.facet == facet}
    rows = [(term, count) for term, count in rows if count < total or term.value in chosen]
    listed = rows[:LISTED_VALUES]
    listed += [pair for pair in rows[LISTED_VALUES:] if pair[0].value in chosen]
    values = tuple(_value_view(lookup, facet, term, count, chosen, filters) for term, count in listed)
    return FacetView(facet.key, facet.kind, facet.label, values, len(rows) - len(listed))


def _value_view(
    lookup: Lookup, facet: Facet, term: Term, count: int, chosen: set[str], filters: Sequence[Filter]
) -> ValueView:
    selected = term.value in chosen
    parameters = toggled([f.parameter for f in filters], (FILTER_PREFIX + facet.key, term.value), selected)
    return ValueView(term.value, value_label(lookup, facet, term), count, selected, parameters)


def toggled(
    parameters: Sequence[tuple[str, str]], parameter: tuple[str, str], selected: bool
) -> tuple[tuple[str, str], ...]:
    """The filters of the state a value's link leads to: without the value when it is chosen, with it otherwise.

    >>> toggled([("f.a", "1")], ("f.b", "2"), False), toggled([("f.a", "1"), ("f.b", "2")], ("f.b", "2"), True)
    ((('f.a', '1'), ('f.b', '2')), (('f.a', '1'),))
    """
    kept = tuple(p for p in parameters if p != parameter)
    return kept if selected else (*kept, parameter)


def chips(
    facets: Sequence[FacetView], filters: Sequence[tuple[str, str, str]], state_url: Callable[[Any], str]
) -> list[tuple[str, str, str]]:
    """(name, value's label, the URL of the state without it) of each filter in force, given as (key, value,
    name); a value no facet lists reads as itself."""
    labels = {(facet.key, v.value): v.label for facet in facets for v in facet.values}
    parameters = [(FILTER_PREFIX + key, value) for key, value, _ in filters]
    return [
        (name, labels.get((key, value), value or "(empty)"), state_url(toggled(parameters, parameter, True)))
        for (key, value, name), parameter in zip(filters, parameters, strict=True)
    ]


def value_label(lookup: Lookup, facet: Facet, term: Term) -> str:
    """How a value reads: a resource by its name, a language by its tag ("no language" for none), else as is."""
    if facet.kind == LANGUAGE:
        return term.value or "no language tag"
    if isinstance(term, Iri):
        return lookup.name(term.value)
    return term.value


def items_query(collection: Collection, filters: Sequence[Filter], listed: str | None = None) -> str:
    """The SPARQL that lists the items of a state with a name each: what "open in the query editor" opens
    (``listed``: the items given as a VALUES block instead of the patterns that find them)."""
    return (
        f"PREFIX rdfs: <{RDFS}>\n"
        "SELECT ?item ?label WHERE {\n"
        "  { SELECT ?item (SAMPLE(?name) AS ?label) WHERE {\n"
        f"      {listed or narrowed(collection, filters)}\n"
        '      OPTIONAL { ?item rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en") || LANG(?name) = "") }\n'
        "    } GROUP BY ?item }\n"
        "} ORDER BY ?label ?item"
    )


def item_iris(published: Published, state: FacetState) -> set[str]:
    """The IRIs of the items of a state: those it listed when it was counted, else from the engine."""
    if state.items is not None:
        return set(state.items)
    rows = published.engine.rows(f"SELECT DISTINCT ?item WHERE {{ {narrowed(state.collection, state.filters)} }}")
    return {row["item"].value for row in rows if isinstance(row.get("item"), Iri)}


PLACE_LINKS = """SELECT DISTINCT ?link WHERE {{
  {{ SELECT DISTINCT ?link ?place WHERE {{ {where} ?item ?link ?place FILTER(isIRI(?place)) }} }}
  ?place <{geo}lat> ?lat
}}"""
OWN_PLACES = "SELECT DISTINCT ?item ?lat ?long WHERE {{ {where} ?item <{geo}lat> ?lat ; <{geo}long> ?long }}"
LINKED_PLACES = """SELECT ?place ?lat ?long (COUNT(DISTINCT ?item) AS ?n) WHERE {{
  {{ SELECT DISTINCT ?item ?place WHERE {{ {where} VALUES ?link {{ {links} {none} }} ?item ?link ?place }} }}
  ?place <{geo}lat> ?lat ; <{geo}long> ?long
}} GROUP BY ?place ?lat ?long"""
"""The places of a set, in sub-selects that make the engine find the set's links first: as one pattern
(``?item ?link ?place . ?place geo:lat ?lat``) Oxigraph took 495 s at a million triples."""


def place_links(published: Published, collection: Collection) -> tuple[str, ...]:
    """The properties by which the collection's items link to something with coordinates (once per load)."""
    query = PLACE_LINKS.format(where=collection.where, geo=GEO)
    found = published.remember(("place links", collection), lambda: list(published.engine.rows(query)))
    return tuple(sorted(row["link"].value for row in found if isinstance(row.get("link"), Iri)))


def facet_map(published: Published, state: FacetState, languages: Sequence[str]) -> FacetMap | None:
    """The places of the set (its items' own coordinates, or those of what they link to); None without any."""
    key = ("facet map", state.collection, state.filters, tuple(languages))
    return published.remember(key, lambda: _map(published, state, languages))


def _map(published: Published, state: FacetState, languages: Sequence[str]) -> FacetMap | None:
    where = state.listed or narrowed(state.collection, state.filters)
    counts: dict[str, tuple[float, float, int]] = {}
    own = published.engine.rows(OWN_PLACES.format(where=where, geo=GEO))
    links = " ".join(
        f"<{link}>" for link in place_links(published, state.collection) if WELL_FORMED_IRI.fullmatch(link)
    )
    query = LINKED_PLACES.format(where=where, links=links, none=NONE, geo=GEO)
    linked = published.engine.rows(query) if links else []
    for place, lat, long, n in [(r.get("item"), r.get("lat"), r.get("long"), 1) for r in own] + [
        (r.get("place"), r.get("lat"), r.get("long"), _int(r.get("n"))) for r in linked
    ]:
        north, east = number(lat), number(long)
        if isinstance(place, Iri) and north is not None and east is not None and -90 <= north <= 90:
            old = counts.get(place.value)
            counts[place.value] = (north, east, max(n, old[2]) if old else n)
    return places_map(published, counts, languages)


def places_map(
    published: Published, counts: dict[str, tuple[float, float, int]], languages: Sequence[str]
) -> FacetMap | None:
    """The map of places given as IRI → (lat, long, how many of the set are there), the most held first
    (at most ``MAP_POINTS``); None without any."""
    if not counts:
        return None
    drawn = sorted(counts.items(), key=lambda item: (-item[1][2], item[0]))[:MAP_POINTS]
    lookup = Lookup(published, languages)
    lookup.name_all(iri for iri, _ in drawn)
    points = [Point(iri, published.urls.link(iri), lookup.name(iri), lat, long, n) for iri, (lat, long, n) in drawn]
    ground = basemap([(p.lat, p.long) for p in points], MAP_WIDTH, published.node_modules)
    biggest = max(p.count for p in points)
    dots = tuple((*ground.place(p.lat, p.long), _radius(p.count, biggest), p) for p in points)
    return FacetMap(ground, dots, len(counts))


def _radius(count: int, biggest: int) -> float:
    """A dot's radius: its area grows with the count, up to 9 px; one size (4.5 px) when all counts are equal."""
    return 4.5 if biggest <= 1 else round(3 + 6 * (count / biggest) ** 0.5, 1)


def number(term: Term | None) -> float | None:
    """A literal's value as a number; None for anything else."""
    try:
        return float(term.value) if isinstance(term, Literal) else None
    except ValueError:
        return None


def as_json(state: FacetState, link: Callable[[tuple[tuple[str, str], ...]], str]) -> dict[str, Any]:
    """The state for programs: its size, filters, facets with values and counts, the queries it ran.

    ``link(parameters)`` makes the URL of another state of the same collection.
    """
    return {
        "collection": {"kind": state.collection.kind, "name": state.collection.name, "title": state.collection.title},
        "total": state.total,
        "filters": [{"key": f.facet.key, "value": f.value, "label": f.facet.label} for f in state.filters],
        "facets": [
            {
                "key": facet.key,
                "kind": facet.kind,
                "label": facet.label,
                "more": facet.more,
                "values": [
                    {
                        "value": v.value,
                        "label": v.label,
                        "count": v.count,
                        "selected": v.selected,
                        "url": link(v.parameters),
                    }
                    for v in facet.values
                ],
            }
            for facet in state.facets
        ],
        "sparql": list(state.queries),
        "query": state.items_query,
    }
