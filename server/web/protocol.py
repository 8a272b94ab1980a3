"""The SPARQL 1.1 Protocol endpoint at /sparql, read-only.

https://www.w3.org/TR/sparql11-protocol/ section 2.1: the three query operations
(query via GET, via URL-encoded POST, via POST directly) with default-graph-uri and
named-graph-uri; results per the SPARQL 1.1 Query Results formats; errors as
text/plain with the right status. Section 2.2 (update) is refused: this endpoint
publishes a dataset and changes nothing. With no query, GET answers the SPARQL 1.1
Service Description (RDF clients) or the query page (browsers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from server.config import Settings
from server.engine.interface import QueryJob
from server.engine.policy import check_query, graph_iris
from server.engine.rdfio import graph_bytes
from server.engine.service_description import service_description
from server.errors import BadInput, Forbidden, PayloadTooLarge, UnsupportedMediaType, UriTooLong
from server.formats import GRAPH_RESULT_FORMATS, HTML, RDF_DOCUMENT_FORMATS, RESULTS_FORMATS, choose
from server.urls import Urls
from server.web.headers import EDITOR_POLICY
from server.web.jobs import answer_response, run_job
from server.web.libraries import MAKE_SETUP, Library, installed, yasgui
from server.web.negotiation import format_parameters, prefers, requested_format
from server.web.state import absolute_url, state

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
COMMON_PREFIXES = (
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)
"""Prefixes the query editor offers for any data, besides the data's own."""
EDITOR_PLUGINS = ("table", "map", "response")
"""The result views, in tab order: YASR's table and response, our map (static/editor.js); boolean and error show
by themselves."""
DEFAULT_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {
  ?thing rdfs:label ?label .
}
LIMIT 10
"""
"""The query of a new editor tab."""
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Content-Length, Vary, Retry-After",
}


@dataclass(frozen=True)
class ProtocolRequest:
    """What a protocol request asks for, whichever of the three operations carried it."""

    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


@blueprint.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint() -> BaseResponse:
    """Dispatch on the method and media type (Protocol, section 2.1)."""
    settings = state().settings
    if len(request.query_string) > settings.max_request_bytes:
        raise UriTooLong(f"the query string is longer than {settings.max_request_bytes} bytes; send it with POST")
    check_utf8(request.query_string, "the query string")
    if request.method == "POST":
        parsed = query_via_post(settings)
    else:
        parsed = query_via_get()
    if parsed.query is None:
        return describe_or_show_page()
    if _prefers_html():
        return _page(parsed.query, autorun=True)
    return _with_headers(_answer(parsed), negotiated=True)


@blueprint.route("/sparql", methods=["OPTIONS"])
def preflight() -> BaseResponse:
    """CORS preflight: which methods and headers a browser client may use."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return _with_headers(response, negotiated=False)


def query_via_get() -> ProtocolRequest:
    """Section 2.1.1: everything in the URL's query string."""
    args = request.args
    if "update" in args or "using-graph-uri" in args or "using-named-graph-uri" in args:
        raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
    return _from_parameters(args.getlist("query"), args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))


def query_via_post(settings: Settings) -> ProtocolRequest:
    """Sections 2.1.2 and 2.1.3: URL-encoded form, or the query as the body."""
    media_type = request.mimetype
    if media_type == FORM:
        form = form_of(read_body(settings.max_request_bytes))
        if "update" in form:
            raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
        if "query" in request.args:
            raise BadInput("with a URL-encoded POST, the query goes in the body, not in the URL")
        return _from_parameters(
            form.getlist("query"), form.getlist("default-graph-uri"), form.getlist("named-graph-uri")
        )
    if media_type == DIRECT:
        body = read_body(settings.max_request_bytes)
        if "query" in request.args:
            raise BadInput("a query is in both the body and the URL; send one")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("the query body is not UTF-8") from None
        return _from_parameters(
            [text], request.args.getlist("default-graph-uri"), request.args.getlist("named-graph-uri")
        )
    if media_type == UPDATE:
        raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
    raise UnsupportedMediaType(
        f"a POST to /sparql must be {FORM} or {DIRECT}, not {media_type or 'without a Content-Type'}"
    )


