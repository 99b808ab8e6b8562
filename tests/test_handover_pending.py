"""Pending matters in the handover come from csops.pending as of the handover (issue 4 acceptance).

The tickets and key-loan families register their providers when merged; here a provider defined in
this module reads a real file of open tickets and key loans committed in the records repo.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from ruamel.yaml import YAML

from csops import pending
from csops.pending import PendingItem
from tests.handover_support import add_roster, checks, t


def provider(ctx, staff_id, at):  # type: ignore[no-untyped-def]
    data = YAML(typ="safe").load((ctx.root / "pending-fixture.yaml").read_text(encoding="utf-8")) or []
    for row in data:
        opened, closed = datetime.fromisoformat(row["opened"]), row.get("closed")
        if row["owner"] == staff_id and opened <= at and (closed is None or datetime.fromisoformat(closed) > at):
            yield PendingItem(kind=row["kind"], record_id=row["id"], summary=row["summary"], owner=row["owner"],
                              due=datetime.fromisoformat(row["due"]) if row.get("due") else None)


FIXTURE = """- {kind: ticket, id: T-2611-A003, owner: CS001, opened: "2026-11-23T09:10:00+08:00",
   due: "2026-11-24T09:10:00+08:00", summary: 投诉 T-2611-A003 待处理%s}
- {kind: key_loan, id: KL-2611-A001, owner: CS001, opened: "2026-11-23T10:00:00+08:00",
   summary: 钥匙 1203 借出未还%s}
"""


@pytest.fixture
def with_provider(office, monkeypatch):
    monkeypatch.setattr(pending, "PROVIDERS", [f"{__name__}:provider"])
    add_roster(office)
    return office


def test_open_ticket_and_key_loan_listed_then_gone(with_provider):
    office = with_provider
    (office.root / "pending-fixture.yaml").write_text(FIXTURE % ("", ""), encoding="utf-8")
    office.git("add", "pending-fixture.yaml")
    office.git("commit", "-qm", "open ticket and key loan")
    office.ok("handover", "open", "2026-11-23", "cs_office", "late", "--summary", "s", *checks("cs_office"),
              "--sign", as_="CS001", now=t("2026-11-23", "12:45"))
    first = "2026-11-23-cs_office-late"
    data = json.loads(office.ok("handover", "show", first, "--format", "json",
                                              now=t("2026-11-23", "13:00")).output)
    assert [p["record_id"] for p in data["pending"]] == ["T-2611-A003", "KL-2611-A001"]
    assert data["pending"][0]["due"] == "2026-11-24T09:10:00+08:00"
    text = office.ok("handover", "show", first, now=t("2026-11-23", "13:00")).output
    assert "投诉 T-2611-A003 待处理 期限 2026-11-24 09:10" in text and "钥匙 1203 借出未还" in text
    # The ticket closes and the key comes back that afternoon.
    closed = ', closed: "2026-11-23T15:00:00+08:00"'
    (office.root / "pending-fixture.yaml").write_text(
        FIXTURE.replace("summary: 投诉", closed[2:] + ", summary: 投诉").replace(
            "summary: 钥匙", closed[2:] + ", summary: 钥匙") % ("", ""), encoding="utf-8")
    office.ok("handover", "open", "2026-11-24", "cs_office", "late", "--summary", "s", *checks("cs_office"),
              "--sign", as_="CS001", now=t("2026-11-24", "12:45"))
    later = json.loads(office.ok("handover", "show", "2026-11-24-cs_office-late", "--format",
                                               "json", now=t("2026-11-24", "13:00")).output)
    assert later["pending"] == []
    assert "待办事项 (截至 2026-11-24 12:45): 无" in office.ok(
        "handover", "show", "2026-11-24-cs_office-late", now=t("2026-11-24", "13:00")).output
    # The earlier handover still shows what was pending as of its own time.
    again = json.loads(office.ok("handover", "show", first, "--format", "json",
                                               now=t("2026-11-24", "13:00")).output)
    assert len(again["pending"]) == 2
