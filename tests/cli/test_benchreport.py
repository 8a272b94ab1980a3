"""The scale benchmark's options and report: ``--engine`` adds a section per engine and changes nothing else.

The benchmark itself is run by hand (``clip-kg benchmark --against-oxigraph --engine ...``),
since speed is never checked by timed unit tests; here the report is rendered from made-up figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import benchreport, commands
from server.cli.loadtest import Options, Pair, Report, Result
from server.cli.main import build_parser, main
from server.cli.querymix import QUERIES
from server.cli.synthetic import Plan, Summary

LOOKUP = next(q.name for q in QUERIES if q.lookup)
AGGREGATE = next(q.name for q in QUERIES if not q.lookup)


def result(name: str, milliseconds: float, size: int = 3) -> Result:
    measured = Result(name, ready=1.0, load=0.5, pss_loaded=10_240, pss_peak=20_480)
    for query in QUERIES:
        measured.latency[query.name] = [milliseconds] * 4
        measured.sizes[query.name], measured.errors[query.name] = size, 0
    measured.throughput = {8: (100.0, 0), 32: (90.0, 0)}
    return measured


def report(pairs: list[Pair]) -> Report:
    options = Options(triples=1000, engines=tuple(pair.engine for pair in pairs))
    summary = Summary(Path("graph.nt"), 1000, Plan.for_size(1000))
    return Report(options, summary, 100_000, {"cpu": "test"}, result("ours", 2.0), result("oxigraph", 1.0), pairs)


def test_without_engines_the_report_has_no_engine_section() -> None:
    text, markdown = benchreport.render_text(report([])), benchreport.render_markdown(report([]))
    assert "ours over" not in text and "target" not in text
    assert "ours over" not in markdown and "###" not in markdown
    assert "| measure | ours | Oxigraph | ratio |" in markdown


def test_each_engine_has_its_pair_with_ratios_targets_and_both_memories() -> None:
    reference = result("oxigraph", 1.0)
    over_oxigraph = result("ours over oxigraph", 1.4)
    over_oxigraph.engine_pss_loaded, over_oxigraph.engine_pss_peak = 5_120, 6_144
    alone_virtuoso, over_virtuoso = result("virtuoso", 1.0, size=5), result("ours over virtuoso", 2.0, size=0)
    built = report([Pair("oxigraph", reference, over_oxigraph), Pair("virtuoso", alone_virtuoso, over_virtuoso)])
    built.oxigraph = reference
    rows = {label: rest for label, *rest in benchreport.pair_rows(built.pairs[0], built.options)}
    assert rows[f"{LOOKUP} p50 (ms)"] == ["1.4", "1.0", "1.4x", "yes (<= 1.5x)"]
    assert rows[f"{AGGREGATE} p50 (ms)"] == ["1.4", "1.0", "1.4x", "no (<= 1.1x)"]
    assert rows["PSS loaded, idle: engine (MiB)"][:2] == ["5", "10"]
    assert rows["PSS loaded, idle: ours (MiB)"][:2] == ["10", "n/a"]
    text = benchreport.render_text(built)
    assert "ours over oxigraph" in text and "ours over virtuoso" in text
    assert "(the reference run above)" in text
    assert f"answers differ: {LOOKUP}: ours over virtuoso answered 0, virtuoso alone 5" in text
    assert f"answers differ: {LOOKUP}: virtuoso alone answered 5, the reference Oxigraph 3" in text
    markdown = benchreport.render_markdown(built)
    assert "| measure | ours over virtuoso | virtuoso alone | ratio | target met |" in markdown


def test_differing_counts_and_failed_pages_are_reported() -> None:
    count = next(q.name for q in QUERIES if q.name.startswith("COUNT(*)"))
    alone, over = result("virtuoso", 1.0), result("ours over virtuoso", 1.0)
    alone.values[count], over.values[count] = "100050", "100050"
    over.page_errors = {"city page": 21, "home page /": 0}
    built = report([Pair("virtuoso", alone, over)])
    built.oxigraph.values[count] = "100000"
    text = benchreport.render_text(built)
    assert f"answers differ: {count}: virtuoso alone gave 100050, the reference Oxigraph 100000" in text
    assert "answers differ: page city page: 21 requests of ours over virtuoso failed" in text
    assert "home page /: 0" not in text and "ours over virtuoso gave" not in text


def test_engine_option_is_repeatable_or_a_list_and_deduplicated(monkeypatch: pytest.MonkeyPatch) -> None:
    args = build_parser().parse_args(
        ["benchmark", "--against-oxigraph", "--engine", "virtuoso", "oxigraph", "--engine", "virtuoso"]
    )
    seen: list[Options] = []

    def run(options: Options, progress: object) -> Report:
        seen.append(options)
        return report([])

    monkeypatch.setattr("server.cli.loadtest.run", run)
    commands.run_scale_benchmark(args, lambda _: None)
    assert seen[0].engines == ("virtuoso", "oxigraph")
    assert build_parser().parse_args(["benchmark", "--against-oxigraph"]).bench_engines == []


def test_engine_option_needs_the_scale_benchmark_and_a_known_engine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["benchmark", "--engine", "oxigraph"]) == 2
    assert "--against-oxigraph" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["benchmark", "--against-oxigraph", "--engine", "blazegraph"])
    assert exited.value.code == 2
