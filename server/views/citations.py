"""How others cite and read a resource: BibTeX and plain-text citations, schema.org JSON-LD.

Citations are built only from the data (authors by clip:position, the year of
dcterms:issued, the title, publishers, series and number, Eurofound reference, DOI,
handle and URLs); whatever is missing is left out, nothing is made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.engine.terms import Iri
from server.urls import is_web_url
from server.views.describer import Describer
from server.views.naming import DCT, pick_label, texts

BIBO = "http://purl.org/ontology/bibo/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
REPORTS = ("OverviewReport", "CaseStudy", "StateOfTheArtReport")
SCHEMA_TYPES = (
    ("City", "City"), ("Country", "Country"), ("Place", "Place"),
    *((report, "Report") for report in REPORTS), ("Publication", "CreativeWork"),
    ("Person", "Person"), ("Organisation", "Organization"), ("Network", "Organization"),
    ("ResearchModule", "ResearchProject"), ("Event", "Event"), ("Topic", "DefinedTerm"),
    ("TopicScheme", "DefinedTermSet"), ("Source", "CreativeWork"), ("LocalPolicy", "CreativeWork"),
)  # fmt: skip
"""clip class → schema.org type, most specific first; other data uses its own schema.org classes."""
LATEX_SPECIALS = str.maketrans({c: "\\" + c for c in "{}%&$#_"})


@dataclass(frozen=True)
class Author:
    """One authorship of a publication: position, the name as cited, the agent's IRI."""

    position: int
    cited: str
    agent: str | None


@dataclass(frozen=True)
class Citation:
    """A publication's citation as BibTeX and as plain text."""

    bibtex: str
    text: str


def authors(describer: Describer, iri: str) -> list[Author]:
    """The authors of a publication in the order of their clip:position."""
    found = []
    for node in describer.objects(iri, describer.term("authorship")):
        agent = describer.value(node.value, describer.term("agent"))
        cited = describer.value(node.value, describer.term("nameAsCited"))
        position = describer.value(node.value, describer.term("position")) or "0"
        name = cited or (describer.name(agent) if agent else None)
        if name:
            found.append(Author(int(position) if position.isdigit() else 0, name, agent))
    return sorted(found, key=lambda author: (author.position, author.cited))


def _title(describer: Describer, iri: str) -> str:
    titles = texts(describer.objects(iri, Iri(DCT + "title")))
    picked = pick_label(titles, describer.languages)
    return picked.text if picked else describer.name(iri)


def _fields(describer: Describer, iri: str) -> dict[str, Any]:
    """What the data says for a citation; missing parts are absent or empty."""

    def value(local: str, namespace: str | None = None) -> str | None:
        prop = Iri(namespace + local) if namespace else describer.term(local)
        return describer.value(iri, prop)

    issued = describer.value(iri, Iri(DCT + "issued")) or ""
    return {
        "title": _title(describer, iri),
        "year": issued[:4] if re.match(r"\d{4}", issued) else None,
        "publishers": [describer.name(o.value) for o in describer.objects(iri, describer.term("publisher"))],
        "series": value("seriesTitle"),
        "number": value("seriesNumber"),
        "reference": value("eurofoundReference"),
        "code": value("documentCode"),
        "isbn": value("isbn13", BIBO) or value("isbn10", BIBO),
        "issn": value("issn", BIBO),
        "doi": value("doi", BIBO),
        "handle": value("handle", BIBO),
        "urls": [o.value for o in describer.objects(iri, describer.term("url"))],
    }


def cite(describer: Describer, iri: str, classes: set[str], listed: list[Author]) -> Citation:
    """BibTeX and plain text for a publication."""
    data = _fields(describer, iri)
    report = any(describer.term(name).value in classes for name in REPORTS)
    return Citation(_bibtex(iri, data, listed, report), _plain(data, listed))


def _bibtex(iri: str, data: dict[str, Any], listed: list[Author], report: bool) -> str:
    notes = [
        f"Eurofound reference {data['reference']}" if data["reference"] else "",
        f"Document {data['code']}" if data["code"] else "",
        f"Handle {data['handle']}" if data["handle"] else "",
    ]
    text_fields = {
        "author": " and ".join(author.cited for author in listed),
        "title": data["title"],
        "year": data["year"],
        "institution" if report else "publisher": " and ".join(data["publishers"]),
        "series": data["series"],
        "number": data["number"],
        "note": "; ".join(note for note in notes if note),
        "isbn": data["isbn"],
        "issn": data["issn"],
    }
    lines = [f"  {name} = {{{str(value).translate(LATEX_SPECIALS)}}}" for name, value in text_fields.items() if value]
    verbatim = {"doi": data["doi"], "url": data["urls"][0] if data["urls"] else None}
    lines += [f"  {name} = {{{value}}}" for name, value in verbatim.items() if value]
    key = re.sub(r"[^A-Za-z0-9_:-]+", "-", iri.rstrip("/").rsplit("/", 1)[-1])
    return f"@{'techreport' if report else 'misc'}{{{key},\n" + ",\n".join(lines) + "\n}"


