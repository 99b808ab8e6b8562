"""Issue 2 review: odd input is a finding with file:line, rule and fix, never a crash (exit 3)."""

from __future__ import annotations

import json

import pytest

from tests.fixtures import Office
from tests.test_validate_findings import GOOD, NOW, REL, findings, only_errors


def test_a_deeply_nested_value_is_a_finding_not_a_recursion_crash(office: Office) -> None:
    office.write(REL, GOOD.replace("open_decisions: 0", "open_decisions: " + "[" * 3000 + "]" * 3000))
    code, items = findings(office)
    assert code == 1
    errors = only_errors(items)
    assert [(f["rule"], f["line"]) for f in errors] == [("STORE-SCHEMA-01", 4)]


def test_an_alias_bomb_gives_a_short_message(office: Office) -> None:
    bomb = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9)}]\n" for p, a in zip("abcde", "bcdef", strict=True))
    office.write(REL, GOOD.replace("open_decisions: 0", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + bomb
                                   + "open_decisions: *f"))
    code, items = findings(office)
    assert code == 1
    wrong = [f for f in items if f["rule"] == "STORE-SCHEMA-01"]
    assert wrong and all(len(str(f["message"])) < 300 for f in items)


def test_STORE_EVT_03_a_record_without_events_is_an_error(office: Office) -> None:
    office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "陈先生",
              "--contact", "13800000000", "--content", "停车收费标准", as_="CS001", now=NOW)
    rel = "records/tickets/2026/11/T-2611-A001.yaml"
    text = (office.root / rel).read_text(encoding="utf-8")
    for cut in (text.split("events:")[0], text.split("events:")[0] + "events: []\n"):
        office.write(rel, cut)
        code, items = findings(office)
        assert code == 1
        match = [f for f in items if f["rule"] == "STORE-EVT-03"]
        assert match and match[0]["path"] == rel and "git log" in str(match[0]["hint"])
        assert (office.root / rel).read_text(encoding="utf-8") == cut


def test_a_record_in_another_kinds_folder_gets_one_finding_saying_where_it_belongs(office: Office) -> None:
    wrong = "records/staff/MT-2611-A001.yaml"
    office.write(wrong, GOOD)
    code, items = findings(office)
    assert code == 1
    errors = only_errors(items)
    assert [(f["path"], f["line"], f["rule"]) for f in errors] == [(wrong, 3, "STORE-PATH-01")]
    assert errors[0]["hint"] == f"git mv {wrong} {REL}"


POLICY_TYPOS = [
    # (name, old line, new line, line of the finding)
    ("negative minutes", "      general: 20", "      general: -20", 33),
    ("digits held down", "      general: 20", "      general: 99999999999999999999999", 33),
    ("a boolean for a number", "      general: 20", "      general: true", 33),
    ("a percentage for a share", "  satisfaction: 0.95", "  satisfaction: 95", 114),
]


@pytest.mark.parametrize(("name", "old", "new", "line"), POLICY_TYPOS, ids=[c[0] for c in POLICY_TYPOS])
def test_policy_numbers_are_bounded(office: Office, name: str, old: str, new: str, line: int) -> None:
    path = office.root / "records" / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    code, items = findings(office)
    assert code == 1
    errors = only_errors(items)
    assert [(f["path"], f["line"], f["rule"]) for f in errors] == [("records/policy.yaml", line, "STORE-SCHEMA-01")]
    assert errors[0]["hint"]
    status = office.run("status", now=NOW)  # runs the rules on defaults, never crashes
    assert status.exit_code == 0, status.output


def test_staged_outside_a_git_repository_is_a_usage_error(office: Office) -> None:
    import shutil

    shutil.rmtree(office.root / ".git")
    result = office.run("validate", "--staged", now=NOW)
    assert result.exit_code == 2
    assert "not in a git repository" in result.output
    plain = office.run("validate", "--format", "json", now=NOW)
    assert plain.exit_code == 0 and json.loads(plain.output)["errors"] == 0


def test_infinite_or_nan_numbers_are_findings(office: Office) -> None:
    from tests.fixtures import DEMO_RECORDS

    rel = "records/tickets/2026/11/T-2611-A004.yaml"
    text = (DEMO_RECORDS.parent / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if "parts_fee:" in t)
    for bad in (".inf", ".nan"):
        indent = lines[line - 1].split("parts_fee:")[0]
        lines[line - 1] = f"{indent}parts_fee: {bad}"
        office.write(rel, "\n".join(lines) + "\n")
        code, items = findings(office)
        assert code == 1
        assert ("STORE-SCHEMA-01", rel, line) in {(f["rule"], f["path"], f["line"]) for f in items}


def test_a_command_on_a_broken_record_names_the_file_instead_of_saying_no_such_record(office: Office) -> None:
    office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "陈先生",
              "--contact", "13800000000", "--content", "停车收费标准", as_="CS001", now=NOW)
    rel = "records/tickets/2026/11/T-2611-A001.yaml"
    path = office.root / rel
    broken = path.read_text(encoding="utf-8").replace("channel: phone", "channel: [phone")
    path.write_text(broken, encoding="utf-8")
    result = office.run("ticket", "show", "T-2611-A001", now=NOW)
    assert result.exit_code == 2
    assert f"{rel} exists but has errors: csops validate {rel}" in result.output
    assert path.read_text(encoding="utf-8") == broken
    unknown = office.run("ticket", "show", "T-2611-A009", now=NOW)
    assert unknown.exit_code == 2 and "exists but has errors" not in unknown.output
