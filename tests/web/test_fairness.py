"""The table of the clients' shares: queries at once, query seconds per minute, heavy clients."""

from __future__ import annotations

import os
import time

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from server.config import Settings
from server.errors import TooManyQueries
from server.web.fairness import ARRIVED, ClientTable, Limits, client_key, install


def table(concurrent: int = 2, seconds: float = 10.0, heavy: int = 0, timeout: float = 2.0) -> ClientTable:
    return ClientTable(Limits(concurrent, seconds, heavy, timeout), slots=64)


def test_a_client_over_its_queries_at_once_is_refused_with_retry_after() -> None:
    clients = table(concurrent=2)
    with clients.admitted("10.0.0.1"), clients.admitted("10.0.0.1"):
        with pytest.raises(TooManyQueries) as refused, clients.admitted("10.0.0.1"):
            pass
        assert refused.value.status == 429
        assert 1 <= (refused.value.retry_after or 0) <= 2
        with clients.admitted("10.0.0.2"):  # another client meanwhile
            pass
    with clients.admitted("10.0.0.1"):  # both answered: the client may query again
        pass


def test_a_client_over_its_query_seconds_is_refused_until_the_minute_frees_them() -> None:
    clients = table(seconds=10.0)
    with clients.admitted("10.0.0.1") as ticket:
        clients.charge(ticket, 12.0)
    with pytest.raises(TooManyQueries, match="12 s of query time") as refused, clients.admitted("10.0.0.1"):
        pass
    assert 10 <= (refused.value.retry_after or 0) <= 71  # the rest of this minute, then 10 s of the next
    with clients.admitted("10.0.0.2"):
        pass


def test_a_query_that_crashed_its_process_costs_its_client_the_minute() -> None:
    """Item 4 of issue 10: a client that crashes query processes again and again is held off."""
    clients = table(seconds=60.0)
    with clients.admitted("10.0.0.3") as ticket:
        clients.charge_crash(ticket)
    with pytest.raises(TooManyQueries, match="60 s of query time"), clients.admitted("10.0.0.3"):
        pass
    with clients.admitted("10.0.0.4"):
        pass


def test_heavy_clients_share_the_heavy_places_and_light_ones_pass() -> None:
    clients = table(concurrent=0, seconds=0, heavy=1)
    for address in ("10.0.0.1", "10.0.0.2"):
        with clients.admitted(address) as ticket:
            clients.charge(ticket, 2.0)  # one query that ran into the limit: heavy now
    with clients.admitted("10.0.0.1"):
        with pytest.raises(TooManyQueries, match="ran into the time limit"), clients.admitted("10.0.0.2"):
            pass
        with clients.admitted("10.0.0.3"):  # a light client is not held up
            pass


def test_the_table_is_shared_with_forked_processes() -> None:
    clients = table(concurrent=1)
    with clients.admitted("10.0.0.1"):
        child = os.fork()
        if child == 0:  # the child sees the parent's running query
            try:
                with clients.admitted("10.0.0.1"):
                    os._exit(1)
            except TooManyQueries:
                os._exit(0)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_many_short_queries_do_not_make_a_client_heavy() -> None:
    clients = table(concurrent=0, seconds=0, heavy=1)
    with clients.admitted("10.0.0.1") as ticket:
        clients.charge(ticket, 2.0)
    for _ in range(50):  # 5 s of query processes in all, none of them long
        with clients.admitted("10.0.0.2") as ticket:
            clients.charge(ticket, 0.1)
    with clients.admitted("10.0.0.1"), clients.admitted("10.0.0.2"):
        pass


def test_a_full_table_takes_the_least_recently_used_slot() -> None:
    clients = table(concurrent=1)
    for number in range(200):  # more clients than slots: none is refused for lack of room
        with clients.admitted(f"10.0.{number // 250}.{number % 250}"):
            pass


def test_an_ipv6_client_is_its_64() -> None:
    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1")
    assert client_key("2001:db8::1") != client_key("2001:db8:0:1::1")
    assert client_key("10.0.0.1") != client_key("10.0.0.2")


def test_no_limits_admit_everything() -> None:
    clients = table(concurrent=0, seconds=0, heavy=0)
    with clients.admitted("10.0.0.1") as ticket:
        assert ticket is None


def test_an_early_check_refuses_as_admission_would_and_holds_nothing() -> None:
    clients = table(concurrent=1)
    clients.refuse_early("10.0.0.1")
    with clients.admitted("10.0.0.1"):
        with pytest.raises(TooManyQueries):
            clients.refuse_early("10.0.0.1")
        clients.refuse_early("10.0.0.2")
    clients.refuse_early("10.0.0.1")


@pytest.mark.parametrize(("proxies", "seen"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_x_forwarded_for_is_trusted_only_behind_declared_proxies(proxies: int, seen: str) -> None:
    app = Flask(__name__)
    install(app, Settings(trusted_proxies=proxies))
    app.add_url_rule("/who", "who", lambda: request.remote_addr or "")
    response = app.test_client().get(
        "/who", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.text == seen


def test_a_heavy_query_of_a_dead_worker_is_forgotten_once_no_query_can_still_run() -> None:
    clients = table(concurrent=0, seconds=0, heavy=1, timeout=2.0)
    for address in ("10.0.0.1", "10.0.0.2"):
        with clients.admitted(address) as ticket:
            clients.charge(ticket, 2.0)
    now = time.monotonic()
    clients._admit(client_key("10.0.0.1"), now)  # admitted, never released: its worker was killed
    with pytest.raises(TooManyQueries):
        clients._admit(client_key("10.0.0.2"), now + 10)
    assert clients._recount_heavy(now + 10) == 1
    assert clients._recount_heavy(now + 2.0 + 61) == 0  # longer ago than any query may run


def test_a_query_whose_time_ran_out_before_a_thread_took_it_is_answered_503_at_once(client: FlaskClient) -> None:
    """The time limit counts from the arrival the server put in the environ, not from the thread's pick-up."""
    started = time.monotonic()
    response = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s ?p ?late }"},
        headers={"Accept": "application/sparql-results+json"},
        environ_base={ARRIVED: started - 600.0, "REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 503 and b"waited the whole limit" in response.data
    assert time.monotonic() - started < 1.0