def read_body(limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes whether or not its length was announced.

    A chunked body announces no length, and Werkzeug stops reading it at the request's
    maximum as if the body ended there (the query would run cut short): so the maximum
    is set one byte past the limit, and a body that reaches it is refused. The body stays
    in Werkzeug's cache, where the access log reads the query's digest.

    Raises:
        PayloadTooLarge: a Content-Length over the limit, or more bytes than that.
    """
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit)
    request.max_content_length = limit + 1
    body = request.get_data(cache=True)
    if len(body) > limit:
        raise _too_large(limit)
    return body


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than {limit} bytes")


def form_of(body: bytes) -> MultiDict[str, str]:
    """A URL-encoded form, its bytes and its percent-escapes decoded as UTF-8, or refused.

    Raises:
        BadInput: the form is not UTF-8 (Werkzeug would replace or drop what it cannot decode).
    """
    check_utf8(body, "the form")
    return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def check_utf8(encoded: bytes, where: str) -> None:
    """Refuse URL-encoded parameters whose bytes or percent-escapes are not UTF-8.

    Raises:
        BadInput: they are not (the SPARQL Protocol's parameters are UTF-8).
    """
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(
            f"{where} is not UTF-8: a byte {error.object[error.start]:#04x} cannot start or continue a character"
        ) from None


def _from_parameters(queries: list[str], default_graphs: list[str], named_graphs: list[str]) -> ProtocolRequest:
    if len(queries) > 1:
        raise BadInput("give exactly one 'query' parameter, not several")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise BadInput("the 'query' parameter is empty")
    return ProtocolRequest(query, graph_iris(default_graphs), graph_iris(named_graphs))


def _answer(parsed: ProtocolRequest) -> BaseResponse:
    query = parsed.query or ""
    settings = state().settings
    check_query(query, settings.max_query_depth, settings.max_query_tokens)
    job = QueryJob(
        query=query,
        default_graphs=parsed.default_graphs,
        named_graphs=parsed.named_graphs,
        results_format=requested_format(RESULTS_FORMATS),
        graph_format=requested_format(GRAPH_RESULT_FORMATS),
        max_results=settings.max_results,
        max_bytes=settings.max_result_bytes,
        base_iri=endpoint_url(settings),
    )
    return answer_response(run_job(job))


def endpoint_url(settings: Settings) -> str:
    """This endpoint's URL under the configured base, never the Host header: relative IRIs in a query
    resolve against it, so ``<id/city/vienna>`` names the data's Vienna."""
    return Urls(settings.base_uri).iri_of("/sparql")


def _prefers_html() -> bool:
    return not format_parameters() and prefers(HTML, (*RESULTS_FORMATS, HTML))


def describe_or_show_page() -> BaseResponse:
    """No query: the Service Description for RDF clients, the query page for browsers."""
    explicit = request.values.get("format")
    offered = RDF_DOCUMENT_FORMATS if explicit else (*RDF_DOCUMENT_FORMATS, HTML)
    chosen = choose(offered, request.headers.get("Accept"), explicit)
    if chosen is HTML:
        return _page("", autorun=False)
    current = state()
    endpoint = absolute_url(url_for("sparql.endpoint"))
    graph = service_description(endpoint, current.engine.graph_sizes(), current.kg.graph_names())
    body = graph_bytes(graph, chosen)
    return _with_headers(Response(body, mimetype=chosen.media_type), negotiated=True)


def _page(query: str, autorun: bool) -> BaseResponse:
    """The query page: YASGUI when npm installed it, else the plain form that says how to get it."""
    current = state()
    library = yasgui(current.settings.node_modules)
    html = render_template(
        "query.html",
        endpoint=absolute_url(url_for("sparql.endpoint")),
        endpoint_path=url_for("sparql.endpoint"),
        base=current.settings.base_uri,
        examples=list(current.queries.values()),
        initial_query=query,
        autorun=autorun,
        results_formats=RESULTS_FORMATS,
        graph_formats=GRAPH_RESULT_FORMATS,
        editor=_editor(library, current.prefixes, current.settings.base_uri) if library else None,
        make_setup=MAKE_SETUP,
    )
    response = Response(html, mimetype="text/html")
    if library:
        response.headers["Content-Security-Policy"] = EDITOR_POLICY
    return _with_headers(response, negotiated=True)


def _editor(library: Library, prefixes: Sequence[tuple[str, str]], base: str) -> dict[str, Any]:
    """The URLs of YASGUI's files and the configuration ``static/editor.js`` gives it.

    The editor sends queries with POST (a form), as the plain form did: any length fits
    (GET stops at the query-string limit sooner, in proxies too) and the query text stays out
    of access logs. A query in the page's URL (``?query=``, a shared link) opens in a tab and runs.
    The map view draws country outlines when world-atlas is installed, the points alone if not.
    """
    known = {prefix: namespace for prefix, namespace in (*COMMON_PREFIXES, *prefixes) if prefix}
    atlas = installed("world-atlas", state().settings.node_modules)
    return {
        "js": _vendor_url(library, "yasgui.min.js"),
        "css": _vendor_url(library, "yasgui.min.css"),
        "config": {
            "endpoint": url_for("sparql.endpoint"),
            "method": "POST",
            "prefixes": dict(sorted(known.items())),
            "persistenceId": f"clip-kg {base}",
            "plugins": list(EDITOR_PLUGINS),
            "defaultQuery": DEFAULT_QUERY,
            "outlines": _vendor_url(atlas, "countries-110m.json") if atlas else None,
        },
    }


def _vendor_url(library: Library, name: str) -> str:
    return url_for("vendor.library_file", package=library.name, version=library.version, name=name)


def _with_headers(response: BaseResponse, negotiated: bool) -> BaseResponse:
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    if negotiated:
        response.vary.add("Accept")
    return response


@blueprint.after_app_request
def cors_on_errors(response: Response) -> Response:
    """Errors of /sparql and /queries carry CORS headers too, so browser clients can read them."""
    if request.path.startswith(("/sparql", "/queries", "/openapi")):
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", "5")
    return response
