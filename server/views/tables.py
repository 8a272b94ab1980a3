"""The tables the site shows, as ``CsvTable``s: the city-by-module matrix, the browse lists, named-query answers.

Each is read through the engine interface only, with the queries and helpers of the pages that show
it (``home``, ``pictures``), so the CSV says what the page says. Where a table is made of triples its
columns carry the templates that give them back (see ``csvw``); the tests convert each CSV with a
CSVW reader and compare the triples with the graph's.
"""

from __future__ import annotations

from server.engine.terms import Iri, Literal, Rows
from server.errors import NotFound
from server.views.csvw import RDF_TYPE, RDFS_LABEL, CsvColumn, CsvTable, datatype_of
from server.views.home import DETAILS, ITEMS, KINDS, level_labels, typed
from server.views.pictures import level_of, member_cities, select, sort_key
from server.views.published import Published

PARTICIPATIONS = """SELECT ?participation ?city ?module ?number ?level WHERE {
  ?participation a clip:Participation ; clip:participant ?city ; clip:inModule ?module .
  OPTIONAL { ?module clip:moduleNumber ?number } OPTIONAL { ?participation clip:evidenceLevel ?level }
}"""


def matrix_columns(clip: str) -> tuple[CsvColumn, ...]:
    """The matrix table's columns; ``clip`` is the vocabulary's namespace (its triples' properties)."""
    return (
        CsvColumn("participation", "participation", "anyURI"),
        CsvColumn("city", "city", "anyURI", clip + "participant", "{+city}"),
        CsvColumn("city_label", "city name"),
        CsvColumn("module", "research module", "anyURI", clip + "inModule", "{+module}"),
        CsvColumn("module_number", "module number", "integer"),
        CsvColumn("evidence", "evidence level", "anyURI", clip + "evidenceLevel", "{+evidence}"),
        CsvColumn("evidence_label", "evidence"),
    )


BROWSE_COLUMNS = (  # a browse list: the resource, the name shown, its English rdfs:label, the page's detail
    CsvColumn("item", "resource", "anyURI"),
    CsvColumn("name", "name"),
    CsvColumn("label_en", "English label", property_url=RDFS_LABEL, lang="en"),
    CsvColumn("detail", "detail"),
)


def matrix_table(published: Published) -> CsvTable:
    """The city-by-module matrix as one row per filled cell: a participation of a city in a module."""
    clip = published.base + "def/"
    names = {city.iri: city.label for city in member_cities(published.engine, published.base)}
    labels = level_labels(published)
    rows = []
    for row in select(published.engine, published.base, PARTICIPATIONS):
        city, level = row["city"] or "", row["level"]
        number = int(row["number"]) if row["number"] else None
        rows.append(
            (
                row["participation"],
                city,
                names.get(city),
                row["module"],
                number,
                level,
                labels[level_of(level, published.base)],
            )
        )
    rows.sort(key=lambda r: (sort_key(r[2] or r[1] or ""), r[4] or 0, r[0] or ""))
    note = (
        "The home page's city-by-module matrix, one row per filled cell: a participation (clip:Participation) "
        "of a city in a research module, with the evidence for it. Cities and modules without a participation "
        "have no row."
    )
    return CsvTable(
        "matrix",
        "Member cities by research module",
        note,
        matrix_columns(clip),
        rows,  # type: ignore[arg-type]
        about_url="{+participation}",
        constants=((RDF_TYPE, clip + "Participation"),),
    )


def browse_table(published: Published, kind: str, narrowing: str = "", wording: str = "") -> CsvTable:
    """A browse list whole (not paged): each resource of the kind, its English label, its name and detail;
    with ``narrowing`` (patterns over ``?item``) only the resources it matches, ``wording`` saying which.

    Raises:
        NotFound: there is no list of that kind.
    """
    if kind not in KINDS:
        raise NotFound(f"there is no list of {kind!r}; the lists are: {', '.join(KINDS)}")
    engine, base = published.engine, published.base
    name, heading, pattern = KINDS[kind]
    values = typed(published, [base + "def/" + name]) + (" " + narrowing if narrowing else "")
    english, shown = dict[str, str](), dict[str, str]()  # the English label; the name the page shows
    for row in select(engine, base, ITEMS.replace("TYPED", values)):
        item = row["item"] or ""
        if row["itemEn"]:
            english[item] = min(english.get(item, row["itemEn"]), row["itemEn"], key=sort_key)
        fallback = row["itemAny"] or item.rstrip("/").rsplit("/", 1)[-1]
        shown[item] = english.get(item) or min(shown.get(item, fallback), fallback, key=sort_key)
    details: dict[str, set[str]] = {}
    for row in select(engine, base, DETAILS.replace("TYPED", values).replace("PATTERN", pattern)):
        if row["detail"]:
            details.setdefault(row["item"] or "", set()).add(row["detail"])
    rows = [
        (item, english.get(item) or shown[item], english.get(item), " · ".join(sorted(details.get(item, ()))))
        for item in shown
    ]
    rows.sort(key=lambda r: (sort_key(r[1] or ""), r[0]))
    note = (
        f"Every resource of the browse list '{heading}' (of the class {name} or a subclass), with the name the "
        "page shows (the English label, else any name), its English rdfs:label and the page's second column."
    ) + (f" Only those passing the filters: {wording}." if wording else "")
    return CsvTable(
        f"browse-{kind}",
        heading,
        note,
        BROWSE_COLUMNS,
        rows,  # type: ignore[arg-type]
        about_url="{+item}",
        constants=((RDF_TYPE, base + "def/" + name),),
    )


def answer_table(name: str, title: str, answer: Rows, page_url: str) -> CsvTable:
    """The columns of a named query's SPARQL CSV answer, typed from the answer's own terms.

    A SELECT's rows are not triples of the graph: each row is a blank node whose cells hang off it by
    properties named after the variables (``{page_url}#{variable}``), IRIs as IRIs.
    """
    columns = []
    for variable in answer.variables:
        found = [
            ("iri", "") if isinstance(term, Iri) else ("literal", term.datatype if isinstance(term, Literal) else "")
            for row in answer
            if (term := row.get(variable)) is not None
        ]
        datatype = datatype_of(found) if found else "string"
        value_url = "{+" + variable + "}" if datatype == "anyURI" else None
        columns.append(CsvColumn(variable, variable, datatype, f"{page_url}#{variable}", value_url))
    note = f"The answer of the named query {name!r} in the SPARQL 1.1 Query Results CSV format."
    return CsvTable(f"query-{name}", title, note, tuple(columns))
