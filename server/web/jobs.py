"""Protocol queries on the executor, shared by /sparql and the named-query API."""

from __future__ import annotations

import time

from flask import Response, g, request
from werkzeug.wrappers import Response as BaseResponse

from server.engine.interface import QueryAnswer, QueryJob
from server.engine.policy import explain_syntax_error
from server.errors import QueryCrashed, QuerySyntaxError, QueryTimeout
from server.web import fairness
from server.web.state import state

CACHE_SECONDS = 60
"""How long a client or proxy may reuse a GET answer before revalidating it."""


def run_job(job: QueryJob) -> QueryAnswer:
    """The answer kept from an earlier identical job, else the executor's (explaining syntax errors).

    A kept answer is free; a query for a process counts against its client's share
    (``fairness.py``) and must answer within the time limit counted from the request's arrival.
    """
    current = state()
    kept = current.answers.get(job)
    if kept is not None:
        return kept
    deadline = fairness.arrival(default=g.get("started", time.monotonic())) + current.settings.query_timeout
    if deadline <= time.monotonic():
        raise QueryTimeout(f"the request waited the whole limit of {current.settings.query_timeout:g} s for a thread")
    clients = fairness.table()
    try:
        with clients.admitted(request.remote_addr) as ticket:
            try:
                answer = current.executor.run(job, deadline, held=lambda seconds: clients.charge(ticket, seconds))
            except QueryCrashed:
                clients.charge_crash(ticket)
                raise
    except QuerySyntaxError:
        explain_syntax_error(job.query)
        raise
    current.answers.put(job, answer)
    return answer


def answer_response(answer: QueryAnswer) -> BaseResponse:
    """The HTTP response for a serialized answer; GET answers are cacheable and revalidated by ETag.

    The data is read-only between loads, so a client or a proxy may keep a GET answer for a
    minute and then ask again with If-None-Match (304 when it is still the same).
    """
    response = Response(answer.body, mimetype=answer.format.media_type)
    if request.method not in ("GET", "HEAD"):
        return response
    response.set_etag(answer.etag)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response.make_conditional(request)
