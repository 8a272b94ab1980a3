"""Namespace constants shared by every module (pySHACL's ``consts.py`` idea)."""

from __future__ import annotations

from rdflib import Namespace

CANONICAL_BASE = "https://w3id.org/clip-network/"
"""The base under which the CLIP data is written; other bases are applied at load time."""

CLIP = Namespace(CANONICAL_BASE + "def/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
GEONAMES = Namespace("https://sws.geonames.org/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def graph_iri(base: str, name: str) -> str:
    """Return the IRI of one of the dataset's named graphs under ``base``.

    >>> graph_iri("https://w3id.org/clip-network/", "asserted")
    'https://w3id.org/clip-network/graph/asserted'
    """
    return f"{base}graph/{name}"


GRAPH_NAMES = ("ontology", "asserted", "inferred")
"""The named graphs of the dataset, in the order they are built."""
