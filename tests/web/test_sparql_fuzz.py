"""Generated SPARQL text, from noise to near-valid queries: the endpoint answers each with a status a
client can act on, never 500, and no generated text changes the data or reaches the network.

Bounded and reproducible: a fixed number of examples per strategy, derandomized, on the app with a
1 s time limit (tests/conftest.py ``limited_app``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.config import PROJECT_ROOT

ANSWERS = {200, 400, 403, 406, 413, 414, 422, 503}
"""What a query may get: answered, refused for its text or form, too large, or over the time limit."""
TOKENS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "GRAPH", "OPTIONAL", "UNION", "MINUS",
    "FILTER", "BIND", "AS", "VALUES", "SERVICE", "SILENT", "LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "HAVING",
    "DISTINCT", "COUNT(", "STR(", "REGEX(", "CONCAT(", "xsd:integer(", "<http://example.org/f>(", "BASE", "PREFIX",
    "INSERT", "DELETE", "DATA", "LOAD", "CLEAR", "DROP", "NOT", "EXISTS", "IN", "a", "?s", "?p", "?o", "?x",
    "<s>", "<http://example.org/x>", "<https://w3id.org/clip-network/id/city/vienna>", "clip:City", "rdfs:label",
    "xsd:", "_:b", "[]", '"text"', '"x"@en', '"1"^^xsd:integer', "1", "2.5", "-3e4", "true", "{", "}", "(", ")",
    "[", "]", ".", ";", ",", "*", "+", "?", "/", "|", "^", "!", "=", "!=", "<", ">", "&&", "||", "#", "\n",
    "'", '"""', "\\u0041", "\u00e9", "\U0001f600",
)  # fmt: skip
PREFIXES = "PREFIX clip: <https://w3id.org/clip-network/def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
NAMED = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
BOUNDED = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def ask(app: Flask, query: str) -> int:
    client = app.test_client()
    get = client.get("/sparql", query_string={"query": query})
    post = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"), content_type="application/sparql-query")
    assert get.status_code in ANSWERS, (get.status_code, query, get.get_data(as_text=True))
    assert post.status_code in ANSWERS, (post.status_code, query, post.get_data(as_text=True))
    return get.status_code


@BOUNDED
@given(st.text(max_size=300))
def test_any_text_is_answered_with_a_clients_status(limited_app: Flask, text: str) -> None:
    ask(limited_app, text)


@BOUNDED
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_is_answered_with_a_clients_status(limited_app: Flask, tokens: list[str]) -> None:
    ask(limited_app, PREFIXES + " ".join(tokens))


@BOUNDED
@given(st.sampled_from(NAMED), st.data())
def test_mangled_named_queries_are_answered_with_a_clients_status(
    limited_app: Flask, path: Path, data: st.DataObject
) -> None:
    text = path.read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    cut = data.draw(st.sampled_from(("drop", "double", "swap")))
    if cut == "drop":
        text = text[:start] + text[end:]
    elif cut == "double":
        text = text[:end] + text[start:end] + text[end:]
    else:
        text = text[start:end] + text[:start] + text[end:]
    ask(limited_app, text)


def test_the_data_is_unchanged_after_the_fuzzing(limited_app: Flask) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = limited_app.test_client().get("/sparql", query_string={"query": count})
    stored = limited_app.extensions["kg"].kg.quads
    assert answer.json["results"]["bindings"][0]["n"]["value"] == str(stored)  # type: ignore[index]
