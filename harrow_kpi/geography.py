"""Wards on a map: a schematic hexagon layout of our own, or official boundaries on demand.

The app must draw its map with no boundary file and no network, so every ward has
a hexagon tile (data/wards.csv). An officer can import an official GeoJSON file
(ONS ward boundaries); it is checked here before anything is stored, and from then
on the map draws the real shapes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re

import pandas as pd

from harrow_kpi import queries, store
from harrow_kpi.figures import missing
from harrow_kpi.schema import ACTION_STATUSES

MAX_BOUNDARY_BYTES = 10 * 1024 * 1024
CODE_PATTERN = re.compile(r"^E05\d{6}$")
WGS84_NAMES = ("CRS84", "EPSG:4326", "EPSG::4326", "WGS 84", "WGS84")
# Harrow lies around 0.2-0.4 degrees west and 51.55-51.65 degrees north.
HARROW_BOUNDS = {"lon": (-0.6, 0.1), "lat": (51.4, 51.8)}

# The schematic: pointy-top hexagons in axial coordinates, laid out in degrees around
# Harrow so that a map view centred on the borough shows them at a sensible size.
HEX_ORIGIN = (-0.335, 51.595)  # lon, lat
HEX_SIZE = 0.0125  # degrees of latitude from a hexagon's centre to a corner


class BoundaryError(ValueError):
    """A boundary file that cannot be used, with every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def hex_centre(q: int, r: int) -> tuple[float, float]:
    """(lon, lat) of an axial hex tile; r grows southwards, so north stays at the top."""
    x = HEX_SIZE * math.sqrt(3) * (q + r / 2)
    y = HEX_SIZE * 1.5 * r
    lon = HEX_ORIGIN[0] + x / math.cos(math.radians(HEX_ORIGIN[1]))
    return lon, HEX_ORIGIN[1] - y


def hex_ring(q: int, r: int, shrink: float = 0.96) -> list[list[float]]:
    lon0, lat0 = hex_centre(q, r)
    scale = 1 / math.cos(math.radians(HEX_ORIGIN[1]))
    ring = []
    for corner in range(6):
        angle = math.radians(60 * corner - 30)
        ring.append([lon0 + HEX_SIZE * shrink * math.cos(angle) * scale, lat0 + HEX_SIZE * shrink * math.sin(angle)])
    ring.append(ring[0])
    return ring


HEX_STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))


def hex_neighbours(q: int, r: int) -> set[tuple[int, int]]:
    return {(q + dq, r + dr) for dq, dr in HEX_STEPS}


def schematic_shapes(wards: pd.DataFrame) -> dict[str, list]:
    """Ward code -> polygon rings (list of rings) of its hexagon tile."""
    return {row.ward_code: [hex_ring(int(row.hex_q), int(row.hex_r))] for row in wards.itertuples()}


def official_shapes(boundaries: pd.DataFrame) -> dict[str, list]:
    """Ward code -> polygon rings, from stored GeoJSON geometries (each polygon's outer ring)."""
    shapes = {}
    for row in boundaries.itertuples():
        geometry = json.loads(row.geometry)
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        shapes[row.ward_code] = [polygon[0] for polygon in polygons]
    return shapes


def _crs_name(document: dict) -> str | None:
    crs = document.get("crs")
    if not crs:
        return None
    try:
        return str(crs["properties"]["name"])
    except (KeyError, TypeError):
        return json.dumps(crs)[:80]


def _points(geometry: dict):
    coordinates = geometry.get("coordinates") or []
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    for polygon in polygons:
        for ring in polygon or []:
            yield from ring or []


