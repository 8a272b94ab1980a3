"""Helper check for data authors: parse files, list clip: terms not in the ontology,
IRIs used as objects under id/ that no file defines, and subjects without dcterms:source."""
import sys, glob, rdflib
from rdflib.namespace import RDF, DCTERMS
CLIP = "https://w3id.org/clip-network/def/"
ID = "https://w3id.org/clip-network/id/"
onto = rdflib.Graph().parse("/work/main/ontology/clip.ttl")
defined_terms = {str(s) for s in onto.subjects()}
data = rdflib.Graph()
for f in sys.argv[1:]:
    g = rdflib.Graph().parse(f)
    print(f, len(g), "triples")
    data += g
allg = rdflib.Graph()
for f in glob.glob("/work/main/graph/*.ttl"):
    try:
        allg.parse(f)
    except Exception as e:
        print("cannot parse", f, e)
for s, p, o in data:
    for t in (p, o):
        if isinstance(t, rdflib.URIRef) and str(t).startswith(CLIP) and str(t) not in defined_terms:
            print("UNKNOWN TERM", t)
subjects_all = {str(s) for s in allg.subjects()}
for s, p, o in data:
    if isinstance(o, rdflib.URIRef) and str(o).startswith(ID) and str(o) not in subjects_all:
        print("NOT DEFINED IN ANY graph/ FILE (yet):", o)
for s in set(data.subjects()):
    if isinstance(s, rdflib.BNode):
        print("BLANK NODE", s)
    elif (s, DCTERMS.source, None) not in data and (s, RDF.type, None) in data:
        print("NO dcterms:source", s)
