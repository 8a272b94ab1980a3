"""What each ``clip-kg`` verb does; results come back as data for ``cli.py`` to print."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph

from server.config import PROJECT_ROOT, Settings, resolve_inputs
from server.errors import BadInput
from server.formats import by_name
from server.kg.build import build
from server.kg.citable import check_version, write_citable_release
from server.kg.dumps import write_dump
from server.kg.loading import parse_files
from server.kg.places import GENERATED_FILE, enrich, header
from server.kg.progress import Progress
from server.kg.reasoning import reason
from server.kg.release import write_release
from server.kg.validation import validate
from server.web.state import AppState


@dataclass(frozen=True)
class Outcome:
    """Exit code, data for stdout and a message for stderr."""

    exit_code: int = 0
    output: str | bytes = ""
    message: str = ""


def run(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Dispatch to the function of the verb."""
    verbs = {
        "validate": run_validate,
        "reason": run_reason,
        "dump": run_dump,
        "serve": run_serve,
        "query": run_query,
        "enrich": run_enrich,
        "report": run_report,
        "benchmark": run_benchmark,
        "crawl": run_crawl,
        "push": run_push,
        "release": run_release,
    }
    return verbs[args.verb](args, settings, progress)


def run_validate(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """SHACL report; exit 0 when the data conforms, 1 when it does not."""
    inputs = resolve_inputs(settings.with_overrides(data_files=None))
    data_files = tuple(args.files) or inputs.data
    shapes_files = settings.shapes_files or inputs.shapes
    ontology = parse_files(inputs.ontology, progress)
    data = parse_files(data_files, progress)
    shapes = parse_files(shapes_files, progress)
    progress(f"validating {len(data)} triples against {len(shapes_files)} shapes file(s)")
    report = validate(data, shapes, ontology)
    return Outcome(0 if report.conforms else 1, report.text())


def run_reason(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """HermiT consistency check; the inferred triples to --out or a summary."""
    inputs = resolve_inputs(settings.with_overrides(data_files=None))
    ontology = parse_files(inputs.ontology, progress)
    data = parse_files(tuple(args.files) or inputs.data, progress)
    result = reason(ontology, data, progress)
    summary = f"consistent; {len(result.inferred)} inferred triples in {result.seconds:.1f} s"
    if args.out:
        for prefix, namespace in ontology.namespaces():
            result.inferred.bind(prefix, namespace, replace=True)
        _write_turtle(result.inferred, args.out)
        summary += f"; written to {args.out}"
    return Outcome(0, summary)


def run_dump(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Build the dataset and write it in one format."""
    fmt = by_name(args.format)
    kg = build(settings, progress)
    progress(f"writing {fmt.label}")
    path = write_dump(kg.write_as, fmt, args.out)
    return Outcome(0, str(path))


def run_serve(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Build, then serve with gunicorn until interrupted."""
    from server.cli.serving import serve

    serve(settings, progress)
    return Outcome(0)


def run_query(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Run a query on the embedded graph or, with --endpoint, on any SPARQL endpoint."""
    from server.cli.client import run_query as run

    parameters = {}
    for pair in args.param:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise BadInput(f"--param takes NAME=VALUE, not {pair!r}")
        parameters[name] = value
    return Outcome(0, run(args.query, parameters, args.endpoint, by_name(args.format), settings, progress))


def run_enrich(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Regenerate graph/geo.ttl from packaged GeoNames and ISO 3166 data."""
    target = PROJECT_ROOT / "graph" / GENERATED_FILE
    curated = parse_files(curated_files(), progress)
    generated, unmatched = enrich(curated)
    _write_turtle(generated, target, header())
    note = f"{len(generated)} triples written to {target}"
    if unmatched:
        note += "; no GeoNames record for: " + ", ".join(unmatched)
    return Outcome(0, note)


def run_report(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Regenerate docs/data-report.md from the built graph."""
    from server.cli.report import REPORT_FILE, data_report

    kg = build(settings.with_overrides(data_files=None), progress)
    target = PROJECT_ROOT / REPORT_FILE
    partial = target.with_suffix(".partial")
    partial.write_text(data_report(kg), encoding="utf-8")
    partial.replace(target)
    return Outcome(0, f"written to {REPORT_FILE}")


def run_benchmark(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Time the build steps and the query engines on the CLIP graph; or, with --against-oxigraph, the scale
    benchmark of both servers on a synthetic graph."""
    if getattr(args, "against_oxigraph", False):
        return run_scale_benchmark(args, progress)
    if getattr(args, "bench_engines", None):
        raise BadInput("--engine goes with --against-oxigraph (the scale benchmark)")
    from server.cli.benchmark import run

    return Outcome(0, run(args.repeat))


def run_scale_benchmark(args: argparse.Namespace, progress: Progress) -> Outcome:
    """Both servers on one synthetic graph of --triples; the table to stdout, Markdown to --markdown."""
    from server.cli import benchreport, loadtest

    if args.triples < 1 or args.repeat < 1 or args.deadline <= 0 or args.duration <= 0:
        raise BadInput("--triples and --repeat must be at least 1, --deadline and --duration positive")
    options = loadtest.Options(
        triples=args.triples,
        deadline=args.deadline,
        runs=args.repeat,
        duration=args.duration,
        seed=args.seed,
        answer_cache=args.answer_cache,
        engines=tuple(dict.fromkeys(name for names in args.bench_engines for name in names)),
    )
    report = loadtest.run(options, progress)
    message = ""
    if args.markdown:
        args.markdown.write_text(benchreport.render_markdown(report), encoding="utf-8")
        message = f"Markdown written to {args.markdown}"
    return Outcome(0, benchreport.render_text(report), message)


def run_push(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Put every graph of the data version, then its marker, into an engine; or print the marker."""
    from server.cli.push import push
    from server.kg.marker import marker_nquads

    kg = build(settings, progress)
    if args.marker:
        return Outcome(0, marker_nquads(kg.base, kg.version).decode("utf-8").rstrip("\n"))
    if not args.engine_store:
        raise BadInput("give the engine's Graph Store Protocol URL with --engine-store, or --marker")
    pushed = push(kg, args.engine_store, progress)
    return Outcome(
        0, f"{pushed:,} triples in {len(kg.graph_names())} graphs and the version marker pushed to {args.engine_store}"
    )


def run_crawl(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Crawl a running server; exit 1 when some IRI does not dereference to HTML and RDF."""
    from server.cli.crawl import crawl

    progress(f"crawling {args.server}")
    report = crawl(args.server, settings.base_uri, args.limit, threads=max(1, args.threads))
    complete = report.checked == report.iris or args.limit
    return Outcome(0 if not report.failures and complete else 1, report.text())


def curated_files() -> tuple[Path, ...]:
    """The hand-curated data files: everything in graph/ but the generated one."""
    files = tuple(p for p in sorted((PROJECT_ROOT / "graph").glob("*.ttl")) if p.name != GENERATED_FILE)
    if not files:
        raise BadInput(f"no Turtle files in {PROJECT_ROOT / 'graph'}")
    return files


def _write_turtle(graph: Graph, path: Path, preamble: str = "") -> None:
    text = graph.serialize(format="turtle")
    partial = path.with_suffix(".partial")
    partial.write_text(preamble + text, encoding="utf-8")
    partial.replace(path)


def run_release(args: argparse.Namespace, settings: Settings, progress: Progress) -> Outcome:
    """Build the data version with its facts and dumps, and release it.

    ``args.target`` names a citable release (a version, written into the releases folder) or,
    with a ``/`` in it, a folder for a replica release (issue 9); ``args.out`` is that folder.
    """
    target = getattr(args, "target", None)
    out = Path(target) if target is not None and "/" in target.replace(os.sep, "/") else getattr(args, "out", None)
    version = check_version(target) if out is None and target is not None else None
    if out is None and version is None:
        raise BadInput("release what? give a VERSION (1.0.0, 2026-12-05) or a folder path (./releases)")
    if version is not None and (settings.releases_folder / version).exists():
        raise BadInput(f"release {version} exists already in {settings.releases_folder}: name a new version")
    local = replace(settings, engine="", release=None)
    kg = build(local, progress)
    AppState.load(kg, local, progress, wait=True).executor.shutdown()
    if out is not None:
        folder = write_release(kg, out)
        return Outcome(0, f"{folder}\n", f"release of data version {kg.version} in {folder}")
    release = write_citable_release(kg, settings.releases_folder, str(version))
    previous = f", after {release.previous}" if release.previous else ", the first"
    return Outcome(0, f"{release.folder}\n", f"release {version} of data version {kg.version}{previous}")
