"""The front-end libraries npm installed (``make setup``): where they are and which files the site serves.

They are not part of the repository (``node_modules/`` is git-ignored, pinned by
``package-lock.json``), so the site must run without them: ``installed()`` answers ``None``
for a package that is missing, and the query page falls back to a plain form without YASGUI
and to a map without outlines without world-atlas. Only the files named in ``PACKAGES`` are
ever served, under a path that carries the installed version, so they can be cached for a
year and a new version is a new URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MAKE_SETUP = "make setup (with Node.js and npm installed)"
"""How to get the libraries, for the pages and messages that miss them."""


@dataclass(frozen=True)
class Package:
    """An npm package the site serves files of: its folder in node_modules, and name → (path in it, media type)."""

    folder: Path
    files: dict[str, tuple[str, str]]


PACKAGES = {
    "yasgui": Package(
        Path("@triply", "yasgui"),
        {
            "yasgui.min.js": ("build/yasgui.min.js", "text/javascript"),
            "yasgui.min.css": ("build/yasgui.min.css", "text/css"),
            "yasgui.min.js.map": ("build/yasgui.min.js.map", "application/json"),
        },
    ),
    # Natural Earth 1:110m country outlines as TopoJSON, for the query page's map of results.
    "world-atlas": Package(Path("world-atlas"), {"countries-110m.json": ("countries-110m.json", "application/json")}),
}
"""The packages served under /vendor/NAME/VERSION/, by the name in that path."""


@dataclass(frozen=True)
class Library:
    """An installed package: its name in our URLs, its version and its folder."""

    name: str
    version: str
    folder: Path
    files: dict[str, tuple[str, str]] = field(repr=False)

    def file(self, name: str) -> tuple[Path, str] | None:
        """The path and media type of one of the served files, or None for any other name (``..`` included)."""
        if name not in self.files:
            return None
        relative, media_type = self.files[name]
        path = self.folder / relative
        return (path, media_type) if path.is_file() else None


def installed(name: str, node_modules: Path) -> Library | None:
    """The package ``name`` of ``PACKAGES`` under ``node_modules``, or None when it or a file it serves is missing.

    Read on each call (a few stats and a small JSON file), so a ``make setup`` while the
    server runs is seen by the next page.
    """
    package = PACKAGES[name]
    folder = node_modules / package.folder
    try:
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    needed = [relative for relative, _ in package.files.values() if not relative.endswith(".map")]
    if not isinstance(version, str) or not all((folder / relative).is_file() for relative in needed):
        return None
    return Library(name, version, folder, package.files)


def yasgui(node_modules: Path) -> Library | None:
    """The installed YASGUI, or None."""
    return installed("yasgui", node_modules)
