"""The ``clip-kg`` command line: the only place that prints or exits.

Exit codes (adapted from pySHACL): 0 success (validate: the data conforms; reason: the
data is consistent), 1 the data does not conform or is inconsistent, 2 bad input (usage,
unreadable or unparsable file, bad query, unknown name or format), 3 internal error or a
missing tool (no Java for HermiT).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server.cli import commands
from server.config import Settings
from server.engine.loader import UPDATE
from server.errors import BadInput, KgError
from server.formats import RDF_FORMATS, RESULTS_FORMATS

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class ArgumentParser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors, which is already our bad-input code."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per verb."""
    parser = ArgumentParser(prog="clip-kg", description="Build, check and serve the CLIP knowledge graph.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    validate = verbs.add_parser("validate", help="check data against the SHACL shapes")
    validate.add_argument("files", nargs="*", type=Path, help="data files (default: the CLIP graph in graph/)")
    validate.add_argument("--shapes", nargs="+", type=Path, help="shapes files (default: shapes/)")

    reason = verbs.add_parser("reason", help="check consistency with HermiT and show the inferred triples")
    reason.add_argument("files", nargs="*", type=Path, help="data files (default: the CLIP graph in graph/)")
    reason.add_argument("--out", type=Path, help="write the inferred triples to this Turtle file")

    dump = verbs.add_parser("dump", help="write the dataset in one format")
    dump.add_argument("--format", required=True, choices=[f.name for f in RDF_FORMATS])
    dump.add_argument("--out", type=Path, default=Path("dumps"), help="folder to write to (default: dumps/)")
    _add_data_options(dump)

    serve = verbs.add_parser("serve", help="serve the graph over HTTP with a production WSGI server")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 5000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, help="threads per worker (default 4)")
    serve.add_argument("--engine", help="SPARQL endpoint of an engine holding the data (default: the embedded store)")
    serve.add_argument(
        "--release", type=Path, help="with --engine: serve this release folder (clip-kg release) instead of building"
    )
    _add_data_options(serve)

    release = verbs.add_parser(
        "release",
        help="freeze the data as citable release VERSION in KG_RELEASES_DIR (served at /release/VERSION/); "
        "or, given a folder path, write what replicas need into FOLDER/DATA-VERSION; print where",
    )
    release.add_argument(
        "target",
        metavar="VERSION|FOLDER/",
        help="a version (1.0.0, 2026-12-05) for a citable release, or a path with a '/' "
        "(/srv/clip-kg/releases, ./releases) for a replica release named by the data version",
    )
    release.add_argument("--releases-dir", type=Path, help="folder of citable releases (default: KG_RELEASES_DIR)")
    _add_data_options(release)

    push = verbs.add_parser("push", help="load the data version into a SPARQL engine (Graph Store Protocol)")
    push.add_argument("--engine-store", help="Graph Store Protocol URL of the engine, e.g. http://127.0.0.1:7878/store")
    push.add_argument("--marker", action="store_true", help="print the data version's marker triple as N-Quads")
    _add_data_options(push)

    query = verbs.add_parser("query", help="run a SPARQL query here or against any endpoint")
    query.add_argument("query", help="query text, a .rq file, or the name of a query in queries/")
    query.add_argument("--endpoint", help="URL of a SPARQL endpoint (default: the embedded graph)")
    query.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter of a named query (repeatable)"
    )
    query.add_argument("--format", default="csv", choices=[f.name for f in RESULTS_FORMATS + RDF_FORMATS])
    _add_data_options(query)

    verbs.add_parser("enrich", help="regenerate graph/geo.ttl from the packaged GeoNames and ISO data")
    verbs.add_parser("report", help="regenerate docs/data-report.md: what the graph holds and lacks")
    crawl = verbs.add_parser("crawl", help="check that every resource IRI of a running server dereferences")
    crawl.add_argument("server", help="URL of the running server, e.g. http://127.0.0.1:5000")
    crawl.add_argument("--base-uri", help="the data's base (default: the configured base)")
    crawl.add_argument("--limit", type=int, help="check only the first N IRIs")
    crawl.add_argument("--threads", type=int, default=1, help="client threads (default 1: page times at one client)")
    benchmark = verbs.add_parser("benchmark", help="time the build steps and compare query engines")
    benchmark.add_argument("--repeat", type=int, default=20, help="runs per query (default 20)")
    benchmark.add_argument(
        "--against-oxigraph",
        action="store_true",
        help="scale benchmark: a synthetic graph served by this server and by the Oxigraph server (extra 'bench')",
    )
    benchmark.add_argument("--triples", type=int, default=100_000, help="size of the synthetic graph (default 100000)")
    benchmark.add_argument("--deadline", type=float, default=600.0, help="seconds each server may take to start")
    benchmark.add_argument("--duration", type=float, default=10.0, help="seconds per concurrency level (default 10)")
    benchmark.add_argument("--seed", type=int, default=1, help="seed of the synthetic graph and of the picks")
    benchmark.add_argument("--markdown", type=Path, help="also write the figures as Markdown to this file")
    benchmark.add_argument(
        "--answer-cache", action="store_true", help="keep our server's answer cache on (default off: Oxigraph has none)"
    )
    benchmark.add_argument(
        "--engine",
        dest="bench_engines",
        action="append",
        nargs="+",
        choices=("oxigraph", "virtuoso"),
        default=[],
        help="with --against-oxigraph: also measure this engine (oxigraph, virtuoso) alone and behind our server "
        "(serve --engine); "
        "repeatable or a list (default none)",
        metavar="ENGINE",
    )
    return parser


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", type=Path, help="RDF files to use instead of the CLIP graph")
    parser.add_argument("--base-uri", help="public base of the resource IRIs")
    parser.add_argument("--no-reasoning", action="store_true", help="skip HermiT (no inferred graph)")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the command-line options."""
    overrides: dict[str, Any] = {
        "base_uri": getattr(args, "base_uri", None),
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
        "workers": getattr(args, "workers", None),
        "threads": getattr(args, "threads", None),
        "data_files": tuple(args.data) if getattr(args, "data", None) else None,
        "shapes_files": tuple(args.shapes) if getattr(args, "shapes", None) else None,
        "reasoning": False if getattr(args, "no_reasoning", False) else None,
        "engine": getattr(args, "engine", None),
        "release": getattr(args, "release", None),
        "releases_dir": getattr(args, "releases_dir", None),
    }
    return Settings.from_env().with_overrides(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    step = 0

    drawing = sys.stderr.isatty()
    updating = False

    def progress(message: str) -> None:
        """One line per step; an update of a step (a progress bar) is drawn over the line before on a terminal."""
        nonlocal step, updating
        step += 1
        update = message.startswith(UPDATE)
        line = f"[{time.monotonic() - started:5.1f}s] {message.removeprefix(UPDATE)}"
        if drawing and update:
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(("\n" if drawing and updating else "") + line, file=sys.stderr, flush=True)
        updating = drawing and update

    try:
        settings = settings_from(args)
        outcome = commands.run(args, settings, progress)
    except BadInput as error:
        print(f"clip-kg: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KgError as error:
        print(f"clip-kg: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("clip-kg: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    if isinstance(outcome.output, bytes):
        sys.stdout.buffer.write(outcome.output)
    elif outcome.output:
        print(outcome.output, end="" if outcome.output.endswith("\n") else "\n")
    if outcome.message:
        print(outcome.message, file=sys.stderr)
    return outcome.exit_code
