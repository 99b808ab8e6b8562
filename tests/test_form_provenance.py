"""Issue 13: a printed form names its record, the commit it was rendered from and a hash of the
record's content; `csops verify` holds the paper against the history."""

from __future__ import annotations

import json
import re

from tests.fixtures import Office
from tests.test_tickets_cli import COMPLAINT, T0, step

TID = "T-2611-A001"


def provenance_of(html: str) -> str:
    found = re.search(r"csops verify (csops:\S+?)</code>", html)
    assert found, "the form has no provenance line"
    return found.group(1)


def test_form_footer_names_commit_and_hash_and_verify_says_unchanged_then_changed(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    html = office.ok("form", TID).output
    text = provenance_of(html)
    head = office.git("rev-parse", "HEAD").stdout.strip()
    blob = office.git("rev-parse", f"HEAD:records/tickets/2026/11/{TID}.yaml").stdout.strip()
    assert text == f"csops:{TID}@{head[:10]}#{blob[:12]}"
    assert f"内容校验 {blob[:12]}" in html
    ok = office.run("verify", text)
    assert ok.exit_code == 0 and "此后未修改" in ok.output
    step(office, "CS001", "2026-11-02T09:10:00+08:00", "ticket", "forward", TID, "--to", "E002",
         "--department", "engineering", "--reason", "空调归工程部")
    moved = office.run("verify", text)
    assert moved.exit_code == 0 and "此后已修改 (1 次提交" in moved.output
    data = json.loads(office.run("--format", "json", "verify", text).output)
    assert data["matches"] is True and data["changed_since"] == 1


def test_verify_refuses_a_paper_that_does_not_match(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    text = provenance_of(office.ok("form", TID).output)
    forged = text[:-12] + "0" * 12
    result = office.run("verify", forged)
    assert result.exit_code == 1 and "不一致" in result.output
    assert office.run("verify", "no provenance").exit_code == 2
    unknown = office.run("verify", text.replace(TID, "T-2611-A099"))
    assert unknown.exit_code == 1 and "T-2611-A099" in unknown.output


def test_a_form_of_uncommitted_changes_says_so(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    path = office.root / "records" / "tickets" / "2026" / "11" / f"{TID}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("空调不制冷", "空调不制冷!"), encoding="utf-8")
    html = office.ok("form", TID).output
    assert "提交 未提交的修改" in html and "@worktree#" in provenance_of(html)
    assert office.run("verify", provenance_of(html)).exit_code == 0
