"""What a named graph of the dataset is: its size, its purpose, where to query it."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD

from server.engine.service_description import SD


def graph_description(iri: str, triples: int, root: str) -> Graph:
    """What a named graph is: its size, the dataset it belongs to, where to query it (``{root}sparql``)."""
    graph = Graph(bind_namespaces="core")
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    node = URIRef(iri)
    name = iri.rstrip("/").rsplit("/", 1)[-1]
    graph.add((node, RDF.type, SD.NamedGraph))
    graph.add((node, SD.name, node))
    graph.add((node, RDFS.label, Literal(f"{name} graph", lang="en")))
    graph.add((node, RDFS.comment, Literal(GRAPH_PURPOSE.get(name, "a named graph of this dataset"), lang="en")))
    graph.add((node, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((node, VOID.sparqlEndpoint, URIRef(root + "sparql")))
    return graph


GRAPH_PURPOSE = {
    "asserted": "the curated facts, each resource with its sources",
    "inferred": "what HermiT infers from the ontology and the asserted facts, kept apart from them",
    "ontology": "the OWL ontology (the vocabulary of the data)",
    "metadata": "the dataset's VoID and DCAT description",
}
