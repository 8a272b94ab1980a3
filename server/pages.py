"""The HTML pages: for now the home page that explains the dataset and links to it."""

from __future__ import annotations

from flask import Blueprint, render_template

from .state import state

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    """What this dataset is, its named graphs and their sizes, and where to go next."""
    current = state()
    sizes = current.store.graph_sizes()
    graphs = [(name, sizes.get(name, 0)) for name in current.kg.graph_names()]
    return render_template("home.html", graphs=graphs, total=len(current.store), base=current.kg.base)
