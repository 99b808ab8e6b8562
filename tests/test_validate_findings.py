"""Issue 2 acceptance: each bad input gets a finding naming file, line, rule and a fix; exit 1; files unchanged."""

from __future__ import annotations

import json

import pytest

from tests.fixtures import Office

NOW = "2026-11-23T09:00:00+08:00"
REL = "records/meetings/2026/11/MT-2611-A001.yaml"
GOOD = """\
# yaml-language-server: $schema=../../../../schemas/meeting.schema.json
schema_version: 1
id: MT-2611-A001
open_decisions: 0
events:
  - at: 2026-11-20T10:00:00+08:00
    by: M001
    action: held
    type: weekly
    chair: M001
    content: 本周工作总结
"""


def findings(office: Office) -> tuple[int, list[dict[str, object]]]:
    result = office.run("validate", "--format", "json", now=NOW)
    payload = json.loads(result.output)
    return result.exit_code, payload["findings"]


def only_errors(items: list[dict[str, object]]) -> list[dict[str, object]]:
    return [f for f in items if f["severity"] == "error"]


def test_good_record_is_clean(office: Office) -> None:
    office.write(REL, GOOD)
    code, items = findings(office)
    assert code == 0
    assert only_errors(items) == []


CASES = [
    # (name, text or bytes, rule, line, hint fragment)
    ("malformed yaml", GOOD.replace("content: 本周工作总结", "content: [本周工作总结"), "STORE-YAML-01", 12, "YAML syntax"),
    ("unknown field", GOOD.replace("open_decisions: 0", "open_decisions: 0\ncolour: red"), "STORE-SCHEMA-02", 5, "remove it"),
    ("wrong type", GOOD.replace("open_decisions: 0", "open_decisions: many"), "STORE-SCHEMA-01", 4, "expected"),
    ("missing field", GOOD.replace("    content: 本周工作总结\n", ""), "STORE-SCHEMA-03", 6, "add `content: ...`"),
    ("time without offset", GOOD.replace("2026-11-20T10:00:00+08:00", "2026-11-20T10:00:00"), "STORE-TIME-01", 6,
     "2026-11-20T10:00:00+08:00"),
    ("unknown staff", GOOD.replace("    by: M001", "    by: X999"), "STORE-REF-01", 7, "csops staff add"),
    ("chinese enum", GOOD.replace("type: weekly", "type: 周会"), "STORE-ENUM-01", 9, "write `weekly`"),
    ("non utf-8", GOOD.replace("本周工作总结", "本周").encode("utf-8").replace("本周".encode(), "本周".encode("gbk")),
     "STORE-ENC-01", 11, "UTF-8"),
    ("empty file", "", "STORE-EMPTY-01", 1, "restore it"),
    ("conflict markers", GOOD.replace("    content: 本周工作总结\n",
                                      "<<<<<<< HEAD\n    content: 本周工作总结\n=======\n    content: 周会\n>>>>>>> other\n"),
     "STORE-CONFLICT-01", 11, "resolve the merge"),
]


