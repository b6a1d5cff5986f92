"""Make api/static/yunnan.geojson, the 16 prefecture boundaries of Yunnan the app draws its map
from, out of the npm package echarts 4.9.0 (Apache-2.0), offline.

The package's map/json/province/yunnan.json stores the boundaries in echarts' compressed
encoding (`UTF8Encoding`): each ring is a string of character pairs, zigzag-encoded deltas from
the ring's `encodeOffsets`, scaled by 1024. `decode_ring` mirrors `decodePolygon` in the
package's src/coord/geo/parseGeoJson.js.

    npm pack echarts@4.9.0            # or any copy of echarts-4.9.0.tgz
    python scripts/make_yunnan_geo.py echarts-4.9.0.tgz
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

MEMBER = "package/map/json/province/yunnan.json"
OUTPUT = Path(__file__).resolve().parent.parent / "api" / "static" / "yunnan.geojson"
ATTRIBUTION = (
    "Prefecture boundaries of Yunnan from the npm package echarts 4.9.0 "
    "(map/json/province/yunnan.json), Copyright The Apache Software Foundation, Apache License 2.0 "
    "(https://www.apache.org/licenses/LICENSE-2.0); decoded from echarts' UTF8Encoding to plain "
    "GeoJSON by scripts/make_yunnan_geo.py. Simplified boundaries for display, not for survey use."
)


def decode_ring(encoded: str, offsets: list[int], scale: float = 1024) -> list[list[float]]:
    """One ring of (longitude, latitude) points from echarts' encoding.

    >>> decode_ring("@@BC", [102, 25], 1)
    [[102.0, 25.0], [103.0, 23.0]]
    """
    points = []
    x_prev, y_prev = offsets
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zigzag
        y = (y >> 1) ^ -(y & 1)
        x_prev, y_prev = x + x_prev, y + y_prev
        points.append([x_prev / scale, y_prev / scale])
    return points


def decode(data: dict[str, Any]) -> dict[str, Any]:
    """The echarts map file as plain GeoJSON, each prefecture's code as `id` and its name."""
    scale = data.get("UTF8Scale") or 1024
    features: list[dict[str, Any]] = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        offsets = geometry.get("encodeOffsets")
        if geometry["type"] == "Polygon":
            coordinates: list[Any] = [
                decode_ring(ring, offsets[i], scale) if data.get("UTF8Encoding") else ring
                for i, ring in enumerate(geometry["coordinates"])
            ]
        elif geometry["type"] == "MultiPolygon":
            coordinates = [
                [
                    decode_ring(ring, offsets[i][j], scale) if data.get("UTF8Encoding") else ring
                    for j, ring in enumerate(polygon)
                ]
                for i, polygon in enumerate(geometry["coordinates"])
            ]
        else:
            raise ValueError(f"feature {feature.get('id')}: unexpected geometry {geometry['type']}")
        features.append(
            {
                "type": "Feature",
                "id": str(feature["id"]),
                "properties": {"id": str(feature["id"]), "name": feature["properties"]["name"]},
                "geometry": {"type": geometry["type"], "coordinates": coordinates},
            }
        )
    features.sort(key=lambda f: str(f["id"]))
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}


def read_package(tgz: Path) -> dict[str, Any]:
    with tarfile.open(tgz, "r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise ValueError(f"{tgz}: no {MEMBER}")
        return json.loads(member.read().decode("utf-8"))


def render(tgz: Path) -> str:
    """The GeoJSON text written to OUTPUT (stable: the same package gives the same bytes)."""
    return json.dumps(decode(read_package(tgz)), ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tgz", type=Path, help="echarts-4.9.0.tgz (npm pack echarts@4.9.0)")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(args.tgz)
    args.output.write_text(text, encoding="utf-8")
    count = len(json.loads(text)["features"])
    print(f"wrote {args.output} ({count} prefectures, {len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
