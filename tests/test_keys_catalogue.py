"""Every key-custody and hazmat rule in the registry has a test named after its RULES.md ID."""

from __future__ import annotations

import re
from pathlib import Path

from csops.rules import load_rules


def test_every_key_and_hazmat_rule_has_a_test_named_after_it() -> None:
    ids = {r.id for r in load_rules() if r.id.startswith(("KEY-", "REG-HAZ-"))}
    assert len(ids) >= 30
    here = Path(__file__).parent
    names = set()
    for path in [*here.glob("test_keys*.py"), *here.glob("test_hazmat*.py")]:
        names |= set(re.findall(r"def (test_\w+)", path.read_text(encoding="utf-8")))
    untested = sorted(i for i in ids if not any(i.replace("-", "_") in n for n in names))
    assert untested == []