@pytest.mark.parametrize(("name", "content", "rule", "line", "hint"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_finding(office: Office, name: str, content: str | bytes, rule: str, line: int, hint: str) -> None:
    path = office.root / REL
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    path.write_bytes(raw)
    code, items = findings(office)
    assert code == 1
    match = [f for f in items if f["rule"] == rule]
    assert match, items
    assert match[0]["path"] == REL
    assert match[0]["line"] == line
    assert hint in str(match[0]["hint"])
    assert path.read_bytes() == raw  # validate never changes a file


def test_text_output_names_file_line_rule_and_fix(office: Office) -> None:
    office.write(REL, GOOD.replace("type: weekly", "type: 周会"))
    result = office.run("validate", now=NOW)
    assert result.exit_code == 1
    assert f"{REL}:9:" in result.output
    assert "error STORE-ENUM-01" in result.output
    assert "fix: write `weekly`" in result.output


def test_duplicate_id_in_two_files(office: Office) -> None:
    office.write(REL, GOOD)
    other = "records/meetings/2026/10/MT-2611-A001.yaml"
    office.write(other, GOOD)
    code, items = findings(office)
    assert code == 1
    dup = [f for f in items if f["rule"] == "STORE-ID-01"]
    assert len(dup) == 1 and "duplicate meeting id MT-2611-A001" in str(dup[0]["message"])
    assert dup[0]["line"] == 3  # the id line


def test_record_in_the_wrong_folder(office: Office) -> None:
    wrong = "records/meetings/2026/10/MT-2611-A001.yaml"
    office.write(wrong, GOOD)
    code, items = findings(office)
    assert code == 1
    found = [f for f in items if f["rule"] == "STORE-PATH-01"]
    assert found and found[0]["path"] == wrong
    assert f"git mv {wrong} {REL}" in str(found[0]["hint"])


def test_stored_summary_must_equal_the_fold(office: Office) -> None:
    office.write(REL, GOOD.replace("open_decisions: 0", "open_decisions: 2"))
    code, items = findings(office)
    assert code == 1
    fold = [f for f in items if f["rule"] == "STORE-FOLD-01"]
    assert fold and fold[0]["line"] == 4 and "open_decisions: 0" in str(fold[0]["hint"])


def test_events_out_of_order_and_in_the_future(office: Office) -> None:
    text = GOOD + """\
  - at: 2026-11-19T10:00:00+08:00
    by: M001
    action: decided
    text: 补齐回访
    owner: CS001
    due: 2026-11-30T18:00:00+08:00
  - at: 2026-12-30T10:00:00+08:00
    by: M001
    action: done
    decision: 1
"""
    office.write(REL, text)
    code, items = findings(office)
    where = {f["rule"]: f["line"] for f in items}
    assert code == 1
    assert where["STORE-EVT-01"] == 12  # the second event's time, earlier than the first's
    assert where["STORE-EVT-02"] == 18  # the third event, dated after "now"


def test_findings_are_all_collected_not_just_the_first(office: Office) -> None:
    office.write(REL, GOOD.replace("type: weekly", "type: 周会").replace("by: M001", "by: X999"))
    office.write("records/meetings/2026/11/MT-2611-A002.yaml", "id: [")
    code, items = findings(office)
    assert code == 1
    assert {"STORE-ENUM-01", "STORE-REF-01", "STORE-YAML-01"} <= {f["rule"] for f in items}


def test_paths_limit_per_file_findings_but_keep_cross_record_checks(office: Office) -> None:
    office.write(REL, GOOD)
    office.write("records/meetings/2026/10/MT-2611-A001.yaml", GOOD)  # duplicate + wrong folder
    office.write("records/meetings/2026/11/MT-2611-A002.yaml", GOOD.replace("A001", "A002").replace("type: weekly", "type: 周会"))
    result = office.run("validate", "--format", "json", str(office.root / REL), now=NOW)
    items = json.loads(result.output)["findings"]
    rules = {f["rule"] for f in items}
    assert "STORE-ID-01" in rules  # cross-record, over the whole tree
    assert "STORE-ENUM-01" not in rules  # per-file finding of a file not asked about
    assert result.exit_code == 1


def test_missing_policy_is_a_finding(office: Office) -> None:
    office.git("rm", "-q", "--cached", "records/policy.yaml")  # staged for deletion, still on disk
    result = office.run("validate", "--staged", now=NOW)
    assert result.exit_code == 1
    assert "records/policy.yaml:1:1: error STORE-POLICY-01" in result.output
    (office.root / "records" / "policy.yaml").unlink()
    result = office.run("validate", now=NOW)
    assert result.exit_code == 2  # no records repository here any more: a usage error
    assert "policy.yaml" in result.output


def test_CAL_01_warns_without_an_official_holiday_schedule_for_next_year(office: Office) -> None:
    # holidays knows 2026's published schedule (with its 调休 days) but not 2027's.
    code, items = findings(office)
    cal = [f for f in items if f["rule"] == "CAL-01"]
    assert code == 0 and cal and "2027" in str(cal[0]["message"]) and cal[0]["severity"] == "warning"
    policy = office.root / "records" / "policy.yaml"
    text = policy.read_text(encoding="utf-8").replace("  country: CN\n", "  country: CN\n  extra_workdays:\n    - 2027-02-07\n")
    policy.write_text(text, encoding="utf-8")
    code, items = findings(office)
    assert [f for f in items if f["rule"] == "CAL-01"] == []


def test_RPT_14_the_right_level_chairs_each_meeting(office: Office) -> None:
    office.write(REL, GOOD.replace("type: weekly", "type: monthly"))  # chaired by the CS manager M001
    code, items = findings(office)
    rpt = [f for f in items if f["rule"] == "RPT-14"]
    assert code == 0 and rpt and rpt[0]["line"] == 10 and "月度总结会" in str(rpt[0]["message"])
    office.write(REL, GOOD.replace("type: weekly", "type: monthly").replace("chair: M001", "chair: D001"))
    code, items = findings(office)
    assert [f for f in items if f["rule"] == "RPT-14"] == []


MORE_CASES = [
    ("time as a number", GOOD.replace("2026-11-20T10:00:00+08:00", "20261120"), "STORE-SCHEMA-01", 6, "2026-11-23T09:12:00+08:00"),
    ("time in 1970", GOOD.replace("2026-11-20T10:00:00+08:00", "1970-01-01T00:00:00+08:00"), "STORE-SCHEMA-01", 6, "UTC offset"),
    ("bad time with an offset", GOOD.replace("2026-11-20T10:00:00+08:00", "2026-13-45T09:00:00+08:00"), "STORE-SCHEMA-01", 6, "UTC offset"),
    ("a list, not a mapping", "- id: MT-2611-A001\n", "STORE-YAML-02", 1, "id: ..."),
    ("a scalar", "just text\n", "STORE-YAML-02", 1, "id: ..."),
    ("numeric id", GOOD.replace("id: MT-2611-A001", "id: 2611"), "STORE-SCHEMA-01", 3, "expected"),
    ("duplicate key", GOOD.replace("    chair: M001\n", "    chair: M001\n    chair: S001\n"), "STORE-YAML-01", 11, "YAML"),
]


@pytest.mark.parametrize(("name", "content", "rule", "line", "hint"), MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_more_bad_input_gets_a_finding(office: Office, name: str, content: str, rule: str, line: int, hint: str) -> None:
    office.write(REL, content)
    code, items = findings(office)
    assert code == 1
    match = [f for f in items if f["rule"] == rule]
    assert match, items
    assert (match[0]["path"], match[0]["line"]) == (REL, line)
    assert hint in str(match[0]["hint"])
    assert not [f for f in items if f["rule"] == "STORE-TIME-01"]  # these times have offsets or are not times


def test_bom_and_crlf_are_read_as_plain_utf8(office: Office) -> None:
    office.write(REL, "")
    (office.root / REL).write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    code, items = findings(office)
    assert code == 0 and only_errors(items) == []


def test_validate_a_folder_or_a_missing_path(office: Office) -> None:
    office.write(REL, GOOD.replace("by: M001", "by: X999"))
    result = office.run("validate", str(office.root / "records" / "meetings"), now=NOW)
    assert result.exit_code == 1 and "STORE-REF-01" in result.output
    result = office.run("validate", str(office.root / "records" / "staff"), now=NOW)
    assert result.exit_code == 0 and "STORE-REF-01" not in result.output
    missing = office.run("validate", str(office.root / "records" / "nope.yaml"), now=NOW)
    assert missing.exit_code == 2 and "does not exist" in missing.output
