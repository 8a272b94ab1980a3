"""Scaffolding, filled in by the linked-data work of issue 4."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("search", __name__)
