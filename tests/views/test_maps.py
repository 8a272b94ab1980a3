"""The maps' ground: TopoJSON decoding, the projection, the SVG of the home and city pages, with and without
the Natural Earth boundaries of npm world-atlas (make setup)."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.views import maps
from server.web.app import create_app

# Two unit squares side by side, quantized (scale 0.5, origin 10/20), sharing the arc x=1 (arc 1):
# the right square walks it upwards, the left one downwards (~1 = -2: arc 1 reversed).
TINY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, ~1]], "properties": {"name": "West"}},
                {"type": "MultiPolygon", "arcs": [[[2, 1]]], "id": "E"},
                {"type": None},
            ],
        }
    },
    "arcs": [
        [[2, 0], [-2, 0], [0, 2], [2, 0]],  # (11,20) → (10,20) → (10,21) → (11,21)
        [[2, 0], [0, 2]],  # (11,20) → (11,21), the shared border
        [[2, 2], [2, 0], [0, -2], [-2, 0]],  # (11,21) → (12,21) → (12,20) → (11,20)
    ],
}
CITIES = {"vienna": (48.21, 16.37), "zurich": (47.37, 8.54), "helsinki": (60.17, 24.94), "lisbon": (38.72, -9.14)}
FAR_CITIES = {"istanbul": (41.01, 28.98), "izmir": (38.42, 27.14), "dublin": (53.35, -6.26), "turku": (60.45, 22.27)}
NODE_MODULES = Settings.from_env().node_modules
HAS_BOUNDARIES = (NODE_MODULES / maps.BOUNDARIES).is_file()
needs_boundaries = pytest.mark.skipif(not HAS_BOUNDARIES, reason="no node_modules/world-atlas: run make setup with npm")


def test_arcs_are_delta_decoded_and_transformed() -> None:
    arcs = maps.decode_arcs(TINY)
    assert arcs[0] == [(11.0, 20.0), (10.0, 20.0), (10.0, 21.0), (11.0, 21.0)]
    assert arcs[1] == [(11.0, 20.0), (11.0, 21.0)]


def test_an_arc_without_a_transform_is_taken_as_it_is() -> None:
    assert maps.decode_arcs({"arcs": [[[1.5, 2.5], [3, 4]]]}) == [[(1.5, 2.5), (3.0, 4.0)]]


def test_polygons_join_shared_arcs_and_reverse_negative_ones() -> None:
    found = dict(maps.polygons(TINY, "countries"))
    assert found["West"] == [[[(11.0, 20.0), (10.0, 20.0), (10.0, 21.0), (11.0, 21.0), (11.0, 20.0)]]]
    assert found["E"] == [[[(11.0, 21.0), (12.0, 21.0), (12.0, 20.0), (11.0, 20.0), (11.0, 21.0)]]]
    assert found[""] == []  # a null geometry has no polygon


@pytest.mark.parametrize(
    ("east", "west"), [("vienna", "zurich"), ("helsinki", "lisbon"), ("vienna", "lisbon"), ("istanbul", "dublin")]
)
def test_the_projection_keeps_east_east(east: str, west: str) -> None:
    places = CITIES | FAR_CITIES
    assert maps.laea(*places[east])[0] > maps.laea(*places[west])[0]


def test_the_projection_keeps_north_north() -> None:
    assert maps.laea(*CITIES["helsinki"])[1] > maps.laea(*CITIES["vienna"])[1] > maps.laea(*CITIES["lisbon"])[1]


def test_the_projection_keeps_distances_near_its_centre() -> None:
    # Vienna–Zürich is 594 km on the sphere; an azimuthal equal-area map bends little near its centre
    x0, y0 = maps.laea(*CITIES["vienna"])
    x1, y1 = maps.laea(*CITIES["zurich"])
    assert abs(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 * 6371 - 594) < 6


@needs_boundaries
def test_every_city_is_inside_the_map_and_europe_with_it() -> None:
    ground = maps.basemap(list((CITIES | FAR_CITIES).values()), 760, NODE_MODULES)
    for lat, long in (CITIES | FAR_CITIES).values():
        x, y = ground.place(lat, long)
        assert 0 < x < ground.width and 0 < y < ground.height
    names = {name for name, _ in ground.countries}
    assert {"Portugal", "Ireland", "Finland", "Turkey", "Austria", "Switzerland"} <= names
    assert "Australia" not in names and ground.note is None and not ground.grid


@needs_boundaries
def test_paths_are_clipped_to_the_frame_and_kept_small() -> None:
    ground = maps.basemap(list(CITIES.values()), 560, NODE_MODULES)
    numbers = [float(n) for _, d in ground.countries for n in re.findall(r"M(-?[\d.]+) (-?[\d.]+)", d)[0]]
    assert all(-3 <= n <= max(ground.width, ground.height) + 3 for n in numbers)
    assert sum(len(d) for _, d in ground.countries) < 60_000


def test_the_ground_comes_from_the_installed_package(tmp_path: Path) -> None:
    (tmp_path / maps.BOUNDARIES).parent.mkdir(parents=True)
    tiny = TINY | {"transform": {"scale": [0.5, 0.5], "translate": [12, 45]}}  # squares near Zürich
    (tmp_path / maps.BOUNDARIES).write_text(json.dumps(tiny), encoding="utf-8")
    ground = maps.basemap([CITIES["vienna"]], 400, tmp_path)
    assert [name for name, _ in ground.countries] == ["West", "E"]
    assert all(d.startswith("M") and d.endswith("z") for _, d in ground.countries)


def test_without_node_modules_the_cities_stand_on_the_old_grid() -> None:
    ground = maps.basemap(list(CITIES.values()), 560, None)
    assert ground.countries == () and ground.grid
    assert ground.note and "make setup" in ground.note and "npm" in ground.note
    assert ground.place(*CITIES["vienna"])[0] > ground.place(*CITIES["zurich"])[0]


def svg_of(page: str, pattern: str) -> ET.Element:
    """The page's map, parsed as XML: well-formed, or the test fails."""
    found = re.search(pattern, page, re.DOTALL)
    assert found, "no map on the page"
    return ET.fromstring(found.group(1).replace("&nbsp;", " "))  # noqa: S314 - our own page


