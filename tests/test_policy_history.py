"""Issue 10, item 6: policy takes effect from a date. A ticket's deadlines follow the version of
``records/policy.yaml`` in force when it was received (its commit time by default, or a later
``effective_from``), so shortening a deadline leaves every closed verdict and last month's report as
they were. Real repositories, commit times set through git's own environment."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from csops.models.policy import Policy
from csops.policy_history import build
from tests.fixtures import Office
from tests.test_tickets_cli import COMPLAINT, T0, complaint_lifecycle, step

POLICY = "records/policy.yaml"
TID = "T-2611-A001"
SHOW_AT = "2026-12-01T09:00:00+08:00"
#: A complaint with no reply time promised (the one of COMPLAINT lies in the past for later intakes).
LATER_COMPLAINT = [*COMPLAINT[: COMPLAINT.index("--promised-by")], "--promised-by", "2026-12-20T17:00:00+08:00"]


def complaint_closed_on_time(office: Office) -> None:
    """Received Mon 11-02 09:00, forwarded after 10 minutes, resolved after ~9 working hours."""
    assert complaint_lifecycle(office) == TID


def shorten(office: Office, *, extra: str = "") -> str:
    """Forwarding 20 → 5 minutes and resolving 24 → 4 working hours for general complaints."""
    path = office.root / POLICY
    text = path.read_text(encoding="utf-8")
    text = text.replace("      general: 20\n", "      general: 5\n", 1).replace(
        "    resolve_working_hours: 24\n", "    resolve_working_hours: 4\n", 1)
    path.write_text(extra + text, encoding="utf-8")
    return text


def commit_policy(office: Office, monkeypatch: pytest.MonkeyPatch, when: str) -> str:
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    office.git("commit", "-q", "-am", "制度: 投诉时限缩短")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    return office.git("rev-parse", "HEAD").stdout.strip()


def show(office: Office, tid: str = TID, now: str = SHOW_AT) -> dict[str, object]:
    return json.loads(office.ok("ticket", "show", tid, "--format", "json", now=now).output)


def verdicts(view: dict[str, object]) -> dict[str, tuple[str, str]]:
    return {d["key"]: (d["due"], d["state"]) for d in view["deadlines"]}  # type: ignore[attr-defined, index]


def report(office: Office) -> str:
    return office.ok("report", "monthly", "--month", "2026-11", "--format", "json", now=SHOW_AT).output


def test_shortening_a_deadline_leaves_closed_verdicts_and_last_months_report(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    complaint_closed_on_time(office)
    before, report_before = show(office), report(office)
    assert {k: s for k, (_, s) in verdicts(before).items()} == {"forward": "met", "resolve": "met",
                                                                 "promised": "met", "callback": "met"}
    shorten(office)
    commit = commit_policy(office, monkeypatch, "2026-11-25T12:00:00+08:00")

    after = show(office)
    assert verdicts(after) == verdicts(before)  # the same deadlines, the same verdicts
    assert after["policy_version"]["commit"] != commit  # type: ignore[index]
    assert report(office) == report_before
    assert office.run("validate", now=SHOW_AT).exit_code == 0

    # A complaint received after the change is held to the new numbers, and says so.
    step(office, "CS001", "2026-11-26T09:00:00+08:00", *LATER_COMPLAINT)
    new = show(office, "T-2611-A002", now="2026-11-26T09:01:00+08:00")
    due = {d["key"]: d["due"] for d in new["deadlines"]}  # type: ignore[attr-defined, index]
    assert due["forward"] == "2026-11-26T09:05:00+08:00"
    assert new["policy_version"]["commit"] == commit  # type: ignore[index]
    text = office.ok("ticket", "show", "T-2611-A002", now="2026-11-26T09:01:00+08:00").output
    assert f"制度版本 {commit[:7]} (2026-11-25 12:00 起施行)" in text
    old_text = office.ok("ticket", "show", TID, now=SHOW_AT).output
    assert "(最初版本)" in old_text


def test_without_the_history_the_closed_ticket_would_read_late(office: Office) -> None:
    """The same edit left uncommitted is not in force yet; made the only version (no history: a
    folder outside git) it turns the on-time complaint late — what the history protects against."""
    complaint_closed_on_time(office)
    before = verdicts(show(office))
    shorten(office)
    assert verdicts(show(office)) == before  # an uncommitted version applies to no ticket yet
    import shutil

    plain = office.root.parent / "plain"
    shutil.copytree(office.root / "records", plain / "records")
    view = json.loads(Office(plain).ok("ticket", "show", TID, "--format", "json", now=SHOW_AT).output)
    assert {k: s for k, (_, s) in verdicts(view).items()}["forward"] == "missed"
    assert {k: s for k, (_, s) in verdicts(view).items()}["resolve"] == "missed"


def test_effective_from_announces_a_change_ahead(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    shorten(office, extra="effective_from: 2026-12-01T00:00:00+08:00\n")
    commit = commit_policy(office, monkeypatch, "2026-11-25T12:00:00+08:00")
    step(office, "CS001", "2026-11-26T09:00:00+08:00", *LATER_COMPLAINT)
    step(office, "CS001", "2026-12-01T09:00:00+08:00", *LATER_COMPLAINT)
    before = {d["key"]: d["due"] for d in show(office, "T-2611-A001")["deadlines"]}  # type: ignore[attr-defined]
    after = show(office, "T-2612-A001", now="2026-12-01T09:01:00+08:00")
    assert before["forward"] == "2026-11-26T09:20:00+08:00"
    assert {d["key"]: d["due"] for d in after["deadlines"]}["forward"] == "2026-12-01T09:05:00+08:00"  # type: ignore[attr-defined]
    assert after["policy_version"]["commit"] == commit  # type: ignore[index]


def test_AUDIT_14_a_backdated_policy_is_held_to_its_commit_time_and_reported(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    complaint_closed_on_time(office)
    assert office.run("audit", "--all", now=SHOW_AT).exit_code == 0
    before = verdicts(show(office))
    shorten(office, extra="effective_from: 2026-11-01T00:00:00+08:00\n")
    commit = commit_policy(office, monkeypatch, "2026-11-25T12:00:00+08:00")
    assert verdicts(show(office)) == before  # backdating changes no verdict
    result = office.run("audit", "--all", "--format", "json", now=SHOW_AT)
    found = [f for f in json.loads(result.output)["findings"] if f["rule"] == "AUDIT-14"]
    assert result.exit_code == 1 and found and found[0]["severity"] == "error"
    assert commit[:7] in found[0]["message"]


def test_history_is_read_from_a_cache_that_follows_head(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second read costs no walk: the cache holds HEAD; a new commit extends it."""
    from csops.policy_history import NAME, history

    first = history(office.root)  # csops init's default policy, then the office's own
    assert len(first.entries) == 2 and first.opened is None and (office.root / ".csops-cache" / NAME).is_file()
    step(office, "CS001", T0, *COMPLAINT)
    shorten(office)
    commit_policy(office, monkeypatch, "2026-11-25T12:00:00+08:00")
    found = history(office.root)
    assert found.entries[-1][0] == found.head and len(found.entries) == 3 and found.opened is not None
    assert all(found.data[blob] is not None for _, _, blob in found.entries)
    office.git("commit", "-q", "--allow-empty", "-m", "别的")
    again = history(office.root)
    assert again.entries == found.entries and again.head != found.head


