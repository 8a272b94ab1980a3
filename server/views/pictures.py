"""The home page's two pictures from the data: a map of the member cities (on the ground of ``maps``:
Natural Earth outlines, no tiles, nothing fetched) and the city-by-module matrix. Both are plain data
(coordinates, labels, links) that ``home.html`` draws as inline SVG, so autoescaping covers every label."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from server.engine.interface import Engine
from server.engine.terms import Iri
from server.namespaces import CANONICAL_BASE
from server.urls import Urls
from server.views.maps import Basemap, basemap

PREFIXES = """PREFIX clip: <https://w3id.org/clip-network/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""
LEVELS = {"DirectEvidence": "direct", "ProbableEvidence": "probable", "ProjectDescriptionOnly": "described"}
RANK = {"none": 0, "described": 1, "probable": 2, "direct": 3}


class Row(dict[str, str | None]):
    """One solution as the lexical values of its terms; a variable left unbound reads as None."""

    def __missing__(self, key: str) -> None:
        return None


def select(engine: Engine, base: str, query: str, **bindings: str) -> list[Row]:
    """Run a SELECT written under the canonical base, moved to ``base`` as the named queries are;
    values reach it as bound IRIs (``bindings``, each a projected variable), never as text."""
    text = PREFIXES + query
    if base != CANONICAL_BASE:
        text = text.replace(CANONICAL_BASE, base)
    solutions = engine.rows(text, **{name: Iri(value) for name, value in bindings.items()})
    return [Row({name: term.value for name, term in solution.items()}) for solution in solutions]


