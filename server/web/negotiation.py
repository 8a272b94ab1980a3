"""Content negotiation for every blueprint: formats by ?format= or Accept, languages, documents.

The format registry and its Accept parsing live in ``server.formats``; this module reads
them from the current request, and gives every negotiated document the same headers:
Vary, Link rel=alternate for each variant, an ETag of the body and Last-Modified of the
data load, so a conditional request gets 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.utils import format_datetime

from flask import Response, request
from werkzeug.wrappers import Response as BaseResponse

from server.formats import Format, choose, from_parameters, negotiate
from server.web.language import LANGUAGE_TAG
from server.web.state import state


def chosen_format(offered: tuple[Format, ...]) -> Format:
    """The offered format the request asks for (``?format=`` beats Accept); 406 when none fits."""
    return choose(offered, request.headers.get("Accept"), request.args.get("format"))


def prefers(fmt: Format, offered: tuple[Format, ...]) -> bool:
    """True when the Accept header's pick among ``offered`` is ``fmt`` (no 406: a test, not a choice)."""
    return negotiate(request.headers.get("Accept"), offered) is fmt


def requested_format(offered: tuple[Format, ...]) -> str | None:
    """The format name the client wants for a query answer (a format parameter beats Accept).

    None when the client accepts none of ``offered``: the query still runs, and the engine
    answers 406 only if its result is of that kind.
    """
    explicit = format_parameters()
    if explicit:
        found = from_parameters(explicit, offered)
        return found.name if found else None
    negotiated = negotiate(request.headers.get("Accept"), offered)
    return negotiated.name if negotiated else None


def format_parameters() -> list[str]:
    """Values of the parameters that name a response format (format, output, results).

    SPARQLWrapper sends each of them, sometimes twice (a name and a media type).
    """
    return [v for key in ("format", "output", "results") for v in request.values.getlist(key) if v]


def reader_languages() -> list[str]:
    """?lang= first, then Accept-Language, then English: well-formed language tags only (a malformed
    ?lang= is ignored, as ``web.language`` ignores it in links)."""
    asked = request.args.get("lang", "")
    wanted = [asked] if LANGUAGE_TAG.fullmatch(asked) else []
    wanted += [lang for lang, _ in request.accept_languages if LANGUAGE_TAG.fullmatch(lang)]
    return [*dict.fromkeys(code.lower() for code in wanted), "en"]


def document_response(
    body: bytes | str,
    fmt: Format,
    variants: tuple[Format, ...],
    variant_url: Callable[[Format], str],
    negotiated: bool,
) -> BaseResponse:
    """A document in one of its variants, with every header a document carries.

    ``negotiated``: the generic document (Content-Location names the variant, Vary: Accept);
    otherwise an explicit variant's own URL. Answers 304 when the client has it.
    """
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Link"] = ", ".join(
        f'<{variant_url(variant)}>; rel="alternate"; type="{variant.media_type}"' for variant in variants
    )
    if negotiated:
        response.headers["Content-Location"] = variant_url(fmt)
        response.vary.add("Accept")
    return conditional(response)


def conditional(response: Response) -> BaseResponse:
    """ETag from the body (so each variant has its own), Last-Modified from the data load; 304 when current."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Last-Modified"] = format_datetime(state().loaded_at, usegmt=True)
    return response.make_conditional(request)
