"""The maps' ground: country outlines and coastlines from Natural Earth, drawn offline as SVG paths.

The boundaries are Natural Earth's 1:50m countries as npm ``world-atlas`` 2.0.2 packages them
(``countries-50m.json``, TopoJSON), installed by ``make setup`` into node_modules and never copied
into the repository. TopoJSON is decoded here (`specification`_: quantized, delta-encoded arcs that
polygons share) rather than with PyPI's ``topojson``, which encodes topologies and pulls in shapely
for it: decoding is thirty lines.

The projection is Lambert's azimuthal equal-area centred at 52°N 10°E, the one the EU's statistical
maps use (ETRS89-LAEA, EPSG:3035; here on a sphere): areas are true and shapes hardly bent across
Europe, from Lisbon to Helsinki and Istanbul. The map's frame holds every city drawn and at least
the core of Europe (``EUROPE``); countries are clipped to it, and points closer than a pixel to the
one before are dropped, so a page carries a few tens of kilobytes of outlines, not the world.

Decoded and projected boundaries are kept once per process (they do not change with the data), the
paths of a frame once per frame (the home page and every city page draw the same frame). Without
node_modules (no npm) ``basemap`` draws the old latitude/longitude grid with a note saying how to
get the boundaries.

.. _specification: https://github.com/topojson/topojson-specification
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]
GridLine = tuple[float, float, float, float, str, float, float, str]  # x1 y1 x2 y2, label at x y, anchor
BOUNDARIES = Path("world-atlas") / "countries-50m.json"
"""Under node_modules: Natural Earth 1:50m admin-0 countries, TopoJSON (npm world-atlas, pinned in package.json)."""
CENTRE = (52.0, 10.0)
"""Latitude and longitude of the projection's centre: ETRS89-LAEA's."""
EUROPE = (40.0, -5.0, 58.0, 25.0)
"""South, west, north, east: the least a map shows, whatever few cities it draws."""
MARGIN = 0.035
"""Room around the outermost city, in units of the earth's radius (about 220 km)."""
HEMISPHERE = 0.05
"""Polygons with a point farther than about 87° from the centre are left out: the projection tears there."""
NO_BOUNDARIES = "No country outlines: run `make setup` with npm installed to get them (npm world-atlas)."


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """The arcs of a TopoJSON topology as absolute positions: quantized arcs are delta-encoded
    integers that the ``transform`` scales and translates.

    >>> decode_arcs({"transform": {"scale": [0.5, 2], "translate": [10, 20]}, "arcs": [[[0, 0], [2, 1], [-1, 1]]]})
    [[(10.0, 20.0), (11.0, 22.0), (10.5, 24.0)]]
    """
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform is None:  # not quantized: positions as they are
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for position in arc:
            x, y = x + position[0], y + position[1]
            points.append((float(x * kx + dx), float(y * ky + dy)))
        arcs.append(points)
    return arcs


def ring(arcs: Sequence[Ring], indexes: Iterable[int]) -> Ring:
    """A closed ring from arc indexes; ``~i`` (negative) is arc ``i`` reversed. Consecutive arcs share
    their joining point, which is kept once.

    >>> ring([[(0, 0), (1, 0)], [(1, 0), (1, 1), (0, 0)]], [0, 1])
    [(0, 0), (1, 0), (1, 1), (0, 0)]
    >>> ring([[(0, 0), (1, 0)], [(0, 0), (1, 1), (1, 0)]], [0, ~1])
    [(0, 0), (1, 0), (1, 1), (0, 0)]
    """
    points: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def polygons(topology: dict[str, Any], name: str) -> Iterator[tuple[str, list[Polygon]]]:
    """Each geometry of the object ``name`` as its name (``properties.name``, else its id) and its
    polygons of longitude/latitude rings, exterior first."""
    arcs = decode_arcs(topology)
    for geometry in topology["objects"][name].get("geometries", []):
        kind = geometry.get("type")
        shapes = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(kind, [])
        label = str((geometry.get("properties") or {}).get("name") or geometry.get("id") or "")
        yield label, [[ring(arcs, indexes) for indexes in shape] for shape in shapes]


def laea(lat: float, long: float, centre: Point = CENTRE) -> Point:
    """Lambert azimuthal equal-area on the unit sphere: x east, y north of ``centre``.

    >>> laea(52.0, 10.0)
    (0.0, 0.0)
    >>> x, y = laea(52.0, 20.0); x > 0 and abs(y) < 0.02
    True
    """
    phi, lam = math.radians(lat), math.radians(long - centre[1])
    phi0 = math.radians(centre[0])
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)
    k = math.sqrt(2 / max(1 + cos_c, 1e-12))
    x = k * math.cos(phi) * math.sin(lam)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    return round(x, 12) + 0.0, round(y, 12) + 0.0


