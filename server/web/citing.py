"""How to cite the data served now, and the releases it is cited by (read from the releases folder).

Shared by the releases blueprint (the pages and the footer's "cite this") and the VoID and
DCAT documents, which list the releases as versions of the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.kg.citable import Credit, Release, citation_text, list_releases
from server.web.state import state


@dataclass(frozen=True)
class Citation:
    """How to cite the data served now: its release, or unreleased data of a day and data version."""

    text: str
    release: Release | None
    """The release the served data is, or None when it is unreleased."""
    latest: Release | None
    """The newest release, whether or not the served data is it."""


def known_releases() -> tuple[Release, ...]:
    """The releases in the releases folder, newest first; read again only when the folder changes."""
    folder = state().settings.releases_folder
    try:
        changed = folder.stat().st_mtime_ns
    except OSError:
        return ()
    return state().remember(("releases", str(folder), changed), lambda: list_releases(folder))


def citation() -> Citation:
    """The citation of the data served now (the one function every page's "cite this" uses)."""
    current = state()
    found = known_releases()
    latest = found[0] if found else None
    release = latest if latest is not None and latest.data_version == current.kg.version else None
    credit = release.credit if release else current.remember(("credit",), lambda: Credit.of(current.kg))
    text = citation_text(credit, release, current.kg.version, current.loaded_at.date())
    return Citation(text, release, latest)
