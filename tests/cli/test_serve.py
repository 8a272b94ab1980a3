"""`clip-kg serve`: the production server (gunicorn, workers, threads) as a user starts it."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from ..conftest import HAS_JAVA
from ..hostile import children_of
from ..live import clip_kg_serve

pytestmark = pytest.mark.live

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def served(cache_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with clip_kg_serve(cache_dir, query_timeout="2", reasoning="yes" if HAS_JAVA else "no") as running:
        yield running


def test_gunicorn_answers_sparqlwrapper(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = served
    wrapper = SPARQLWrapper(f"{url}/sparql")
    wrapper.setQuery("SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/clip-network/def/City> }")
    wrapper.setReturnFormat(JSON)
    result = wrapper.query()
    assert result.response.headers["Server"].startswith("gunicorn")
    assert result.convert()["results"]["bindings"][0]["n"]["value"] == "32"  # type: ignore[index,call-overload]


def test_gunicorn_stops_an_overrunning_query_and_keeps_serving(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = served
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{url}/sparql?" + urllib.parse.urlencode({"query": SLOW}), timeout=30)  # noqa: S310
    raised.value.close()
    assert raised.value.code == 503
    assert time.monotonic() - started < 15
    for _ in range(4):  # both workers, several query processes: all still answer
        with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=10) as response:  # noqa: S310
            assert response.status == 200


def test_sigterm_stops_the_server_and_its_query_processes(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = served
    children = _descendants(process.pid)
    assert len(children) >= 2  # the gunicorn workers, at least
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.2)
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []


def _descendants(pid: int) -> list[int]:
    found = children_of(pid)
    return found + [d for child in found for d in _descendants(child)]


def test_two_servers_on_one_machine_leave_the_home_folder_alone(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn's control socket sat at one path in the home folder, shared by every instance."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    with (
        clip_kg_serve(cache_dir, reasoning=str(HAS_JAVA)) as (first, _),
        clip_kg_serve(cache_dir, reasoning=str(HAS_JAVA)) as (second, _),
    ):
        for url in (first, second):
            with urllib.request.urlopen(url + "/", timeout=10) as answer:  # noqa: S310 - loopback only
                assert answer.status == 200
    assert list(tmp_path.iterdir()) == []