def _plain(data: dict[str, Any], listed: list[Author]) -> str:
    """Authors (year). Title. Series number. Publishers. References and links."""
    head = "; ".join(author.cited for author in listed)
    if data["year"]:
        head = f"{head} ({data['year']})" if head else f"({data['year']})"
    series = " ".join(part for part in (data["series"], data["number"]) if part)
    parts = [
        head,
        data["title"],
        series,
        "; ".join(data["publishers"]),
        f"Eurofound reference {data['reference']}" if data["reference"] else "",
        f"Document {data['code']}" if data["code"] else "",
        f"https://doi.org/{data['doi']}" if data["doi"] else "",
        f"https://hdl.handle.net/{data['handle']}" if data["handle"] else "",
        *data["urls"],
    ]
    return " ".join(part if part.endswith((".", "?", "!")) else part + "." for part in parts if part)


def schema_type(describer: Describer, classes: set[str]) -> str:
    """The schema.org type of a resource from its classes."""
    for local, name in SCHEMA_TYPES:
        if describer.term(local).value in classes:
            return name
    own = sorted(c.rsplit("/", 1)[-1] for c in classes if re.match(r"https?://schema\.org/\w+$", c))
    return own[0] if own else "Thing"


def json_ld(describer: Describer, iri: str, classes: set[str]) -> dict[str, Any]:
    """schema.org JSON-LD for the page: type, name, url, identifiers, authors, geo."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": schema_type(describer, classes)}
    data.update({"@id": iri, "url": iri, "name": describer.name(iri)})
    description = _description(describer, iri)
    if description:
        data["description"] = description
    same = [describer.value(iri, describer.term(p)) for p in ("geonames", "wikidata")]
    doi = describer.value(iri, Iri(BIBO + "doi"))
    same.append(f"https://doi.org/{doi}" if doi else None)
    if any(link and is_web_url(link) for link in same):  # links for whoever reads them: http(s) only
        data["sameAs"] = [link for link in same if link and is_web_url(link)]
    identifiers = _identifiers(describer, iri)
    if identifiers:
        data["identifier"] = identifiers
    data.update(_geo(describer, iri))
    if data["@type"] in ("Report", "CreativeWork") and describer.term("Source").value not in classes:
        data.update(_work(describer, iri))
    return data


def _description(describer: Describer, iri: str) -> str | None:
    picked = pick_label(texts(describer.objects(iri, Iri(DCT + "description"))), describer.languages)
    return picked.text if picked else None


def _identifiers(describer: Describer, iri: str) -> list[dict[str, str]]:
    """GeoNames ID, source ID, DOI, handle and Eurofound reference as schema:PropertyValue."""
    properties = (
        ("GeoNames", describer.term("geonamesId")), ("CLIP source ID", describer.term("sourceId")),
        ("DOI", Iri(BIBO + "doi")), ("Handle", Iri(BIBO + "handle")),
        ("Eurofound reference", describer.term("eurofoundReference")),
    )  # fmt: skip
    found = []
    for name, prop in properties:
        value = describer.value(iri, prop)
        if value:
            found.append({"@type": "PropertyValue", "propertyID": name, "value": value})
    return found


def _geo(describer: Describer, iri: str) -> dict[str, Any]:
    lat = describer.value(iri, Iri(GEO + "lat"))
    long = describer.value(iri, Iri(GEO + "long"))
    if not (lat and long):
        return {}
    try:
        return {"geo": {"@type": "GeoCoordinates", "latitude": float(lat), "longitude": float(long)}}
    except ValueError:
        return {}


def _work(describer: Describer, iri: str) -> dict[str, Any]:
    """Authors in order, date and publishers of a publication."""
    work: dict[str, Any] = {}
    listed = authors(describer, iri)
    if listed:
        work["author"] = [{"@type": "Person", "name": a.cited, **({"@id": a.agent} if a.agent else {})} for a in listed]
    issued = describer.value(iri, Iri(DCT + "issued"))
    if issued:
        work["datePublished"] = issued
    publishers = describer.objects(iri, describer.term("publisher"))
    if publishers:
        work["publisher"] = [
            {"@type": "Organization", "@id": p.value, "name": describer.name(p.value)} for p in publishers
        ]
    return work
