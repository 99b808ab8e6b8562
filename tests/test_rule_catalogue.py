"""Every rule in the registry is named by a test (its ID in a test function's name or body)."""

from __future__ import annotations

import ast
from pathlib import Path

from csops.rules import load_rules

HERE = Path(__file__).parent


def _test_function_sources() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in HERE.glob("test_*.py"):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[f"{path.name}::{node.name}"] = node.name + "\n" + (ast.get_source_segment(source, node) or "")
    return found


def test_every_registered_rule_is_named_by_a_test() -> None:
    rules = {rule.id for rule in load_rules()}
    assert len(rules) > 50
    bodies = list(_test_function_sources().values())
    untested = sorted(r for r in rules if not any(r in b or r.replace("-", "_") in b for b in bodies))
    assert untested == [], f"rules with no test naming them: {untested}"


def test_registered_rules_are_well_formed() -> None:
    for rule in load_rules():
        assert rule.title, rule.id
        assert rule.scope in {"record", "tree"}, rule.id
        assert rule.id.split("-")[0] in {"TKT", "HOV", "KEY", "REG", "ROLE", "RPT", "KPI", "PEN", "STORE", "CAL", "AUDIT"}, rule.id