def _near_side(lat: float, long: float) -> bool:
    phi, lam, phi0 = math.radians(lat), math.radians(long - CENTRE[1]), math.radians(CENTRE[0])
    return math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam) > HEMISPHERE


@dataclass(frozen=True)
class Country:
    """A country's polygons in projected units, each ring with its bounding box (x0, y0, x1, y1)."""

    name: str
    rings: tuple[tuple[tuple[Point, ...], tuple[float, float, float, float]], ...]


@lru_cache(maxsize=2)
def projected_countries(path: Path) -> tuple[Country, ...]:
    """Every country of the file, projected; polygons on the far side of the globe are left out."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    countries = []
    for name, shapes in polygons(topology, "countries"):
        rings = []
        for shape in shapes:
            if not all(_near_side(lat, long) for r in shape for long, lat in r):
                continue
            for r in shape:
                points = tuple(laea(lat, long) for long, lat in r)
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                rings.append((points, (min(xs), min(ys), max(xs), max(ys))))
        if rings:
            countries.append(Country(name, tuple(rings)))
    return tuple(countries)


Frame = tuple[float, float, float, float]  # west, south, east, north in projected units (x0, y0, x1, y1)


@dataclass(frozen=True)
class Basemap:
    """The ground of a map ``width`` by ``height`` pixels: where a latitude/longitude goes (``place``),
    the countries as SVG paths (empty without boundaries), else a grid of meridians and parallels
    with a ``note`` saying how to get the boundaries."""

    width: float
    height: float
    place: Callable[[float, float], Point]
    countries: tuple[tuple[str, str], ...]  # name, path data
    grid: tuple[GridLine, ...]
    note: str | None


def basemap(points: Sequence[Point], width: float, node_modules: Path | None) -> Basemap:
    """The ground for cities at ``points`` (latitude, longitude) on a map ``width`` pixels wide, with the
    boundaries of ``node_modules`` (the grid without them)."""
    source = node_modules / BOUNDARIES if node_modules else None
    if source is None or not source.is_file():
        return _grid(points, width)
    frame = _frame([laea(lat, long) for lat, long in _with_europe(points)])
    scale = width / (frame[2] - frame[0])
    height = round((frame[3] - frame[1]) * scale, 1)

    def place(lat: float, long: float) -> Point:
        x, y = laea(lat, long)
        return round((x - frame[0]) * scale, 1), round((frame[3] - y) * scale, 1)

    return Basemap(width, height, place, country_paths(source, frame, width), (), None)


def _with_europe(points: Sequence[Point]) -> list[Point]:
    south, west, north, east = EUROPE
    edge = [(south + (north - south) * i / 8, long) for i in range(9) for long in (west, east)]
    edge += [(lat, west + (east - west) * i / 8) for i in range(9) for lat in (south, north)]
    return [*points, *edge]


def _frame(projected: Sequence[Point]) -> Frame:
    xs, ys = [p[0] for p in projected], [p[1] for p in projected]
    return min(xs) - MARGIN, min(ys) - MARGIN, max(xs) + MARGIN, max(ys) + MARGIN


@lru_cache(maxsize=16)
def country_paths(source: Path, frame: Frame, width: float) -> tuple[tuple[str, str], ...]:
    """SVG path data of each country inside ``frame`` drawn ``width`` pixels wide: clipped to the
    frame (and two pixels around it), points closer than a pixel to the previous one dropped."""
    scale = width / (frame[2] - frame[0])
    box = (-2.0, -2.0, width + 2.0, (frame[3] - frame[1]) * scale + 2.0)
    paths = []
    for country in projected_countries(source):
        parts = []
        for points, (x0, y0, x1, y1) in country.rings:
            if x1 < frame[0] or x0 > frame[2] or y1 < frame[1] or y0 > frame[3]:
                continue
            pixels = [((x - frame[0]) * scale, (frame[3] - y) * scale) for x, y in points]
            kept = simplify(clip(pixels, box))
            if len(kept) >= 3:
                parts.append(path_data(kept))
        if parts:
            paths.append((country.name, "".join(parts)))
    return tuple(paths)


def clip(points: Ring, box: tuple[float, float, float, float]) -> Ring:
    """A ring clipped to the rectangle ``box`` (x0, y0, x1, y1), by Sutherland and Hodgman's method.

    >>> clip([(0, 0), (10, 0), (10, 10), (0, 10)], (5, -1, 20, 20))
    [(5.0, 0.0), (10, 0), (10, 10), (5.0, 10.0)]
    """
    x0, y0, x1, y1 = box
    edges: list[tuple[Callable[[Point], bool], int, float]] = [
        (lambda p: p[0] >= x0, 0, x0), (lambda p: p[0] <= x1, 0, x1),
        (lambda p: p[1] >= y0, 1, y0), (lambda p: p[1] <= y1, 1, y1),
    ]  # fmt: skip
    result = list(points)
    for inside, axis, value in edges:
        given, result = result, []
        for i, current in enumerate(given):
            previous = given[i - 1]
            if inside(current) != inside(previous):
                t = (value - previous[axis]) / (current[axis] - previous[axis])
                crossing = (previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1]))
                result.append((float(value), crossing[1]) if axis == 0 else (crossing[0], float(value)))
            if inside(current):
                result.append(current)
        if not result:
            break
    return result


def simplify(points: Ring, tolerance: float = 1.0) -> Ring:
    """The ring without the points closer than ``tolerance`` pixels to the last one kept, then without
    those less than ``tolerance`` / 2 off the line between their neighbours kept (Douglas and Peucker).

    >>> simplify([(0, 0), (0.3, 0.2), (2, 0), (2.1, 1), (2, 2), (0, 2), (0, 1.5), (0, 0)])
    [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
    """
    kept: Ring = []
    for point in points:
        if not kept or math.dist(point, kept[-1]) >= tolerance:
            kept.append(point)
    if len(kept) < 4:
        return kept
    keep = [False] * len(kept)
    keep[0] = keep[-1] = True
    far = max(range(len(kept)), key=lambda i: math.dist(kept[0], kept[i]))  # a ring's ends coincide: split it
    keep[far] = True
    todo = [(0, far), (far, len(kept) - 1)]
    while todo:
        first, last = todo.pop()
        if last - first < 2:
            continue
        offs = [(_off_line(kept[i], kept[first], kept[last]), i) for i in range(first + 1, last)]
        off, i = max(offs)
        if off >= tolerance / 2:
            keep[i] = True
            todo += [(first, i), (i, last)]
    return [point for point, wanted in zip(kept, keep, strict=True) if wanted]


def _off_line(point: Point, start: Point, end: Point) -> float:
    """Distance of ``point`` from the segment ``start``–``end``."""
    (x, y), (x0, y0), (x1, y1) = point, start, end
    dx, dy = x1 - x0, y1 - y0
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length))
    return math.dist(point, (x0 + t * dx, y0 + t * dy))


def path_data(points: Ring) -> str:
    """A closed SVG path in tenths of a pixel: an absolute move, then relative lines.

    >>> path_data([(10, 20), (12.5, 20), (12.5, 18.04)])
    'M10 20l2.5 0 0-2z'
    """
    tenths = [(round(x * 10), round(y * 10)) for x, y in points]
    steps = [f"{_tenth(x - px)}{_signed(y - py)}" for (px, py), (x, y) in zip(tenths, tenths[1:], strict=False)]
    return f"M{_tenth(tenths[0][0])}{_signed(tenths[0][1])}l{' '.join(steps)}z"


def _tenth(value: int) -> str:
    text = f"{value / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _signed(value: int) -> str:
    text = _tenth(value)
    return text if text.startswith("-") else " " + text


def _grid(points: Sequence[Point], width: float) -> Basemap:
    """The old ground: meridians and parallels every 5° (10° on a wide map), equirectangular."""
    both = _with_europe(points)
    south, north = math.floor(min(p[0] for p in both) - 1.5), math.ceil(max(p[0] for p in both) + 1.5)
    west, east = math.floor(min(p[1] for p in both) - 1.5), math.ceil(max(p[1] for p in both) + 1.5)
    shrink = math.cos(math.radians((south + north) / 2))
    scale = width / ((east - west) * shrink)
    height = round((north - south) * scale, 1)

    def place(lat: float, long: float) -> Point:
        return round((long - west) * shrink * scale, 1), round((north - lat) * scale, 1)

    step = 5 if max(north - south, east - west) <= 60 else 10
    lines: list[GridLine] = []
    for lat in range(math.ceil(south / step) * step, north + 1, step):
        y = place(lat, west)[1]
        lines.append((0, y, width, y, f"{abs(lat)}°{'N' if lat >= 0 else 'S'}", 3, y - 3, "start"))
    for long in range(math.ceil(west / step) * step, east + 1, step):
        x = place(north, long)[0]
        name = f"{abs(long)}°{'E' if long > 0 else 'W' if long < 0 else ''}"
        lines.append((x, 0, x, height, name, x + 3, height - 4, "start"))
    return Basemap(width, height, place, (), tuple(lines), NO_BOUNDARIES)
