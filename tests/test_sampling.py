"""TKT-CB-06 / KPI-07: the quarterly 20% sampling callback list, drawn so anyone can draw it again.

The demo office in a real git repository; the draw is recomputed here from SHA-256 by hand.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from csops.sampling import draw, quarter_bounds
from tests.fixtures import Office, demo_repo

AFTER_Q4 = "2027-01-04T09:00:00+08:00"


@pytest.fixture
def demo(tmp_path: Path) -> Office:
    return Office(demo_repo(tmp_path / "demo"))


def handled_repairs(root: Path) -> dict[str, str]:
    """Repairs received in 2026Q4 with a resolve event: id → who resolved last, from the files."""
    out = {}
    for path in sorted((root / "records" / "tickets").rglob("*.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        events = data.get("events") or []
        received = datetime.fromisoformat(str(events[0]["at"])) if events else None
        resolves = [e for e in events if e["action"] == "resolve"]
        if data["type"] == "repair" and resolves and received and \
                datetime.fromisoformat("2026-10-01T00:00:00+08:00") <= received < datetime.fromisoformat("2027-01-01T00:00:00+08:00"):
            out[data["id"]] = resolves[-1]["by"]
    return out


def test_TKT_CB_06_a_fifth_of_each_department_by_rank_of_seed_and_id() -> None:
    population = {f"T-2610-A{n:03d}": ("工程部" if n % 3 else "保洁部") for n in range(1, 41)}
    drawn = draw(population, 0.2, "abc123", "2026Q4")
    sizes = Counter(d.stratum for d in drawn)
    assert sizes == {"工程部": math.ceil(0.2 * 27), "保洁部": math.ceil(0.2 * 13)}
    for stratum in sizes:  # the lowest SHA-256 ranks of each department, recomputed by hand
        ranked = sorted(t for t, s in population.items() if s == stratum)
        ranked.sort(key=lambda t: hashlib.sha256(f"abc123:2026Q4:{t}".encode()).hexdigest())
        assert [d.ticket for d in drawn if d.stratum == stratum] == ranked[:sizes[stratum]]
    assert draw(population, 0.2, "abc123", "2026Q4") == drawn
    assert draw(population, 0.2, "def456", "2026Q4") != drawn
    assert len(draw(population, 0.5, "abc123", "2026Q4")) == 14 + 7  # 13.5 and 6.5, rounded up
    assert draw({}, 0.2, "abc123", "2026Q4") == []


def test_quarters_are_read_strictly() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    assert quarter_bounds(tz, "2026q4") == (datetime(2026, 10, 1, tzinfo=tz), datetime(2027, 1, 1, tzinfo=tz))
    assert quarter_bounds(tz, "2026Q1")[1] == datetime(2026, 4, 1, tzinfo=tz)
    for bad in ("2026Q5", "2026-10", "Q4"):
        with pytest.raises(ValueError):
            quarter_bounds(tz, bad)


def test_the_demo_s_q4_list_is_redrawn_the_same_by_anyone(demo: Office) -> None:
    handled = handled_repairs(demo.root)
    assert len(handled) >= 5
    first = json.loads(demo.ok("--format", "json", "report", "sampling", "--quarter", "2026Q4", now=AFTER_Q4).output)
    assert first["population"] == len(handled) and first["rate"] == 0.2
    assert {r["ticket"] for r in first["rows"]} <= set(handled)
    per_department = Counter(r["department"] for r in first["rows"])
    assert first["drawn"] == len(first["rows"]) == sum(per_department.values()) >= 1
    seed = demo.git("rev-parse", "HEAD").stdout.strip()
    assert first["seed"] == seed and first["redraw"] == f"csops report sampling --quarter 2026Q4 --seed {seed[:12]}"
    # Work goes on after the quarter: the default seed stays the quarter's last commit, the list stays.
    note = demo.root / "records" / "note.txt"
    note.write_text("1月\n", encoding="utf-8")
    demo.git("add", "records/note.txt")
    env = {**os.environ, "GIT_COMMITTER_DATE": "2027-01-03T10:00:00+08:00", "GIT_AUTHOR_DATE": "2027-01-03T10:00:00+08:00"}
    import subprocess

    subprocess.run(["git", "-C", str(demo.root), "commit", "-qm", "after the quarter"], check=True, env=env)
    again = json.loads(demo.ok("--format", "json", "report", "sampling", "--quarter", "2026Q4", now=AFTER_Q4).output)
    assert again["rows"] == first["rows"] and again["seed"] == seed
    redrawn = json.loads(demo.ok("--format", "json", "report", "sampling", "--quarter", "2026Q4", "--seed", seed[:12],
                                 now=AFTER_Q4).output)
    assert redrawn["rows"] == first["rows"]
    csv_out = demo.ok("report", "sampling", "--quarter", "2026Q4", "--format", "csv", now=AFTER_Q4).output
    assert csv_out.splitlines()[0].startswith("no,ticket,department") and len(csv_out.splitlines()) == first["drawn"] + 1
    text = demo.ok("report", "sampling", "--quarter", "2026Q4", now=AFTER_Q4).output
    assert "抽样回访 (TKT-CB-06)" in text and "复核: csops report sampling" in text
    assert demo.run("report", "sampling", "--quarter", "2026Q9", now=AFTER_Q4).exit_code == 2
    assert demo.run("report", "sampling", "--quarter", "2026Q4", "--seed", "nonsense", now=AFTER_Q4).exit_code == 2


def test_KPI_07_the_rate_is_the_policy_s(demo: Office) -> None:
    policy = demo.root / "records" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "sampling_rate: 0.2" in text
    policy.write_text(text.replace("sampling_rate: 0.2", "sampling_rate: 1.0"), encoding="utf-8")
    everything = json.loads(demo.ok("--format", "json", "report", "sampling", "--quarter", "2026Q4", now=AFTER_Q4).output)
    assert everything["drawn"] == everything["population"] == len(handled_repairs(demo.root))
