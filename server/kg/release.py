"""Releases: what replicas in front of a SPARQL engine need of a data version, without its store.

A store folder (``build``) holds the pyoxigraph store and everything derived from the data
once: the build record, the ontology, the literals engines rewrite, the dataset facts and
the dump files. A release is that folder without the store and without the N-Quads the
store was filled from: some megabytes for millions of triples, read-only, the same for every
replica. A replica opens it in a moment, builds nothing and parses no data; every query goes
to the engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from server.errors import BadInput
from server.kg.build import (
    BUILD_RECORD,
    CHANGED_LITERALS,
    FACTS_FILE,
    ONTOLOGY_FILE,
    KnowledgeGraph,
    filled_in_place,
    opened,
)
from server.kg.dumps import written_dumps

RELEASED_FILES = (BUILD_RECORD, ONTOLOGY_FILE, CHANGED_LITERALS, FACTS_FILE)
RELEASED_FOLDERS = ("dumps",)


def write_release(kg: KnowledgeGraph, releases: Path) -> Path:
    """Copy the release of ``kg`` into ``releases/{version}`` and return that folder.

    The copy is made beside its final place and renamed into it when complete, so a replica
    never opens half a release; a release already there is left as it is (it is the same).

    Raises:
        BadInput: the facts or dump files of the data version are not written yet.
    """
    check_complete(kg)
    target = releases / kg.version
    if (target / BUILD_RECORD).is_file():
        return target
    filled_in_place(target, lambda partial: copy_release_parts(kg, partial))
    return target


def check_complete(kg: KnowledgeGraph) -> None:
    """Raise ``BadInput`` unless the facts and dump files of ``kg`` are written (a release needs them)."""
    missing = _missing_parts(kg.folder)
    if missing:
        raise BadInput(f"the data version in {kg.folder} is not complete yet (missing: {', '.join(missing)})")


def copy_release_parts(kg: KnowledgeGraph, folder: Path) -> None:
    """Copy what a replica needs of ``kg`` (all but the store) into ``folder``."""
    for name in RELEASED_FILES:
        if (kg.folder / name).is_file():
            shutil.copy2(kg.folder / name, folder / name)
    for name in RELEASED_FOLDERS:
        shutil.copytree(kg.folder / name, folder / name)


def open_release(folder: Path, base: str) -> KnowledgeGraph:
    """The data version described by a release folder (see ``write_release``), to be served under ``base``.

    Raises:
        BadInput: the folder is not a complete release, or its IRIs are under another base.
    """
    if not (folder / BUILD_RECORD).is_file():
        raise BadInput(f"{folder} is not a release: it has no {BUILD_RECORD} (write one with 'clip-kg release')")
    missing = _missing_parts(folder)
    if missing:
        raise BadInput(f"the release in {folder} is not complete (missing: {', '.join(missing)})")
    kg = opened(folder)
    if kg.base != base:
        raise BadInput(f"the release in {folder} was built for the base {kg.base}, not {base}: set KG_BASE_URI to it")
    return kg


def _missing_parts(folder: Path) -> list[str]:
    missing = [name for name in (BUILD_RECORD, FACTS_FILE) if not (folder / name).is_file()]
    if written_dumps(folder / "dumps") is None:
        missing.append("dump files")
    return missing
