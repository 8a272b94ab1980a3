"""The site's CSV tables as DCAT distributions of the dataset (DCAT 3, 6.7), each with its CSVW metadata.

Each table is a ``dcat:Distribution`` with ``dcat:mediaType`` text/csv, ``dcterms:conformsTo`` the CSVW
recommendation and ``dcat:downloadURL`` the CSV; ``rdfs:seeAlso`` names its metadata document. The
tables of the named queries are not listed: their CSV depends on parameters (the OpenAPI document has them).
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from server.views.csvw import CSVW_RECOMMENDATION
from server.views.home import KINDS
from server.views.quality import TABLES

IANA_CSV = "https://www.iana.org/assignments/media-types/text/csv"


def table_paths() -> list[tuple[str, str]]:
    """(path of the CSV, title) of every table the site offers whatever the parameters, in page order."""
    paths = [("tables/matrix.csv", "Member cities by research module (one row per participation)")]
    paths += [(f"browse/{kind}.csv", f"Browse list: {heading}") for kind, (_, heading, _) in KINDS.items()]
    paths += [(f"quality/{name}.csv", f"Data quality: {name}") for name in TABLES]
    return paths


def describe_tables(graph: Graph, dataset: URIRef, root: str, base: str) -> None:
    """Add a ``dcat:Distribution`` per CSV table to ``dataset``; URLs under ``root``, IRIs under ``base``."""
    licence = graph.value(dataset, DCTERMS.license)
    for path, title in table_paths():
        distribution = URIRef(f"{base}catalog#table-{path.removesuffix('.csv').replace('/', '-')}")
        graph.add((dataset, DCAT.distribution, distribution))
        for predicate, value in (
            (RDF.type, DCAT.Distribution),
            (DCTERMS.title, RdfLiteral(f"{title} (CSV)", lang="en")),
            (DCAT.downloadURL, URIRef(root + path)),
            (DCAT.accessURL, URIRef(root + path)),
            (DCAT.mediaType, URIRef(IANA_CSV)),
            (DCTERMS.conformsTo, URIRef(CSVW_RECOMMENDATION)),
            (RDFS.seeAlso, URIRef(root + path + "-metadata.json")),
            (DCTERMS.license, licence),
        ):
            if value is not None:
                graph.add((distribution, predicate, value))
