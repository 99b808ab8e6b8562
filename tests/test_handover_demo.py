"""The committed demo records: valid at DEMO_NOW, with the scenarios issue 4 asks for."""

from __future__ import annotations

import json

from click.testing import CliRunner

from csops.cli import cli
from scripts.demo import DEMO_NOW
from tests.fixtures import PROJECT


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--root", str(PROJECT), "--now", DEMO_NOW.isoformat(), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_handovers_validate_and_carry_the_scenarios():
    data = json.loads(run("validate", "--format", "json"))
    assert data["errors"] == 0
    unreviewed = [f["message"] for f in data["findings"] if f["rule"] == "HOV-REV-01"]
    assert len(unreviewed) == 1 and unreviewed[0].startswith("2026-11-13")  # the day left unreviewed
    refused = json.loads(run("handover", "show", "2026-10-15-cs_office-late", "--format", "json"))
    assert refused["refusals"][0]["escalated_to"] and refused["refusals"][0]["resolution"]
    assert refused["status"] == "completed"
    swaps = json.loads(run("swap", "list", "--format", "json"))
    assert sum(s["requester"] == "CS001" and s["shift"].startswith("2026-11") for s in swaps) == 3
    roster = json.loads(run("roster", "show", "--month", "2026-11", "--format", "json"))
    assert any(o["origin"] == "swap" for d in roster["days"] for o in d["on"])


def test_HOV_SWP_02_demo_fourth_november_swap_is_refused_at_the_limit(tmp_path):
    """The demo's refused swap leaves no record; filing it again against the demo records is refused the same way."""
    import shutil

    from tests.fixtures import DEMO_RECORDS, Office, init_repo

    office = Office(init_repo(tmp_path / "office"))
    shutil.copytree(DEMO_RECORDS, office.root / "records", dirs_exist_ok=True)
    office.git("add", "records")
    office.git("commit", "-qm", "the demo office", "--no-verify")
    before = office.commits()
    result = office.run("swap", "request", "--with", "CS003", "--shift", "2026-11-18:cs_office.early",
                        "--repay", "2026-11-19:cs_office.late", "--reason", "家中有事", as_="CS001",
                        now="2026-11-16T10:00:00+08:00")
    assert result.exit_code == 1 and "HOV-SWP-02" in result.output
    assert "李娜(CS001) would have 4 swaps in 2026-11; the limit is 3" in result.output
    assert office.commits() == before and office.status() == ""