def links(svg: ET.Element) -> list[ET.Element]:
    return [a for a in svg.iter() if a.tag.rsplit("}", 1)[-1] == "a"]


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


@needs_boundaries
def test_the_home_map_has_countries_and_one_named_link_per_city(app: Flask) -> None:
    page = app.test_client().get("/").get_data(as_text=True)
    svg = svg_of(page, r'(<svg class="city-map".*?</svg>)')
    assert [local(child) for child in svg][:2] == ["title", "desc"]
    assert len([p for p in svg.iter() if local(p) == "path" and p.get("class") == "country"]) > 30
    cities = links(svg)
    assert len(cities) == 29 and len({a.get("href") for a in cities}) == 29  # the member cities with coordinates
    for a in cities:
        assert [local(child) for child in a] == ["title", "circle", "text"]  # the <title> names the link
    assert "Natural Earth" in page and "make setup" not in page


@needs_boundaries
def test_the_city_map_highlights_the_city_among_the_others(app: Flask) -> None:
    page = app.test_client().get("/doc/city/vienna.html").get_data(as_text=True)
    svg = svg_of(page, r'<figure class="city-map">\s*(<svg\b.*?</svg>)')
    assert [local(child) for child in svg][:2] == ["title", "desc"]
    assert len([p for p in svg.iter() if local(p) == "path" and p.get("class") == "country"]) > 30
    here = [a for a in links(svg) if any(c.get("class") == "dot here" for c in a)]
    assert [a.get("href") for a in here] == ["/doc/city/vienna.html"]
    assert len(links(svg)) > 20 and all(a.find("title") is not None for a in links(svg))


def test_without_node_modules_the_pages_say_how_to_get_the_boundaries(
    settings: Settings, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    """KG_NODE_MODULES names a folder without the libraries: the maps fall back, on every page."""
    client = create_app(replace(settings, node_modules=tmp_path / "none"), clip_kg).test_client()
    for path, pattern in (("/", r'(<svg class="city-map".*?</svg>)'),
                          ("/doc/city/vienna.html", r'<figure class="city-map">\s*(<svg\b.*?</svg>)')):  # fmt: skip
        page = client.get(path).get_data(as_text=True)
        svg = svg_of(page, pattern)
        assert not [p for p in svg.iter() if local(p) == "path"]
        assert [g for g in svg.iter() if local(g) == "g" and g.get("class") == "graticule"]
        assert '<p class="map-note">' in page and "make setup" in page, path
        assert len(links(svg)) > 20


@needs_boundaries
def test_maps_are_quick_once_the_boundaries_are_read(app: Flask) -> None:
    client = app.test_client()
    client.get("/doc/city/lisbon.html")  # boundaries read and this frame's paths made
    started = time.perf_counter()
    assert client.get("/doc/city/helsinki.html").status_code == 200
    assert time.perf_counter() - started < 2.0
