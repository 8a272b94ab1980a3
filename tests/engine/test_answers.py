"""The per-load answer cache: found again only by the very same job, bounded in bytes."""

from __future__ import annotations

from server.engine.answers import AnswerCache
from server.engine.interface import QueryAnswer, QueryJob
from server.engine.terms import Iri


def answer(size: int) -> QueryAnswer:
    return QueryAnswer(b"x" * size, "json", "results")


def test_an_answer_is_found_by_its_whole_job_only() -> None:
    cache = AnswerCache(1000)
    job = QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json")
    cache.put(job, answer(10))
    assert cache.get(QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json")) is not None
    for other in (
        QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="csv"),
        QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json", default_graphs=("http://g",)),
        QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json", substitutions=(("s", Iri("http://a")),)),
        QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json", max_results=5),
        QueryJob("SELECT * WHERE { ?s ?p ?o } ", results_format="json"),
    ):
        assert cache.get(other) is None
    assert (cache.hits, cache.misses) == (1, 5)


def test_the_least_recently_used_go_first_to_stay_within_the_bound() -> None:
    cache = AnswerCache(1000)
    jobs = [QueryJob(f"ASK {{ <http://e/{n}> ?p ?o }}") for n in range(4)]
    for job in jobs[:3]:
        cache.put(job, answer(250))
    assert cache.get(jobs[0]) is not None  # now the most recently used
    cache.put(jobs[3], answer(250))
    assert (len(cache), cache.size) == (4, 1000)
    cache.put(QueryJob("ASK {}"), answer(200))
    assert cache.get(jobs[1]) is None and cache.get(jobs[0]) is not None
    assert cache.size <= 1000


def test_large_answers_and_a_zero_bound_keep_nothing() -> None:
    cache = AnswerCache(1000)
    cache.put(QueryJob("ASK {}"), answer(251))
    assert len(cache) == 0
    nothing = AnswerCache(0)
    nothing.put(QueryJob("ASK {}"), answer(1))
    assert nothing.get(QueryJob("ASK {}")) is None