def _data(**sla: object) -> dict[str, object]:
    return Policy().model_dump(mode="json") | {"sla": Policy().sla.model_dump(mode="json") | sla}


def test_a_later_commit_has_the_last_word_and_invalid_versions_never_apply() -> None:
    """Pure: the timeline of (commit, time, blob) entries."""
    day = 86400.0
    data = {"a": (None, _data()), "b": (30 * day, _data()), "c": (None, _data()), "bad": None}
    entries = [("c1", 0, "a"), ("c2", 10 * day, "b"), ("c3", 20 * day, "c"), ("c4", 25 * day, "bad")]
    line = build(entries, data, "bad", opened=1)
    # b (announced for day 30) is superseded by c from day 20 before it took effect; "bad" never applies.
    assert [(v.commit, v.effective) for v in line.versions] == [("c1", None), ("c3", 20 * day)]
    assert re.fullmatch(r"[0-9a-f]{32}", line.key)
    # While no ticket was committed the office is being set up: the last version applies throughout.
    setting_up = build(entries[:3], data, "c", opened=None)
    assert [(v.commit, v.effective) for v in setting_up.versions] == [("c3", None)]
    assert setting_up.at(datetime(2020, 1, 1, tzinfo=UTC)).commit == "c3"  # type: ignore[union-attr]
