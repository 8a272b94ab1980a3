"""The few exception classes of the project, each with its HTTP status and CLI exit code.

Library code raises these; ``cli.py`` maps ``exit_code`` to the process exit status and
the web layer maps ``status`` to the HTTP response, each in one place.
"""

from __future__ import annotations


class KgError(Exception):
    """Base class: an error with a message meant for the person who caused it."""

    status = 500
    exit_code = 3
    retry_after: int | None = None
    """Seconds after which a retry may succeed (sent as Retry-After), for errors that pass."""


class BadInput(KgError):
    """Input that cannot be used at all: unreadable, unparsable, unknown format or name."""

    status = 400
    exit_code = 2


class DataSyntaxError(BadInput):
    """An RDF file that does not parse, with the place of the first error."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")


class NotConforming(KgError):
    """Data that parses but breaks the rules of the shapes or of the ontology."""

    status = 422
    exit_code = 1


class InconsistentData(NotConforming):
    """The ontology plus the data is inconsistent under OWL 2 (HermiT)."""


class ReasonerUnavailable(KgError):
    """HermiT cannot run, usually because no Java runtime is installed."""

    status = 503
    exit_code = 3


class QuerySyntaxError(BadInput):
    """A SPARQL query that does not parse."""


class UnsupportedQuery(BadInput):
    """A query that parses but asks for what the engine does not have: an unknown (extension) function."""


class NotFound(KgError):
    """An unknown resource, file or named query."""

    status = 404
    exit_code = 2


class NotAcceptable(KgError):
    """No representation matches what the client accepts."""

    status = 406
    exit_code = 2


class NotWritable(NotAcceptable):
    """The answer holds what the asked format cannot write: in RDF/XML, a property whose IRI does not end
    in an XML name (``http://example.org/1``, ``http://example.org/x#``)."""


class Forbidden(KgError):
    """A request this read-only endpoint refuses by policy (update, SERVICE)."""

    status = 403
    exit_code = 2


class UnsupportedMediaType(KgError):
    """A POST body of a media type the protocol does not define for queries."""

    status = 415
    exit_code = 2


class PayloadTooLarge(KgError):
    """A request body over the configured limit."""

    status = 413
    exit_code = 2


class UriTooLong(KgError):
    """A query string over the configured limit."""

    status = 414
    exit_code = 2


class WrongQueryForm(BadInput):
    """The query is of another form than the caller asked for (e.g. CONSTRUCT where SELECT is needed)."""


class ResultTooLarge(KgError):
    """The result has more rows or triples, or more bytes, than the configured limits."""

    status = 422
    exit_code = 2


class QueryMemoryExceeded(KgError):
    """The query needed more memory than one query process may take; it was stopped, its process replaced.

    A client error (422, as past the row and byte limits) rather than 503: the limit is per
    query process, so whether a query passes it depends on the query and the data, not on the
    server's load, and the same query asked again is stopped again.
    """

    status = 422
    exit_code = 2


class QueryCrashed(KgError):
    """The query process died while answering (the engine crashed); the query was not answered.

    A server error (500): the engine should answer or refuse any query; the crash is logged
    with the query's digest and counted.
    """

    status = 500
    exit_code = 3


class QueryTimeout(KgError):
    """The query ran past the time limit and was stopped."""

    status = 503
    exit_code = 3


class EngineUnavailable(KgError):
    """The SPARQL engine behind the site does not answer (down, unreachable, or refusing connections)."""

    status = 503
    exit_code = 3
    retry_after = 10


class EngineFailed(KgError):
    """The SPARQL engine behind the site answered with an error of its own (its text is not passed on)."""

    status = 502
    exit_code = 3


class EngineMismatch(BadInput):
    """The SPARQL engine does not hold the data version this site was built for."""


class DumpsPending(KgError):
    """The dump files of a large dataset are still being written by a background process."""

    status = 503
    exit_code = 3
    retry_after = 60


class StatisticsPending(KgError):
    """The dataset facts of a large dataset are still being gathered by a background process."""

    status = 503
    exit_code = 3
    retry_after = 10


class ServerBusy(KgError):
    """Every query process stayed busy for the whole time limit."""

    status = 503
    exit_code = 3


class TooManyQueries(KgError):
    """A client over its share of query processes: too many queries at once, or too many query seconds."""

    status = 429
    exit_code = 3

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
