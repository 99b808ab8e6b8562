"""Issue 11 item 3: the events merge driver, as a function and as the command git runs.

Versions of one ticket are made the way csops writes them (``render`` over the previous text), so
the merge sees what two desks' commits really hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from csops.cli import cli
from csops.merge import Conflict, Merged, merge_events, merge_fields, merge_record
from csops.models.ticket import Ticket
from csops.session import render
from csops.yamlio import load_fast
from tests.tickets_helpers import CALLBACK, CLOSE, FORWARD, RESOLVE, ticket

PATH = "records/tickets/2026/11/T-2611-A001.yaml"
REL = "tickets/2026/11/T-2611-A001.yaml"
UPDATE_A = ("update", "2026-11-02 10:00", "CS001", {"text": "A 跟进"})
UPDATE_B = ("update", "2026-11-02 09:30", "CS002", {"text": "B 跟进"})


def version(events: list[Any], previous: str | None = None, **fields: Any) -> str:
    return render(ticket(events=events, **fields), REL, previous)


def merged(base: str, ours: str, theirs: str) -> dict[str, Any]:
    result = merge_record(base, ours, theirs, PATH)
    assert isinstance(result, Merged), result
    data: dict[str, Any] = load_fast(result.text)
    return data


def texts(data: dict[str, Any]) -> list[str]:
    return [e.get("text") or e["action"] for e in data["events"]]


def test_both_sides_appended_events_join_in_time_order_after_the_base() -> None:
    base = version([FORWARD])
    ours, theirs = version([FORWARD, UPDATE_A], base), version([FORWARD, UPDATE_B], base)
    data = merged(base, ours, theirs)
    assert texts(data) == ["received", "forward", "B 跟进", "A 跟进"]  # 09:30 before 10:00
    assert Ticket.model_validate(data).events[2].by == "CS002"


def test_equal_times_keep_ours_first_and_the_base_is_never_reordered() -> None:
    late = ("update", "2026-11-02 09:05", "CS002", {"text": "补记 (late entry)"})
    same_a = ("update", "2026-11-02 11:00", "CS001", {"text": "甲"})
    same_b = ("update", "2026-11-02 11:00", "CS002", {"text": "乙"})
    base = version([FORWARD])  # forward at 09:10
    data = merged(base, version([FORWARD, same_a], base), version([FORWARD, late, same_b], base))
    assert texts(data) == ["received", "forward", "补记 (late entry)", "甲", "乙"]


def test_an_event_both_sides_appended_identically_counts_once() -> None:
    base = version([FORWARD])
    ours = version([FORWARD, UPDATE_A], base)
    theirs = version([FORWARD, UPDATE_B, UPDATE_A], base)  # e.g. A's commit cherry-picked onto B
    assert texts(merged(base, ours, theirs)) == ["received", "forward", "B 跟进", "A 跟进"]
    assert isinstance(merge_events([], [{"at": "x"}], []), Conflict)


def test_summary_fields_are_folded_from_the_merged_events_not_merged_as_text() -> None:
    base = version([])
    ours = version([FORWARD], base)  # owner E002, in progress
    theirs = version([UPDATE_B, RESOLVE], base)  # resolved (owner still the first owner)
    data = merged(base, ours, theirs)
    folded = Ticket.model_validate(data).derived_summary()
    assert (data["status"], data["owner"]) == ("resolved", "E002")
    assert (folded["status"].value, folded["owner"]) == ("resolved", "E002")


def test_two_closes_merge_cleanly_and_the_fold_sets_the_second_aside() -> None:
    base = version([FORWARD, RESOLVE, CALLBACK])
    late_close = ("close", "2026-11-03 16:30", "CS003", {"customer_notified_at": "2026-11-03T15:00:00+08:00"})
    data = merged(base, version([FORWARD, RESOLVE, CALLBACK, CLOSE], base),
                  version([FORWARD, RESOLVE, CALLBACK, late_close], base))
    record = Ticket.model_validate(data)
    assert [e.action for e in record.events][-2:] == ["close", "close"] and data["status"] == "closed"
    assert [i for i, _, _ in record.fold().illegal] == [5]  # TKT-GEN-06 reports it on the merged tree


def test_other_fields_merge_three_way() -> None:
    base = {"a": 1, "b": 1, "c": 1, "d": 1}
    assert merge_fields(base, {"a": 2, "b": 1, "c": 3, "d": 1}, {"a": 1, "b": 2, "c": 3}, skip=()) == \
        {"a": 2, "b": 2, "c": 3}  # one side each; both the same; d deleted by theirs
    clash = merge_fields(base, {**base, "a": 2}, {**base, "a": 3}, skip=())
    assert isinstance(clash, Conflict) and "a" in clash.reason
    assert merge_fields(base, {**base, "status": "x"}, {**base, "status": "y"}, skip={"status"}) == base


def test_a_field_one_side_changed_is_taken_and_ours_text_is_kept() -> None:
    base = version([])
    ours = "# 张三的备注 (a comment the writer keeps)\n" + version([UPDATE_A], base)
    theirs = version([UPDATE_B], base, subject="空调")
    result = merge_record(base, ours, theirs, PATH)
    assert isinstance(result, Merged)
    assert result.text.startswith("# 张三的备注") and "# yaml-language-server" in result.text
    data = load_fast(result.text)
    assert data["subject"] == "空调" and texts(data) == ["received", "B 跟进", "A 跟进"]
    assert list(data)[-1] == "events"


@pytest.mark.parametrize(("case", "why"), [
    ("content", "content"), ("rewritten", "改写"), ("yaml", "YAML"), ("added", "新建"), ("naive", "at"),
])
def test_what_does_not_compose_is_a_conflict(case: str, why: str) -> None:
    base = version([FORWARD])
    ours = version([FORWARD, UPDATE_A], base)
    theirs = version([FORWARD, UPDATE_B], base)
    if case == "content":
        ours, theirs = ours.replace("空调不制冷", "甲的说法"), theirs.replace("空调不制冷", "乙的说法")
    elif case == "rewritten":
        theirs = theirs.replace("工程部负责空调", "改过的理由")
    elif case == "yaml":
        theirs = theirs + "  - [unclosed\n"
    elif case == "added":
        base = ""
    else:
        theirs = theirs.replace("2026-11-02T09:30:00+08:00", "2026-11-02T09:30:00")
    result = merge_record(base, ours, theirs, PATH)
    assert isinstance(result, Conflict) and why in result.reason and not result.plain


def test_files_without_events_are_left_to_gits_line_merge() -> None:
    for path in ("records/policy.yaml", "records/staff/CS001.yaml", "docs/x.yaml", "records/nothing/x.yaml"):
        result = merge_record("a: 1\n", "a: 2\n", "a: 1\n", path)
        assert isinstance(result, Conflict) and result.plain, path


def run_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base: str, ours: str, theirs: str,
               path: str = PATH) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    for name, text in (("O", base), ("A", ours), ("B", theirs)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["merge-driver", "O", "A", "B", path])
    return result.exit_code, (tmp_path / "A").read_text(encoding="utf-8"), result.output


def test_driver_writes_the_merge_into_ours_and_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = version([FORWARD])
    code, out, _ = run_driver(tmp_path, monkeypatch, base, version([FORWARD, UPDATE_A], base),
                              version([FORWARD, UPDATE_B], base))
    assert code == 0 and texts(load_fast(out)) == ["received", "forward", "B 跟进", "A 跟进"]


def test_driver_conflict_leaves_git_markers_and_both_sides_events(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    base = version([FORWARD])
    ours = version([FORWARD, UPDATE_A], base).replace("空调不制冷", "甲的说法")
    theirs = version([FORWARD, UPDATE_B], base).replace("空调不制冷", "乙的说法")
    code, out, said = run_driver(tmp_path, monkeypatch, base, ours, theirs)
    assert code == 1 and "<<<<<<< ours" in out and ">>>>>>> theirs" in out
    assert "A 跟进" in out and "B 跟进" in out and "content" in said and "Traceback" not in said


def test_driver_never_crashes_on_garbage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, said = run_driver(tmp_path, monkeypatch, "\x00\xff", "events: [", "- 1\n")
    assert code == 1 and "Traceback" not in said
    gap = "x: 0\ny: 0\nz: 0\n"
    code, out, _ = run_driver(tmp_path, monkeypatch, f"a: 1\n{gap}b: 1\n", f"a: 2\n{gap}b: 1\n",
                              f"a: 1\n{gap}b: 2\n", path="records/policy.yaml")
    assert code == 0 and out == f"a: 2\n{gap}b: 2\n"  # policy: git's own line merge, clean