def validate_boundaries(data: bytes, wards: pd.DataFrame, max_bytes: int = MAX_BOUNDARY_BYTES) -> dict[str, dict]:
    """Check an uploaded boundary file against our wards; return ward code -> geometry.

    Raises BoundaryError naming every problem. Nothing is reprojected: a file that is
    not in WGS84 longitude/latitude is refused with a message saying so.
    """
    if len(data) > max_bytes:
        size, limit = len(data) / 1e6, max_bytes / 1e6  # pragma: no mutate
        raise BoundaryError([f"the file is {size:.1f} MB; the limit is {limit:.0f} MB"])
    if not data.strip():
        raise BoundaryError(["the file is empty"])
    try:
        document = json.loads(data.decode("utf-8-sig"))  # pragma: no mutate
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryError([f"the file is not GeoJSON (not valid JSON: {error})"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryError(["the file is not a GeoJSON FeatureCollection"])
    crs = _crs_name(document)
    if crs and not any(name in crs for name in WGS84_NAMES):
        raise BoundaryError([f"the file's coordinate system is {crs}; export it as WGS84 longitude/latitude "
                             "(EPSG:4326 / CRS84): the app does not reproject"])
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError(["the file has no features"])
    by_code = dict(zip(wards["ward_code"], wards["name"]))
    by_name = {name.strip().lower(): code for code, name in by_code.items()}
    problems, found = [], {}
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        properties = (feature or {}).get("properties") or {}
        kind = geometry.get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            problems.append(f"feature {number}: geometry is {kind or 'missing'}, not a Polygon or MultiPolygon")
            continue
        code = next((str(v) for v in properties.values() if isinstance(v, str) and str(v) in by_code), None)
        if code is None:
            name = next((by_name[str(v).strip().lower()] for v in properties.values()
                         if isinstance(v, str) and str(v).strip().lower() in by_name), None)
            code = name
        if code is None:
            shown = ", ".join(f"{k}={v}" for k, v in list(properties.items())[:3])
            problems.append(f"feature {number}: no ward code or name of a Harrow ward 2002-2022 ({shown})")
            continue
        if code in found:
            problems.append(f"feature {number}: ward {code} ({by_code[code]}) appears twice")
            continue
        points = list(_points(geometry))
        if not points or not all(isinstance(p, list | tuple) and len(p) >= 2 for p in points):
            problems.append(f"feature {number} ({by_code[code]}): polygon has no usable coordinates")
            continue
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        if not (HARROW_BOUNDS["lon"][0] <= min(lons) and max(lons) <= HARROW_BOUNDS["lon"][1]
                and HARROW_BOUNDS["lat"][0] <= min(lats) and max(lats) <= HARROW_BOUNDS["lat"][1]):
            hint = " (they look like British National Grid metres)" if max(lons) > 1000 else ""
            problems.append(f"feature {number} ({by_code[code]}): coordinates are not WGS84 longitude/latitude "
                            f"around Harrow{hint}; the app does not reproject")
            continue
        found[code] = geometry
    missing = [f"{code} {name}" for code, name in by_code.items() if code not in found]
    if missing and not problems:
        problems.append("the file lacks wards: " + ", ".join(missing))
    if problems:
        raise BoundaryError(problems)
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_boundaries(path, data: bytes, filename: str, user: str) -> int:
    """Check an official ward boundary file and store its polygons, replacing any before.

    Kept apart from the CSV build: a rebuild of data/ leaves imported boundaries alone.
    Raises BoundaryError (and changes nothing) when the file is not usable.
    """
    with store.opened(path) as db:
        wards = queries.wards(db)
    return store.save_boundaries(path, validate_boundaries(data, wards), filename, sha256(data), user)


def ward_shapes_frame(shapes: dict[str, list], wards: pd.DataFrame, values: dict | None = None) -> pd.DataFrame:
    """One row per polygon ring, with the ward's fields flat at the top level for tooltips
    (deck.gl does not fill nested ``{properties.x}`` placeholders)."""
    rows = []
    names = dict(zip(wards["ward_code"], wards["name"]))
    for code, rings in shapes.items():
        for ring in rings:
            rows.append({"ward_code": code, "ward_name": names.get(code, code), "polygon": ring,
                         **((values or {}).get(code, {}))})
    return pd.DataFrame(rows)


def split_ids(text) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()] if isinstance(text, str) else []


def place_status(action_ids: list[str], actions: pd.DataFrame) -> str | None:
    """A place's RAG: the most pressing status among the actions it is tied to."""
    statuses = set(actions[actions["action_id"].isin(action_ids)]["rag_status"].dropna())
    return next((status for status in ACTION_STATUSES if status in statuses), None)


def places_frame(places: pd.DataFrame, actions: pd.DataFrame, centres: dict[str, tuple]) -> pd.DataFrame:
    """Places with their RAG and a map position inside their ward (spread so that several
    places in one ward do not sit on top of each other)."""
    rows, placed = [], {}
    for place in places.to_dict("records"):  # pragma: no mutate
        code = place.get("ward_code")
        if not isinstance(code, str) or code not in centres:
            continue
        index = placed.get(code, 0)
        placed[code] = index + 1
        lon, lat = centres[code]
        lat -= 0.003  # below the ward's name
        angle, radius = index * 2.4, 0.0022 * math.sqrt(index)
        status = place_status(split_ids(place.get("action_ids")), actions)
        rows.append({**place, "lon": lon + radius * math.cos(angle) * 1.6, "lat": lat + radius * math.sin(angle),
                     "status": status})
    return pd.DataFrame(rows)


def ward_counts(places: pd.DataFrame, actions: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Per ward: places named in the plans, commitments and actions tied to them,
    and those actions by RAG status."""
    rows = []
    for ward in wards.itertuples():
        here = places[places["ward_code"] == ward.ward_code]
        commitment_ids = {c for ids in here["commitment_ids"] for c in split_ids(ids)}
        action_ids = {a for ids in here["action_ids"] for a in split_ids(ids)}
        tied = actions[actions["action_id"].isin(action_ids)]
        row = {"ward_code": ward.ward_code, "ward_name": ward.name, "places": len(here),
               "commitments": len(commitment_ids), "actions": len(tied)}
        for status in ACTION_STATUSES:
            row[f"actions_{status.lower().replace(' ', '_')}"] = int((tied["rag_status"] == status).sum())
        rows.append(row)
    return pd.DataFrame(rows)


# A sequential, colour-blind-safe ramp (light to dark blue); the legend prints the bins.
RAMP = [(222, 235, 247), (158, 202, 225), (66, 146, 198), (33, 113, 181), (8, 48, 107)]


def bins(values: list[float], count: int = len(RAMP)) -> list[float]:
    """Upper edges of equal-width bins over the values (the last is the maximum)."""
    numbers = [v for v in values if not missing(v)]
    if not numbers:
        return []
    low, high = min(numbers), max(numbers)
    if high == low:
        return [high]
    step = (high - low) / count
    return [low + step * (i + 1) for i in range(count)]


def colour_for(value, edges: list[float]) -> list[int]:
    if missing(value) or not edges:
        return [243, 242, 241]
    for index, edge in enumerate(edges):
        if value <= edge + 1e-9:  # pragma: no mutate
            return list(RAMP[min(index, len(RAMP) - 1)] if len(edges) > 1 else RAMP[-1])
    return list(RAMP[-1])
