"""The scale benchmark's report: the machine it ran on, and the two servers side by side as text or Markdown."""

from __future__ import annotations

from server.cli.explorebench import Exploration, Timing
from server.cli.loadtest import PAGES, Options, Pair, Report, Result
from server.cli.processes import mib
from server.cli.querymix import QUERIES, percentile


def _ratio(mine: str, reference: str) -> str:
    try:
        return f"{float(mine) / float(reference):.1f}x"
    except (ValueError, ZeroDivisionError):
        return "-"


def _seconds(value: float | None, note: str) -> str:
    return f"{value:.1f}" if value is not None else (note or "-")


def _queries_and_clients(a: Result, b: Result, options: Options) -> list[tuple[str, str, str]]:
    """(what, a, b) for the query mix at one client and the lookup mix at each concurrency level."""
    table, runs = [], f"{options.runs + 1} runs"
    for query in QUERIES:
        rows_a, rows_b = a.sizes.get(query.name, "-"), b.sizes.get(query.name, "-")
        mine, ref = a.latency.get(query.name, []), b.latency.get(query.name, [])
        table += [(f"{query.name} p{pc} (ms)", percentile(mine, pc), percentile(ref, pc)) for pc in (50, 95)]
        errors_a, errors_b = a.errors.get(query.name, "-"), b.errors.get(query.name, "-")
        table.append((f"  answer size / failed of {runs}", f"{rows_a} / {errors_a}", f"{rows_b} / {errors_b}"))
    for clients in options.clients:
        rate_a, rate_b = a.throughput.get(clients), b.throughput.get(clients)
        table.append(
            (
                f"lookup mix, {clients} clients (req/s)",
                f"{rate_a[0]:.0f}" if rate_a else "-",
                f"{rate_b[0]:.0f}" if rate_b else "-",
            )
        )
        table.append(("  failed requests", str(rate_a[1]) if rate_a else "-", str(rate_b[1]) if rate_b else "-"))
    return table


def rows(report: Report) -> list[tuple[str, str, str, str]]:
    """(what, ours, Oxigraph, ratio) for every figure."""
    a, b = report.ours, report.oxigraph
    table = [("ready (s)", _seconds(a.ready, a.note), _seconds(b.ready, b.note))]
    table += [("load (s)", _seconds(a.load, ""), _seconds(b.load, ""))]
    table += [("statistics and dumps written (s)", _seconds(a.complete, ""), "n/a")]
    table += [("PSS loaded, idle (MiB)", mib(a.pss_loaded), mib(b.pss_loaded))]
    table += [("PSS peak, sampled (MiB)", mib(a.pss_peak), mib(b.pss_peak))]
    table += _queries_and_clients(a, b, report.options)
    for name, _ in PAGES:
        for percent in (50, 95):
            table.append((f"page: {name} p{percent} (ms)", percentile(a.pages.get(name, []), percent), "n/a"))
    return [(label, mine, ref, "" if label.startswith("  ") else _ratio(mine, ref)) for label, mine, ref in table]


LOOKUP_TARGET, AGGREGATE_TARGET = 1.5, 1.1
"""The issue's targets for our server over an engine: a lookup's p50 at most 1.5 times the engine's own,
an aggregate's (every other query of the mix) within 10% of it."""


def _target(label: str, ratio: str) -> str:
    """'yes'/'no' against the target for the p50 rows of the query mix, '' for the other rows."""
    query = next((q for q in QUERIES if label == f"{q.name} p50 (ms)"), None)
    if query is None or ratio == "-":
        return ""
    limit = LOOKUP_TARGET if query.lookup else AGGREGATE_TARGET
    return f"{'yes' if float(ratio.rstrip('x')) <= limit else 'no'} (<= {limit}x)"


def pair_rows(pair: Pair, options: Options) -> list[tuple[str, str, str, str, str]]:
    """(what, ours over the engine, the engine alone, ratio, target met) for one engine."""
    a, b = pair.over, pair.alone
    table = [("ready (s)", _seconds(a.ready, a.note), _seconds(b.ready, b.note))]
    table += [("load (s)", _seconds(a.load, ""), _seconds(b.load, ""))]
    table += [("PSS loaded, idle: ours (MiB)", mib(a.pss_loaded), "n/a")]
    table += [("PSS loaded, idle: engine (MiB)", mib(a.engine_pss_loaded), mib(b.pss_loaded))]
    table += [("PSS peak, sampled: ours (MiB)", mib(a.pss_peak), "n/a")]
    table += [("PSS peak, sampled: engine (MiB)", mib(a.engine_pss_peak), mib(b.pss_peak))]
    table += _queries_and_clients(a, b, options)
    for name, _ in PAGES:
        for percent in (50, 95):
            table.append((f"page: {name} p{percent} (ms)", percentile(a.pages.get(name, []), percent), "n/a"))
    ratios = [(label, x, y, "" if label.startswith("  ") else _ratio(x, y)) for label, x, y in table]
    return [(label, x, y, ratio, _target(label, ratio)) for label, x, y, ratio in ratios]