def sort_key(text: str) -> tuple[str, ...]:
    """Alphabetical order that ignores case and accents, with numbers in numeric order."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return tuple(part.zfill(12) if part.isdigit() else part for part in re.split(r"(\d+)", plain))


def level_of(iri: str | None, base: str) -> str:
    """Short name of an evidence level IRI: direct, probable, described (S0 only) or none."""
    return LEVELS.get((iri or "").removeprefix(base + "def/"), "none")


@dataclass
class City:
    """A member city with its coordinates and its participations by module number."""

    iri: str
    label: str
    country: str | None = None
    lat: float | None = None
    long: float | None = None
    membership: str = "none"
    modules: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (participation, level)


CITIES = """SELECT ?city ?en ?any ?country ?code ?lat ?long ?level WHERE {
  ?city a clip:City . ?membership clip:memberCity ?city .
  OPTIONAL { ?membership clip:evidenceLevel ?level }
  OPTIONAL { ?city rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
  OPTIONAL { ?city rdfs:label ?any }
  OPTIONAL { ?city clip:country ?c . OPTIONAL { ?c clip:isoCode ?code }
             OPTIONAL { ?c rdfs:label ?country FILTER(LANGMATCHES(LANG(?country), "en")) } }
  OPTIONAL { ?city geo:lat ?lat ; geo:long ?long }
}"""
DRAWN_UP_TO = 300
"""Member cities up to which the home page draws the map and the matrix; past it, it says how many."""
MEMBER_COUNT = (
    """SELECT (COUNT(DISTINCT ?city) AS ?n) WHERE { ?city a clip:City . ?membership clip:memberCity ?city }"""
)
MODULE_CITIES = """SELECT ?number ?level (COUNT(DISTINCT ?city) AS ?cities) WHERE {
  ?participation clip:participant ?city ; clip:inModule/clip:moduleNumber ?number .
  OPTIONAL { ?participation clip:evidenceLevel ?level }
} GROUP BY ?number ?level"""
PARTICIPATIONS = """SELECT ?city ?number ?participation ?level WHERE {
  ?participation clip:participant ?city ; clip:inModule/clip:moduleNumber ?number .
  OPTIONAL { ?participation clip:evidenceLevel ?level }
}"""


def member_count(engine: Engine, base: str) -> int:
    """How many cities have a membership of the network (counted by the engine)."""
    found = select(engine, base, MEMBER_COUNT)
    return int(found[0]["n"] or 0) if found else 0


def member_cities(engine: Engine, base: str) -> list[City]:
    """Every city with a membership of the network, alphabetical, with its participations."""
    cities: dict[str, City] = {}
    for row in select(engine, base, CITIES):
        iri = row["city"] or ""
        city = cities.setdefault(iri, City(iri, row["en"] or row["any"] or iri))
        city.country = city.country or row["country"] or row["code"]
        if row["lat"] is not None and row["long"] is not None:
            city.lat, city.long = float(row["lat"]), float(row["long"])
        level = level_of(row["level"], base)
        city.membership = max(city.membership, level, key=RANK.__getitem__)
    for row in select(engine, base, PARTICIPATIONS):  # the strongest evidence wins should there be two
        known, level, number = cities.get(row["city"] or ""), level_of(row["level"], base), int(row["number"] or 0)
        if known is not None and RANK[level] >= RANK[known.modules.get(number, ("", "none"))[1]]:
            known.modules[number] = (row["participation"] or "", level)
    return sorted(cities.values(), key=lambda c: (sort_key(c.label), c.iri))


WIDTH, LEGEND_LEFT = 760.0, 42.0
FONT, CHAR = 12.0, 6.3  # label font size and the width of an average character, px
RADII = (4.0, 5.5, 7.0, 8.5, 10.0)  # of a dot, by the number of modules known
BLUES = ("#ffffff", "#9dbde0", "#5b8fc7", "#2a64a8", "#0f3a70")  # by modules known; none: a ring
Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class Dot:
    """A city on the map: a circle sized and coloured by its modules, a label and a link (None: no link)."""

    href: str | None
    label: str
    title: str
    x: float
    y: float
    r: float
    fill: str
    modules: int
    text: tuple[float, float, str] = (0.0, 0.0, "start")  # x, y, text-anchor
    leader: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class CityMap:
    """What the template draws: the ground (countries, or a grid without them), dots, legend and the
    cities left off."""

    width: float
    height: float
    frame: tuple[float, float, float, float]
    ground: Basemap
    dots: list[Dot]
    legend: list[tuple[float, float, float, str]]  # x, y, radius, fill of a dot for 0, 1, … 4 modules
    unplaced: list[tuple[str | None, str]]  # href (None: no link), label


def city_map(cities: list[City], urls: Urls, node_modules: Path | None) -> CityMap | None:
    """The map of the cities that have coordinates, on the boundaries in ``node_modules``; None when none has."""
    placed = [c for c in cities if c.lat is not None and c.long is not None]
    if not placed:
        return None
    ground = basemap([(c.lat or 0.0, c.long or 0.0) for c in placed], WIDTH, node_modules)
    frame = (0.0, 0.0, WIDTH, ground.height)
    dots = [_dot(city, *ground.place(city.lat or 0, city.long or 0), urls) for city in placed]
    dots = place_labels(sorted(dots, key=lambda d: -d.r), frame)
    bottom = ground.height
    legend = [(LEGEND_LEFT + 300 + 44 * n, bottom + 26, RADII[n], BLUES[n]) for n in range(5)]
    unplaced = [(urls.link(c.iri), c.label) for c in cities if c not in placed]
    return CityMap(WIDTH, bottom + 46, frame, ground, dots, legend, unplaced)


def _dot(city: City, x: float, y: float, urls: Urls) -> Dot:
    count = min(len(city.modules), 4)
    numbers = ", ".join(str(n) for n in sorted(city.modules))
    known = f"modules {numbers}" if numbers else "no module known"
    title = f"{city.label}{', ' + city.country if city.country else ''}: {known}"
    return Dot(urls.link(city.iri), city.label, title, x, y, RADII[count], BLUES[count], count)


def place_labels(dots: list[Dot], frame: Box) -> list[Dot]:
    """Put each label where it overlaps least with the dots and the labels placed before (the most
    crowded cities choose first); a label that fits nowhere near its dot moves out, with a leader line."""
    circles = [(d.x - d.r - 2, d.y - d.r - 2, 2 * d.r + 4, 2 * d.r + 4) for d in dots]
    order = sorted(dots, key=lambda d: (-sum(math.dist((d.x, d.y), (o.x, o.y)) < 70 for o in dots), d.label))
    taken: list[Box] = []
    result: dict[int, Dot] = {}
    for dot in order:
        options = list(_candidates(dot))  # in order of preference, which breaks ties
        best = min(options, key=lambda c: round(_cost(c, taken, circles, frame), 2) + options.index(c) * 0.05)
        taken.append(best[0])
        result[id(dot)] = _with_label(dot, best)
    return [result[id(d)] for d in dots]


Candidate = tuple[Box, float, float, str, float]  # box, text x, text y, anchor, distance


def _candidates(dot: Dot) -> Iterable[Candidate]:
    width = len(dot.label) * CHAR
    for distance in (dot.r + 3, dot.r + 16, dot.r + 30):
        for dx, dy in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 1), (-1, -1), (-1, 1)):
            x = dot.x + dx * distance
            y = dot.y + dy * distance + (FONT * 0.35 if dy == 0 else FONT * 0.9 if dy > 0 else -2.0)
            anchor = "start" if dx > 0 else "end" if dx < 0 else "middle"
            left = x if dx > 0 else x - width if dx < 0 else x - width / 2
            yield (left, y - FONT * 0.8, width, FONT), x, y, anchor, distance - dot.r


def _cost(candidate: Candidate, taken: list[Box], circles: list[Box], frame: Box) -> float:
    box, distance = candidate[0], candidate[4]
    overlap = sum(_overlap(box, other) for other in [*taken, *circles])
    return overlap + 20 * (box[2] * box[3] - _overlap(box, frame)) + distance * 1.5


def _overlap(a: Box, b: Box) -> float:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(width, 0.0) * max(height, 0.0)


def _with_label(dot: Dot, candidate: Candidate) -> Dot:
    box, x, y, anchor, distance = candidate
    leader = None
    if distance > 5:
        end_x = min(max(dot.x, box[0]), box[0] + box[2])
        end_y = min(max(dot.y, box[1]), box[1] + box[3])
        leader = (dot.x, dot.y, round(end_x, 1), round(end_y, 1))
    return replace(dot, text=(round(x, 1), round(y, 1), anchor), leader=leader)


LABEL_WIDTH, CELL_WIDTH, CELL_HEIGHT, HEADER, FOOTER, LEGEND_LINE = 176.0, 86.0, 20.0, 30.0, 44.0, 20.0


@dataclass(frozen=True)
class Column:
    """A research module as a column: its heading and link, and the cities found against those stated."""

    number: int
    title: str
    href: str | None
    stated: str  # the figures the sources give: "20", or "31, 35"; "–" when no source gives one
    identified: int
    described: int


Cell = tuple[str, str | None, str]  # evidence (direct, probable, described, none), participation link, tooltip


@dataclass(frozen=True)
class MatrixRow:
    """A member city with its cells."""

    y: float
    label: str
    href: str | None
    cells: list[Cell]  # one per column


@dataclass(frozen=True)
class Matrix:
    """What the template draws: column headings, rows, the footer and the legend."""

    width: float
    height: float
    columns: list[Column]
    rows: list[MatrixRow]
    footer_y: float
    legend: list[tuple[float, str, str]]  # y, kind, label
    grid: tuple[float, float, float] = (LABEL_WIDTH, CELL_WIDTH, CELL_HEIGHT)  # label column, cell width, height


def matrix(cities: list[City], columns: list[Column], labels: dict[str, str], urls: Urls) -> Matrix | None:
    """Rows of member cities by columns of modules; None without cities or modules."""
    if not cities or not columns:
        return None
    rows = []
    for i, city in enumerate(cities):
        cells: list[Cell] = [
            (kind, urls.link(href) if href else None, f"{city.label} in module {c.number}: {labels.get(kind, kind)}")
            for c in columns
            for href, kind in [city.modules.get(c.number, (None, "none"))]
        ]
        rows.append(MatrixRow(HEADER + i * CELL_HEIGHT, city.label, urls.link(city.iri), cells))
    footer_y = HEADER + len(cities) * CELL_HEIGHT
    present = {cell[0] for row in rows for cell in row.cells} | {"direct", "described", "none"}
    kinds: list[str] = [kind for kind in ("direct", "probable", "described", "none") if kind in present]
    legend = [(footer_y + FOOTER + 14 + i * LEGEND_LINE, kind, labels.get(kind, kind)) for i, kind in enumerate(kinds)]
    width = LABEL_WIDTH + len(columns) * CELL_WIDTH + 4
    return Matrix(width, footer_y + FOOTER + 14 + len(kinds) * LEGEND_LINE, columns, rows, footer_y, legend)
