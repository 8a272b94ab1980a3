"""What the sources say about a resource, beside what the resource itself states.

Three things the generic page and the kind sections leave out: the findings about the
resource (``clip:Finding``: a finding, recommendation or local figure, with its words,
sources and report; on a city page also those about its policies), the values that sources
claim for one of its properties where they disagree (``clip:ValueClaim``, one row per
property, marked disputed when the values differ), and the evidence of single statements
(an ``rdf:Statement`` naming one of its triples with ``clip:evidenceLevel``, shown beside
that triple's row). Each is asked in one query per page, then read through the page's
prefetch, never one query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.engine.terms import Iri, Literal, sparql_term
from server.engine.terms import Term as EngineTerm
from server.views.describer import Describer, SourceRef, Term
from server.views.naming import DCT, RDF, SKOS, natural

Row = dict[str, Any]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RELATED = """SELECT DISTINCT ?about ?node ?via WHERE {{
  {{ ?node {findingAbout} ?about }}
  UNION {{ ?node {findingAbout} ?via . ?via {policyOf} ?about }}
  UNION {{ ?node {claimAbout} ?about }}
}}"""
"""The findings about a resource or about its policies (?via), and the claims about it. ?about is bound by
substitution, so it is projected (Oxigraph binds only projected variables, SEP-0007). The dataset's own
terms are filled in by ``_query``."""
STATEMENT_EVIDENCE = """SELECT ?subject ?statement ?p ?o ?level ?source ?id WHERE {{
  ?statement <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?subject ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o ;
             {evidenceLevel} ?level .
  OPTIONAL {{ ?statement <http://purl.org/dc/terms/source> ?source . OPTIONAL {{ ?source {sourceId} ?id }} }}
}}"""
"""The statement nodes that name a triple of the resource (bound as ?subject), with their evidence and sources."""
KINDS = (("Recommendation", "recommendation"), ("LocalFigure", "figure"), ("Finding", "finding"))
"""A finding's kind by its most specific class, as the findings query names it."""
EXPLAINED = {
    "ProjectDescriptionOnly": (
        "S0 only",
        "This statement rests on the project description (S0) alone: no other source seen confirms it, "
        "though other sources show that the resource exists.",
    ),
}
"""Evidence levels a statement row is marked with: the badge and its title."""


StatementEvidence = dict[tuple[str, tuple[str, str, str]], list["Evidence"]]
"""(predicate IRI, ``term_key`` of the object) → the evidence of that triple."""


@dataclass(frozen=True)
class Evidence:
    """The evidence of one statement: its rdf:Statement node, level, badge text, explanation and sources."""

    statement: str
    level: str
    badge: str
    explanation: str
    sources: tuple[SourceRef, ...]


def _query(describer: Describer, template: str) -> str:
    """A query with the dataset's own terms (``Describer.term``) written in."""
    locals_ = ("findingAbout", "policyOf", "claimAbout", "evidenceLevel", "sourceId")
    return template.format(**{local: sparql_term(describer.term(local)) for local in locals_})


def related(describer: Describer, iri: str) -> tuple[dict[str, str], list[str]]:
    """(finding → the policy through which it is about the resource, or ''), and the value claims about it.

    One query for both; their statements, and the names of their sources, reports, scopes
    and properties, are then prefetched in two more.
    """
    reached: dict[str, str] = {}
    for row in describer.data.engine.rows(_query(describer, RELATED), about=Iri(iri)):
        node, via = row["node"].value, row["via"].value if "via" in row else ""
        reached[node] = "" if not via or reached.get(node) == "" else via
    describer.prefetch(reached)
    findings = {node: via for node, via in reached.items() if describer.objects(node, describer.term("findingText"))}
    claims = sorted(node for node in reached if describer.objects(node, describer.term("claimedProperty")))
    nodes = [*findings, *claims]
    linked = {
        o.value
        for node in nodes
        for predicate in (*(describer.term(local) for local in LINKS), Iri(DCT + "source"))
        for o in describer.objects(node, predicate)
        if isinstance(o, Iri)
    }
    describer.prefetch(linked | {via for via in findings.values() if via})
    return findings, claims


LINKS = ("reportedIn", "findingAbout", "claimedProperty")
"""What a finding or claim links to whose names its row shows."""


def _text(describer: Describer, node: str, local: str) -> Term | None:
    found = describer.objects(node, describer.term(local))
    return describer.view(found[0]) if found else None


def _kind(describer: Describer, node: str) -> str:
    types = {o.value for o in describer.objects(node, Iri(RDF + "type"))}
    return next((kind for local, kind in KINDS if describer.term(local).value in types), "finding")


def finding_rows(describer: Describer, iri: str, findings: dict[str, str]) -> list[Row]:
    """Each finding as its section row: text (quoted or not), kind, sources, report, date, note, and what else
    it is about (on a city's page, the policy)."""
    rows = []
    for node, via in findings.items():
        rows.append(
            {
                "finding": describer.view_iri(node),
                "kind": _kind(describer, node),
                "text": _text(describer, node, "findingText"),
                "quoted": bool(describer.objects(node, describer.term("quotation"))),
                "sources": describer.sources(node),
                "reports": [describer.view(o) for o in describer.objects(node, describer.term("reportedIn"))],
                "as_of": describer.value(node, describer.term("asOf")),
                "note": _note(describer, node),
                "via": describer.view_iri(via) if via else None,
                "also": [
                    describer.view(o) for o in describer.objects(node, describer.term("findingAbout")) if o.value != iri
                ],
            }
        )
    order = {kind: n for n, (_, kind) in enumerate(reversed(KINDS))}
    return sorted(rows, key=lambda row: (row["via"] is not None, order[row["kind"]], natural(row["finding"].text)))


def _note(describer: Describer, node: str) -> Term | None:
    notes = describer.objects(node, Iri(SKOS + "note"))
    english = [n for n in notes if isinstance(n, Literal) and n.language.lower().startswith("en")]
    return describer.view((english or notes)[0]) if notes else None


def finding_page(describer: Describer, iri: str) -> Row:
    """A finding's own page: its kind, words, what it is about, report, date, note and sources."""
    describer.prefetch(o.value for local in LINKS for o in describer.objects(iri, describer.term(local)))
    return {
        "kind": _kind(describer, iri),
        "text": _text(describer, iri, "findingText"),
        "quoted": bool(describer.objects(iri, describer.term("quotation"))),
        "about": [describer.view(o) for o in describer.objects(iri, describer.term("findingAbout"))],
        "reports": [describer.view(o) for o in describer.objects(iri, describer.term("reportedIn"))],
        "as_of": describer.value(iri, describer.term("asOf")),
        "note": _note(describer, iri),
        "sources": describer.sources(iri),
    }


def claim_rows(describer: Describer, claims: list[str]) -> list[Row]:
    """One row per claimed property: each value with its qualifier, date, note and sources.

    The row is disputed when the values (with their qualifiers) differ.
    """
    by_property: dict[str, list[Row]] = {}
    for claim in claims:
        prop = describer.value(claim, describer.term("claimedProperty")) or ""
        for value in describer.objects(claim, describer.term("claimedValue")):
            qualifier = describer.value(claim, describer.term("countQualifier")) or ""
            by_property.setdefault(prop, []).append(
                {
                    "claim": describer.view_iri(claim),
                    "value": describer.view(value),
                    "qualifier": "" if qualifier == "exactly" else qualifier,
                    "as_of": describer.value(claim, describer.term("asOf")),
                    "note": _note(describer, claim),
                    "sources": describer.sources(claim),
                }
            )
    rows = []
    for prop, values in by_property.items():
        values.sort(key=lambda v: (natural(str(v["value"].value)), [natural(s.text) for s in v["sources"]]))
        distinct = {(v["qualifier"], term_key(v["value"])) for v in values}
        rows.append({"property": describer.view_iri(prop), "values": values, "disputed": len(distinct) > 1})
    return sorted(rows, key=lambda row: row["property"].text.lower())


def term_key(term: Term | EngineTerm) -> tuple[str, str, str]:
    """What makes two values the same: value, language (case-blind) and datatype."""
    if isinstance(term, Term):
        return term.value, term.lang.lower(), term.datatype
    if isinstance(term, Literal):  # engines differ on whether a plain or tagged literal names its datatype
        return term.value, term.language.lower(), "" if term.language else term.datatype or XSD_STRING
    return term.value, "", ""


def statement_evidence(describer: Describer, iri: str) -> StatementEvidence:
    """(predicate, object key) → the evidence of that triple of the resource: one query for all its statements."""
    found: dict[str, Row] = {}
    for row in describer.data.engine.rows(_query(describer, STATEMENT_EVIDENCE), subject=Iri(iri)):
        level = row["level"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if level not in EXPLAINED:
            continue
        entry = found.setdefault(
            row["statement"].value, {"key": (row["p"].value, term_key(row["o"])), "level": level, "sources": {}}
        )
        if "source" in row:
            source = row["source"].value
            short = row["id"].value if "id" in row else source.rstrip("/#").rsplit("/", 1)[-1]
            entry["sources"][source] = SourceRef(source, short, short)
    evidence: StatementEvidence = {}
    for statement, entry in sorted(found.items()):
        badge, explanation = EXPLAINED[entry["level"]]
        refs = tuple(sorted(entry["sources"].values(), key=lambda ref: natural(ref.text)))
        evidence.setdefault(entry["key"], []).append(Evidence(statement, entry["level"], badge, explanation, refs))
    return evidence