def differences(pair: Pair, reference: Result) -> list[str]:
    """Where the answer sizes differ: ours over the engine against the engine alone, and the engine alone
    against the reference Oxigraph run."""
    lines = []
    for query in QUERIES:
        over, alone, ref = (r.sizes.get(query.name) for r in (pair.over, pair.alone, reference))
        if over != alone:
            lines.append(f"{query.name}: ours over {pair.engine} answered {over}, {pair.engine} alone {alone}")
        if pair.alone is not reference and alone != ref:
            lines.append(f"{query.name}: {pair.engine} alone answered {alone}, the reference Oxigraph {ref}")
        value_over, value_alone, value_ref = (r.values.get(query.name) for r in (pair.over, pair.alone, reference))
        if value_over != value_alone:
            lines.append(f"{query.name}: ours over {pair.engine} gave {value_over}, {pair.engine} alone {value_alone}")
        if pair.alone is not reference and value_alone != value_ref:
            lines.append(f"{query.name}: {pair.engine} alone gave {value_alone}, the reference Oxigraph {value_ref}")
    for name, failed in pair.over.page_errors.items():
        if failed:
            lines.append(f"page {name}: {failed} requests of ours over {pair.engine} failed (not status 200)")
    return lines


def pair_heading(pair: Pair, report: Report) -> list[str]:
    lines = [
        f"{pair.engine}: ours over {pair.engine} (serve --engine, {pair.engine} loaded with the graph and the "
        f"version marker; our cache built before by push --marker) against {pair.engine} alone"
        + (" (the reference run above)" if pair.alone is report.oxigraph else ""),
        "ratio = ours over the engine / the engine alone; target: lookups (the lookup mix's queries) p50 <= 1.5x, "
        "the other queries (aggregates) p50 <= 1.1x; memory of our process tree and of the engine's apart",
    ]
    if pair.engine == "virtuoso":
        lines.append(
            "Virtuoso holds the graph in a named graph and answers queries without GRAPH over the union of all its "
            "graphs, its system graphs and the marker included: whole-store counts are larger than Oxigraph's"
        )
    found = differences(pair, report.oxigraph)
    lines += [f"answers differ: {line}" for line in found] or [
        "answers: the same sizes and counts as the engine alone's"
    ]
    return lines


BROWSING_COLUMNS = ("first", "p50", "p95", "first", "p50", "p95", "p50 ratio", "failed")
"""Ours (first request, then p50/p95 of the runs after it), the reference's SPARQL alike, the ratio, failures."""


def _first(timing: Timing) -> str:
    return f"{timing.first:.1f}" if timing.first is not None else "-"


def _fine_ratio(mine: str, reference: str) -> str:
    """A ratio to two significant digits: browsing ratios run from hundredths to tens.

    >>> _fine_ratio("4.8", "222.1"), _fine_ratio("4.2", "3.5"), _fine_ratio("-", "1.0")
    ('0.022x', '1.2x', '-')
    """
    try:
        return f"{float(mine) / float(reference):.2g}x"
    except (ValueError, ZeroDivisionError):
        return "-"


def browsing_rows(found: Exploration) -> list[tuple[str, ...]]:
    """(case, ours first/p50/p95, Oxigraph first/p50/p95, ratio of the p50s, failed ours/Oxigraph), in ms."""
    table: list[tuple[str, ...]] = []
    for case in found.cases:
        mine, ref = found.ours.get(case.name, Timing()), found.reference.get(case.name, Timing())
        ours = (_first(mine), percentile(mine.warm, 50), percentile(mine.warm, 95))
        theirs = (_first(ref), percentile(ref.warm, 50), percentile(ref.warm, 95)) if case.sparql else ("n/a",) * 3
        table.append((case.name, *ours, *theirs, _fine_ratio(ours[1], theirs[1]), f"{mine.errors}/{ref.errors}"))
    return table


