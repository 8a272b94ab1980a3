"""The scale benchmark's report: the machine it ran on, and the two servers side by side as text or Markdown."""

from __future__ import annotations

from server.cli.loadtest import PAGES, Report
from server.cli.processes import mib
from server.cli.querymix import QUERIES, percentile


def _ratio(mine: str, reference: str) -> str:
    try:
        return f"{float(mine) / float(reference):.1f}x"
    except (ValueError, ZeroDivisionError):
        return "-"


def _seconds(value: float | None, note: str) -> str:
    return f"{value:.1f}" if value is not None else (note or "-")


def rows(report: Report) -> list[tuple[str, str, str, str]]:
    """(what, ours, Oxigraph, ratio) for every figure."""
    a, b, runs = report.ours, report.oxigraph, f"{report.options.runs + 1} runs"
    table = [("ready (s)", _seconds(a.ready, a.note), _seconds(b.ready, b.note))]
    table += [("load (s)", _seconds(a.load, ""), _seconds(b.load, ""))]
    table += [("statistics and dumps written (s)", _seconds(a.complete, ""), "n/a")]
    table += [("PSS loaded, idle (MiB)", mib(a.pss_loaded), mib(b.pss_loaded))]
    table += [("PSS peak, sampled (MiB)", mib(a.pss_peak), mib(b.pss_peak))]
    for query in QUERIES:
        rows_a, rows_b = a.sizes.get(query.name, "-"), b.sizes.get(query.name, "-")
        mine, ref = a.latency.get(query.name, []), b.latency.get(query.name, [])
        table += [(f"{query.name} p{pc} (ms)", percentile(mine, pc), percentile(ref, pc)) for pc in (50, 95)]
        errors_a, errors_b = a.errors.get(query.name, "-"), b.errors.get(query.name, "-")
        table.append((f"  answer size / failed of {runs}", f"{rows_a} / {errors_a}", f"{rows_b} / {errors_b}"))
    for clients in report.options.clients:
        rate_a, rate_b = a.throughput.get(clients), b.throughput.get(clients)
        table.append(
            (
                f"lookup mix, {clients} clients (req/s)",
                f"{rate_a[0]:.0f}" if rate_a else "-",
                f"{rate_b[0]:.0f}" if rate_b else "-",
            )
        )
        table.append(("  failed requests", str(rate_a[1]) if rate_a else "-", str(rate_b[1]) if rate_b else "-"))
    for name, _ in PAGES:
        for percent in (50, 95):
            table.append((f"page: {name} p{percent} (ms)", percentile(a.pages.get(name, []), percent), "n/a"))
    return [(label, mine, ref, "" if label.startswith("  ") else _ratio(mine, ref)) for label, mine, ref in table]


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
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """The figures as a Markdown table with the conditions as a list above it."""
    lines = [f"- {line}" for line in heading(report)]
    lines += ["", "| measure | ours | Oxigraph | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {label.strip()} | {mine} | {ref} | {ratio} |" for label, mine, ref, ratio in rows(report)]
    return "\n".join(lines) + "\n"
