"""Issue 2 review: odd input is a finding with file:line, rule and fix, never a crash (exit 3)."""

from __future__ import annotations

import json

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


def test_staged_outside_a_git_repository_is_a_usage_error(office: Office) -> None:
    import shutil

    shutil.rmtree(office.root / ".git")
    result = office.run("validate", "--staged", now=NOW)
    assert result.exit_code == 2
    assert "not in a git repository" in result.output
    plain = office.run("validate", "--format", "json", now=NOW)
    assert plain.exit_code == 0 and json.loads(plain.output)["errors"] == 0
