"""One holder per copy across clones: two branches lend the same copy, git merges cleanly, and
``csops validate`` on the merged tree reports the double issue (KEY-LOAN-02, a tree rule)."""

from __future__ import annotations

import json

from tests.fixtures import Office
from tests.keyhelpers import add_registry, at


def test_KEY_LOAN_02_two_branches_lend_the_same_copy_merge_then_validate_reports_it(office: Office) -> None:
    add_registry(office)
    office.git("checkout", "-q", "-b", "desk-b")
    office.ok("--station", "B", "key", "lend", "VU-1203", "--copy", "1", "--to", "L001", "--purpose", "巡查",
              as_="A002", now=at("09:10"))
    office.git("checkout", "-q", "-")
    office.ok("key", "lend", "VU-1203", "--copy", "1", "--to", "Z001", "--purpose", "带客户看房",
              as_="A001", now=at("09:00"))
    merged = office.git("merge", "--no-edit", "desk-b", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert office.status() == ""
    loans = sorted(p.name for p in (office.root / "records/key-loans/2026/11").iterdir())
    assert loans == ["KL-2611-A001.yaml", "KL-2611-B001.yaml"]
    result = office.run("validate", "--format", "json", now=at("09:30"))
    assert result.exit_code == 1
    doubles = [f for f in json.loads(result.output)["findings"] if f["rule"] == "KEY-LOAN-02" and f["severity"] == "error"]
    assert len(doubles) == 1 and "KL-2611-B001" in doubles[0]["path"] and "KL-2611-A001" in doubles[0]["message"]
    # and on the merged tree, lending that copy again is refused too
    again = office.run("key", "lend", "VU-1203", "--copy", "1", "--to", "L002", "--purpose", "x",
                       as_="A001", now=at("09:40"))
    assert again.exit_code == 1 and "KEY-LOAN-02" in again.output