def browsing_heading(found: Exploration) -> list[str]:
    return [
        "Browsing: our /fragments (TriG) and /facets (JSON; the HTML list with one filter) against the same "
        "information from Oxigraph's SPARQL endpoint: a page (LIMIT 100 OFFSET) plus its COUNT for a fragment, "
        "the queries a facets answer lists for facets (their times summed per run)",
        "first = the first request (cold: counts and facets not yet kept); p50/p95 of the runs after it (ms)",
        *found.notes,
    ]


def _browsing_text(found: Exploration) -> list[str]:
    table = browsing_rows(found)
    width = max((len(row[0]) for row in table), default=10) + 2
    lines = ["", *browsing_heading(found), ""]
    lines.append(f"{'':<{width}}{'ours':>27}{'oxigraph SPARQL':>27}{'':>20}")
    lines.append(f"{'':<{width}}" + "".join(f"{column:>9}" for column in BROWSING_COLUMNS[:6]) + "  ratio  failed")
    lines += [f"{row[0]:<{width}}" + "".join(f"{cell:>9}" for cell in row[1:7]) + f"  {row[7]:>5}  {row[8]}"
              for row in table]  # fmt: skip
    return lines


def _browsing_markdown(found: Exploration) -> list[str]:
    lines = ["", "### Browsing: fragments and facets", "", *(f"- {line}" for line in browsing_heading(found)), ""]
    lines.append("| case | ours first | ours p50 | ours p95 | Oxigraph first | Oxigraph p50 | Oxigraph p95 | ratio p50 "
                 "| failed (ours/Oxigraph) |")  # fmt: skip
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines += ["| " + " | ".join(row) + " |" for row in browsing_rows(found)]
    return lines


def heading(report: Report) -> list[str]:
    s = report.summary
    lines = [
        f"Scale benchmark: {s.triples:,} synthetic triples ({report.file_bytes / 1e6:.1f} MB N-Triples, seed "
        f"{report.options.seed}; hub module with {s.plan.hub_participations:,} participations)",
        f"{report.options.runs} runs per query at one client; {report.options.duration:.0f} s per concurrency level; "
        f"startup deadline {report.options.deadline:.0f} s; servers measured one after the other; "
        f"our answer cache {'on' if report.options.answer_cache else 'off'}",
    ]
    lines += [f"{key}: {value}" for key, value in report.machine.items()]
    lines.append("ratio = ours / Oxigraph (times, memory: above 1 is worse; requests/s: below 1 is worse)")
    return lines


def render_text(report: Report) -> str:
    """The figures as a plain-text table."""
    table = rows(report)
    width = max(len(label) for label, *_ in table) + 2
    lines = [*heading(report), "", f"{'':<{width}}{'ours':>24}{'oxigraph':>24}{'ratio':>9}"]
    lines += [f"{label:<{width}}{mine:>24}{ref:>24}{ratio:>9}" for label, mine, ref, ratio in table]
    for pair in report.pairs:
        found = pair_rows(pair, report.options)
        width = max(len(label) for label, *_ in found) + 2
        lines += ["", *pair_heading(pair, report), ""]
        lines.append(f"{'':<{width}}{'ours over ' + pair.engine:>24}{pair.engine:>24}{'ratio':>9}  target")
        lines += [f"{label:<{width}}{x:>24}{y:>24}{ratio:>9}  {met}".rstrip() for label, x, y, ratio, met in found]
    if report.exploration is not None:
        lines += _browsing_text(report.exploration)
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """The figures as a Markdown table with the conditions as a list above it."""
    lines = [f"- {line}" for line in heading(report)]
    lines += ["", "| measure | ours | Oxigraph | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {label.strip()} | {mine} | {ref} | {ratio} |" for label, mine, ref, ratio in rows(report)]
    for pair in report.pairs:
        lines += ["", f"### {pair.engine}: ours over {pair.engine} and {pair.engine} alone", ""]
        lines += [f"- {line}" for line in pair_heading(pair, report)]
        lines += ["", f"| measure | ours over {pair.engine} | {pair.engine} alone | ratio | target met |"]
        lines.append("|---|---:|---:|---:|---|")
        lines += [
            f"| {label.strip()} | {x} | {y} | {ratio} | {met} |"
            for label, x, y, ratio, met in pair_rows(pair, report.options)
        ]
    if report.exploration is not None:
        lines += _browsing_markdown(report.exploration)
    return "\n".join(lines) + "\n"
