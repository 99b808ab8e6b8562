"""Issue 2: two clones create records at the same time and merge with no conflict and no duplicate id."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures import Office, git

NOW = "2026-11-20T10:00:00+08:00"


def clone(origin: Path, target: Path, station: str) -> Office:
    git(origin.parent, "clone", "-q", str(origin), str(target))
    git(target, "config", "user.name", "Test Runner")
    git(target, "config", "user.email", "runner@example.invalid")
    git(target, "config", "csops.station", station)
    return Office(target)


def create_two(office: Office, who: str) -> list[str]:
    ids = []
    for content in ("周会 1", "周会 2"):
        result = office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", content, as_=who, now=NOW)
        ids.append(result.output.split(": ")[-1].strip())
    return ids


def test_two_stations_merge_cleanly_with_distinct_ids(office: Office, tmp_path: Path) -> None:
    desk_a = clone(office.root, tmp_path / "desk-a", "A")
    desk_b = clone(office.root, tmp_path / "desk-b", "B")
    ids_a = create_two(desk_a, "M001")
    ids_b = create_two(desk_b, "S001")
    assert ids_a == ["MT-2611-A001", "MT-2611-A002"]
    assert ids_b == ["MT-2611-B001", "MT-2611-B002"]
    desk_a.git("pull", "-q", "--no-rebase", "--no-edit", str(desk_b.root), "main")
    assert desk_a.git("ls-files", "-u").stdout == ""  # no conflict
    result = desk_a.run("validate", "--format", "json", now=NOW)
    payload = json.loads(result.output)
    assert result.exit_code == 0, payload
    assert not [f for f in payload["findings"] if f["rule"] == "STORE-ID-01"]
    assert len(list((desk_a.root / "records" / "meetings").rglob("*.yaml"))) == 4


def test_same_station_on_two_clones_is_caught(office: Office, tmp_path: Path) -> None:
    """Why the station code exists: without distinct stations the ids collide."""
    desk_a = clone(office.root, tmp_path / "desk-a", "A")
    desk_b = clone(office.root, tmp_path / "desk-b", "A")
    create_two(desk_a, "M001")
    create_two(desk_b, "S001")
    merge = desk_a.git("pull", "-q", "--no-rebase", "--no-edit", str(desk_b.root), "main", check=False)
    assert merge.returncode != 0  # add/add conflict on the same id
    result = desk_a.run("validate", now=NOW)
    assert result.exit_code == 1
    assert "STORE-CONFLICT-01" in result.output


def test_new_records_need_a_station(office: Office) -> None:
    office.git("config", "--unset", "csops.station")
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 2
    assert "git config csops.station" in result.output
