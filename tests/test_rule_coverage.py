"""Every RULES.md ID is registered, emitted as ``rule="ID"`` under csops/, or explained in docs/rules.md.

The IDs come from docs/rules-ids.txt (every bold ``**ID**`` of RULES.md, vendored because CI runs on
a fresh clone without ../shared; docs/rules.md says how to regenerate it). A row of docs/rules.md is
``| ID | rule | status | where / why |``; its status is one of four, and it must not name an ID that
csops now registers or emits (a stale row).
"""

from __future__ import annotations

import re
from pathlib import Path

from csops.rules import load_rules, rule_ids

ROOT = Path(__file__).resolve().parent.parent
IDS_FILE = ROOT / "docs" / "rules-ids.txt"
DOC = ROOT / "docs" / "rules.md"

ID_RE = re.compile(r"^[A-Z]+(?:-[A-Z0-9]+)+$")
EMITTED_RE = re.compile(r"""\brule\s*=\s*["']([A-Z]+(?:-[A-Z0-9]+)+)["']""")
STATUSES = ("implemented elsewhere", "enforced under another ID", "not checked, by design", "not built yet")
ISSUE_RE = re.compile(r"\bissue 1[234]\b")


def rules_md_ids() -> list[str]:
    ids = [line.strip() for line in IDS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad, f"{IDS_FILE.name}: not IDs: {bad}"
    assert len(ids) == len(set(ids)), f"{IDS_FILE.name} lists an ID twice"
    return ids


def registered() -> set[str]:
    load_rules()
    return rule_ids()


def emitted() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "csops").rglob("*.py"):
        found.update(EMITTED_RE.findall(path.read_text(encoding="utf-8")))
    return found


def doc_rows() -> dict[str, tuple[str, str, str]]:
    """ID → (rule, status, where/why) for each table row of docs/rules.md whose first cell is an ID."""
    rows: dict[str, tuple[str, str, str]] = {}
    for n, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or not ID_RE.match(cells[0]):
            continue
        assert len(cells) == 4, f"docs/rules.md:{n}: a row has 4 cells (ID | rule | status | where / why): {line}"
        assert cells[0] not in rows, f"docs/rules.md:{n}: {cells[0]} has two rows"
        rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def test_id_list_is_plausible() -> None:
    ids = rules_md_ids()
    assert len(ids) >= 290
    for family in ("TKT-", "HOV-", "KEY-", "REG-", "KPI-", "RPT-", "PEN-", "ROLE-"):
        assert any(i.startswith(family) for i in ids), family


def test_every_id_is_registered_emitted_or_explained() -> None:
    covered = registered() | emitted() | set(doc_rows())
    missing = [i for i in rules_md_ids() if i not in covered]
    assert not missing, (
        f"{len(missing)} RULES.md ID(s) neither registered, nor emitted as rule=\"ID\" under csops/, "
        f"nor explained in docs/rules.md: {', '.join(missing)}")


def test_no_stale_or_unknown_rows() -> None:
    rows = doc_rows()
    reg, emit, known = registered(), emitted(), set(rules_md_ids())
    stale = sorted(i for i in rows if i in reg or i in emit)
    assert not stale, f"docs/rules.md lists IDs csops now registers or emits (delete their rows): {stale}"
    unknown = sorted(i for i in rows if i not in known)
    assert not unknown, f"docs/rules.md lists IDs that are not in docs/rules-ids.txt: {unknown}"


def test_rows_have_a_status_and_a_reason() -> None:
    reg = registered()
    problems = []
    for rule_id, (rule, status, why) in doc_rows().items():
        if not rule:
            problems.append(f"{rule_id}: no rule text")
        if status not in STATUSES:
            problems.append(f"{rule_id}: status {status!r} is not one of {STATUSES}")
        if not why:
            problems.append(f"{rule_id}: no where / why")
        elif status == "not built yet" and not ISSUE_RE.search(why):
            problems.append(f"{rule_id}: 'not built yet' names no open issue (issue 12, 13 or 14)")
        elif status == "enforced under another ID" and not any(r in reg for r in re.findall(r"[A-Z]+(?:-[A-Z0-9]+)+", why)):
            problems.append(f"{rule_id}: 'enforced under another ID' names no registered rule")
        elif status == "implemented elsewhere" and not re.search(r"csops|`", why):
            problems.append(f"{rule_id}: 'implemented elsewhere' says not where")
    assert not problems, "\n".join(problems)
