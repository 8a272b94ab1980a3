"""The benchmark's settings for our server: what it must be told so that it is measured like the reference."""

from __future__ import annotations

from pathlib import Path

from server.cli.loadtest import Options, _our_env


def test_the_benchmark_clients_each_count_as_a_client_of_their_own(tmp_path: Path) -> None:
    env = _our_env(tmp_path, Options(triples=1_000, clients=(8, 32)))
    assert env["KG_CLIENT_QUERIES"] == "32", "all clients come from 127.0.0.1: a share of 4 would refuse most"
    assert int(env["KG_CONNECTIONS_PER_CLIENT"]) >= 32
    assert float(env["KG_CLIENT_QUERY_SECONDS"]) >= 32 * 60, "32 clients may each keep a process busy all minute"
    assert env["KG_ANSWER_CACHE_BYTES"] == "0" and env["KG_REASONING"] == "no"
