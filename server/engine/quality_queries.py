"""The queries behind the data-quality figures, shared by the /quality page and ``clip-kg report``.

Written under the canonical base with the ``clip:``, ``rdfs:``, ``skos:`` and ``dcterms:`` prefixes that
both callers declare (``pictures.PREFIXES``, ``cli.report.PREFIXES``); ``rdf:`` is declared here.
"""

from __future__ import annotations

KIND_VALUES = """VALUES (?class ?kind) {
    (clip:City "cities") (clip:Country "countries") (clip:Organisation "organisations") (clip:Person "people")
    (clip:ResearchModule "modules") (clip:Publication "publications") (clip:LocalPolicy "local policies")
    (clip:Topic "topics") (clip:Event "events")
  }"""
"""The kinds of resource whose labels the report and the quality page count, by class."""
QUALIFIED_VALUES = KIND_VALUES.replace(
    '(clip:Event "events")',
    '(clip:Event "events") (clip:Membership "memberships") (clip:Participation "participations")',
)
"""The same kinds and the qualified nodes that carry evidence of their own (sources per resource)."""
LABELS_QUERY = f"""
SELECT ?kind ?lang (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  {KIND_VALUES}
  ?x a ?class .
  {{ ?x rdfs:label ?label }} UNION {{ ?x skos:prefLabel ?label }} UNION {{ ?x skos:altLabel ?label }}
  BIND(IF(LANG(?label) = "", "(no tag)", LCASE(LANG(?label))) AS ?lang)
}}
GROUP BY ?kind ?lang ORDER BY ?kind DESC(?n) ?lang
"""
"""Resources of each kind labelled (rdfs:label, skos:prefLabel, skos:altLabel) in each language."""
KIND_TOTALS_QUERY = f"""SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  {KIND_VALUES}
  ?x a ?class }} GROUP BY ?kind"""
S0_STATEMENTS_QUERY = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?p ?subject ?property WHERE {
  ?x a rdf:Statement ; clip:evidenceLevel clip:ProjectDescriptionOnly ; rdf:subject ?s ; rdf:predicate ?p .
  ?s rdfs:label ?subject FILTER (LANG(?subject) = "en")
  OPTIONAL { ?p rdfs:label ?name FILTER (LANG(?name) = "en") }
  BIND(COALESCE(STR(?name), REPLACE(STR(?p), "^.*[/#]", "")) AS ?property)
} ORDER BY ?subject ?property"""
"""Single statements (rdf:Statement) resting on the project description alone, on resources other sources show."""
SOURCES_QUERY = f"""SELECT ?kind ?x (COUNT(DISTINCT ?source) AS ?sources) (SAMPLE(?id) AS ?only) WHERE {{
  {QUALIFIED_VALUES}
  ?x a ?class . OPTIONAL {{ ?x dcterms:source ?source OPTIONAL {{ ?source clip:sourceId ?id }} }}
}} GROUP BY ?kind ?x"""
"""Per resource of each kind, how many sources it cites (and one source id: the only one when there is one)."""
LINKS_QUERY = f"""SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) (COUNT(DISTINCT ?g) AS ?geonames)
  (COUNT(DISTINCT ?w) AS ?wikidata) WHERE {{
  {KIND_VALUES}
  ?x a ?class .
  OPTIONAL {{ ?x clip:geonames ?link BIND(?x AS ?g) }} OPTIONAL {{ ?x clip:wikidata ?item BIND(?x AS ?w) }}
}} GROUP BY ?kind"""
"""Per kind, resources and those with a GeoNames and a Wikidata link."""
