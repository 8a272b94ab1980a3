"""The named queries of queries/: one ``.rq`` file each, with a ``#+ key: value`` header."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import PROJECT_ROOT
from .errors import NotFound

QUERIES_DIR = PROJECT_ROOT / "queries"


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue with its metadata."""

    name: str
    title: str
    description: str
    text: str


def parse_query_file(path: Path) -> NamedQuery:
    """Read a query file and its header of ``#+ key: value`` comment lines."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#+"):
            key, _, value = line[2:].partition(":")
            meta[key.strip()] = value.strip()
    return NamedQuery(path.stem, meta.get("title", path.stem), meta.get("description", ""), text)


def catalogue(folder: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """All named queries, by name."""
    return {q.name: q for q in (parse_query_file(p) for p in sorted(folder.glob("*.rq")))}


def resolve(query_or_name: str, folder: Path = QUERIES_DIR) -> str:
    """Query text from a name in queries/, a path to a .rq file, or the text itself."""
    if query_or_name.endswith(".rq") and not query_or_name.strip().startswith(("SELECT", "PREFIX")):
        path = Path(query_or_name)
        if not path.is_file():
            raise NotFound(f"no query file {path}")
        return path.read_text(encoding="utf-8")
    if query_or_name.replace("_", "").isalnum():
        named = catalogue(folder).get(query_or_name)
        if named is None:
            known = ", ".join(sorted(catalogue(folder)))
            raise NotFound(f"no named query {query_or_name!r} (known: {known})")
        return named.text
    return query_or_name
