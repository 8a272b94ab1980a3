"""Tables as CSV with a CSV on the Web metadata document: one ``CsvTable``, its bytes, its description.

A table is plain data (columns and rows of cells); ``csv_bytes`` writes it as RFC 4180 CSV in UTF-8
with a header row, and ``metadata`` describes it in the W3C Metadata Vocabulary for Tabular Data
(https://www.w3.org/TR/tabular-metadata/): each column's name, title and datatype, and the
``aboutUrl``/``propertyUrl``/``valueUrl`` templates by which a CSVW processor in standard mode turns
the rows back into the triples they stand for (https://www.w3.org/TR/csv2rdf/). Columns that are only
there for people (a display name, a count) are ``suppressOutput``: they make no triples.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
CSVW_RECOMMENDATION = "http://www.w3.org/TR/tabular-data-model/"
"""What a CSV with its metadata conforms to (the model of tabular data; dcterms:conformsTo in the catalogue)."""
CSVW_MEDIA_TYPE = "application/csvw+json"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
Cell = str | int | bool | None


@dataclass(frozen=True)
class CsvColumn:
    """One column: its name (a CSVW name, also the header cell), title, datatype and the triple it makes.

    Without ``property_url`` the column is for people only and makes no triple (``suppressOutput``).
    ``value_url`` (a URI template such as ``{+city}``) makes the object an IRI; ``lang`` tags a string.
    """

    name: str
    title: str
    datatype: str = "string"
    property_url: str | None = None
    value_url: str | None = None
    lang: str | None = None

    def description(self) -> dict[str, Any]:
        """The column description of the metadata document (Tabular Metadata, 5.6)."""
        described: dict[str, Any] = {"name": self.name, "titles": self.title, "datatype": self.datatype}
        if self.property_url is None:
            described["suppressOutput"] = True
            return described
        described["propertyUrl"] = self.property_url
        if self.value_url:
            described["valueUrl"] = self.value_url
        if self.lang:
            described["lang"] = self.lang
        return described


@dataclass(frozen=True)
class CsvTable:
    """A table as shown on a page: columns, rows, what each row is about, and triples every row adds.

    ``about_url`` is the URI template naming each row's subject (``{+participation}``); ``constants``
    are (property IRI, value IRI) pairs stated of every row's subject, as CSVW virtual columns
    (``rdf:type`` of a class). ``note`` says in a sentence what the table means.
    """

    name: str
    title: str
    note: str
    columns: tuple[CsvColumn, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    about_url: str | None = None
    constants: tuple[tuple[str, str], ...] = ()

    def records(self) -> list[dict[str, Cell]]:
        """The rows as objects keyed by column name (the JSON form)."""
        names = [column.name for column in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def csv_bytes(table: CsvTable) -> bytes:
    r"""The table as RFC 4180 CSV: UTF-8, a header row of column names, CRLF line ends, None as an empty cell.

    >>> columns = (CsvColumn("a", "A"), CsvColumn("n", "N", "integer"))
    >>> table = CsvTable("t", "T", "", columns, [("x, y", 2), (None, 3)])
    >>> csv_bytes(table)
    b'a,n\r\n"x, y",2\r\n,3\r\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerows([_cell(value) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8")


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def metadata(table: CsvTable, csv_url: str) -> dict[str, Any]:
    """The CSVW metadata document of ``table`` published at ``csv_url`` (Tabular Metadata, 5.3 tables).

    >>> doc = metadata(CsvTable("t", "T", "n", (CsvColumn("a", "A"),), about_url="{+a}"), "http://x/t.csv")
    >>> doc["url"], doc["tableSchema"]["aboutUrl"], doc["tableSchema"]["columns"][0]["suppressOutput"]
    ('http://x/t.csv', '{+a}', True)
    """
    columns = [column.description() for column in table.columns]
    columns += [{"virtual": True, "propertyUrl": prop, "valueUrl": value} for prop, value in table.constants]
    schema: dict[str, Any] = {"columns": columns}
    if table.about_url:
        schema["aboutUrl"] = table.about_url
    return {
        "@context": CSVW_CONTEXT,
        "url": csv_url,
        "dc:title": table.title,
        "dc:description": table.note,
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tableSchema": schema,
    }


def datatype_of(values: Sequence[tuple[str, str]]) -> str:
    """The CSVW datatype fitting every (kind, datatype IRI) of a column's bound values: anyURI for IRIs,
    integer, boolean or gYear when every literal has it, string otherwise.

    >>> datatype_of([("iri", ""), ("iri", "")])
    'anyURI'
    >>> datatype_of([("literal", "http://www.w3.org/2001/XMLSchema#integer")])
    'integer'
    >>> datatype_of([("iri", ""), ("literal", "http://www.w3.org/2001/XMLSchema#integer")])
    'string'
    """
    kinds = {kind if kind == "iri" else datatype.rsplit("#", 1)[-1] for kind, datatype in values}
    if kinds == {"iri"}:
        return "anyURI"
    if len(kinds) == 1 and next(iter(kinds)) in ("integer", "boolean", "gYear"):
        return next(iter(kinds))
    return "string"
