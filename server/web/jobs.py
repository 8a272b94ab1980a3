"""Protocol queries on the executor, shared by /sparql and the named-query API."""

from __future__ import annotations

from flask import Response

from server.engine.interface import QueryAnswer, QueryJob
from server.engine.policy import explain_syntax_error
from server.errors import BadInput
from server.web.state import state


def run_job(job: QueryJob) -> QueryAnswer:
    """Run a job on the executor, explaining syntax errors that are really updates."""
    try:
        return state().executor.run(job)
    except BadInput:
        explain_syntax_error(job.query)
        raise


def answer_response(answer: QueryAnswer) -> Response:
    """The HTTP response for a serialized answer."""
    return Response(answer.body, mimetype=answer.format.media_type)
