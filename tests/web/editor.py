"""Where the tests find YASGUI, and how they take it away to see the plain query form."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from server.config import PROJECT_ROOT
from server.web.libraries import MAKE_SETUP, yasgui

INSTALLED = yasgui(PROJECT_ROOT / "node_modules")
# Skipped without it, a failure with KG_REQUIRE_TOOLS=1 (the needs_tool mark of conftest.py).
needs_yasgui = pytest.mark.needs_tool(
    missing=INSTALLED is None, reason=f"the query editor tests need @triply/yasgui in node_modules/: {MAKE_SETUP}"
)


@contextmanager
def node_modules_at(app: Flask, folder: Path) -> Iterator[None]:
    """The application looks for the front-end libraries in ``folder`` (as KG_NODE_MODULES would say); the
    pages kept per load are dropped on the way in and out, since they were drawn with the other folder's maps."""
    state = app.extensions["kg"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(state, "settings", replace(state.settings, node_modules=folder))
        state._cache.clear()
        try:
            yield
        finally:
            state._cache.clear()


def fake_yasgui(folder: Path, version: str = "9.9.9") -> Path:
    """A node_modules folder holding a stand-in YASGUI package of ``version``; returns the folder."""
    package = folder / "@triply" / "yasgui"
    (package / "build").mkdir(parents=True)
    (package / "package.json").write_text(f'{{"name": "@triply/yasgui", "version": "{version}"}}', encoding="utf-8")
    (package / "build" / "yasgui.min.js").write_text("window.Yasgui = function () {};\n", encoding="utf-8")
    (package / "build" / "yasgui.min.css").write_text(".yasgui { color: black }\n", encoding="utf-8")
    (package / "build" / "yasgui.html").write_text("<html></html>\n", encoding="utf-8")
    (folder / "secret.txt").write_text("not to be served\n", encoding="utf-8")
    return folder
