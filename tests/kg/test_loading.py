"""Parsing: every syntax error is located (file, line, column) in every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import BadInput, DataSyntaxError
from server.kg.loading import parse_files

RDF_XML_MISMATCH = (
    '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<a></b>\n</rdf:RDF>\n'
)
CASES = [
    (
        "bad.ttl",
        '@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n',
        3,
        "newline found in string literal",
    ),
    ("bad.nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> broken .\n", 2, "object of a triple"),
    ("bad.nq", "<http://a> <http://b> <http://c> <http://g> .\n<http://a> <http://b> .\n", 2, ""),
    ("bad.trig", "@prefix ex: <http://ex/> .\nex:g {\n  ex:a ex:b .\n}\n", 3, ""),
    ("bad.rdf", RDF_XML_MISMATCH, 3, "mismatched tag"),
    ("bad.jsonld", '{\n  "@id": "http://x",\n  "http://y": [1,\n}\n', 4, ""),
]


@pytest.mark.parametrize(("name", "text", "line", "reason"), CASES, ids=[c[0] for c in CASES])
def test_syntax_error_names_file_and_line(tmp_path: Path, name: str, text: str, line: int, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataSyntaxError) as raised:
        parse_files([path])
    assert raised.value.path == str(path)
    assert raised.value.line == line
    assert reason in raised.value.reason
    assert str(raised.value).startswith(f"{path}, line {line}")


def test_unknown_extension_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "data.docx"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(BadInput, match="unknown RDF file extension '.docx'"):
        parse_files([path])


@pytest.mark.parametrize(
    ("literal", "datatype"),
    [("abc", "integer"), ("2009-13", "gYearMonth"), ("20x9", "gYear"), ("31 Jan 2011", "date")],
)
def test_ill_typed_literal_is_refused(tmp_path: Path, literal: str, datatype: str) -> None:
    path = tmp_path / "ill.ttl"
    path.write_text(
        f'@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n<http://a> <http://b> "{literal}"^^xsd:{datatype} .\n',
        encoding="utf-8",
    )
    with pytest.raises(DataSyntaxError, match="ill-typed literal") as raised:
        parse_files([path])
    assert raised.value.line == 3


def test_well_typed_literals_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.ttl"
    path.write_text(
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<http://a> <http://b> "2009"^^xsd:gYear, '
        '"2008-09"^^xsd:gYearMonth, "2011-01-31"^^xsd:date, "7"^^xsd:positiveInteger .\n',
        encoding="utf-8",
    )
    assert len(parse_files([path])) == 4
