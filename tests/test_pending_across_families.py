"""Issue 4 acceptance across families: an open ticket and a key loan of the outgoing staff member are
pending matters of the next handover; once the ticket closes and the key returns, they are gone.

Everything is real: the ticket, the key registry and the loan are made by their own commands, and
the handover computes its pending matters from those records (csops.pending providers).
"""

from __future__ import annotations

import json

from tests.fixtures import Office
from tests.handover_support import add_roster, checks
from tests.keyhelpers import add_registry

DAY1, DAY2 = "2026-11-23", "2026-11-24"


def at(day: str, hhmm: str) -> str:
    return f"{day}T{hhmm}:00+08:00"


def pending_of(office: Office, handover_id: str, now: str) -> list[dict[str, object]]:
    data = json.loads(office.ok("handover", "show", handover_id, "--format", "json", now=now).output)
    return data["pending"]


def test_open_ticket_and_key_loan_are_pending_then_gone(office: Office) -> None:
    add_roster(office)  # CS001 works the CS office early shift, CS002 the late one
    add_registry(office, at(DAY1, "07:30"))
    office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
              "--contact", "13900000000", "--content", "停车月卡怎么办理", as_="CS001", now=at(DAY1, "09:00"))
    office.ok("key", "lend", "VU-1203", "--to", "CS001", "--purpose", "陪同客户看房", as_="A001", now=at(DAY1, "10:00"))

    office.ok("handover", "open", DAY1, "cs_office", "late", "--summary", "上午接咨询1起", *checks("cs_office"),
              "--sign", as_="CS001", now=at(DAY1, "12:45"))
    pending = pending_of(office, f"{DAY1}-cs_office-late", at(DAY1, "13:00"))
    assert {(p["kind"], p["record_id"]) for p in pending} == {("ticket", "T-2611-A001"), ("key_loan", "KL-2611-A001")}
    text = office.ok("handover", "show", f"{DAY1}-cs_office-late", now=at(DAY1, "13:00")).output
    assert "T-2611-A001" in text and "VU-1203" in text

    # That afternoon the consultation is answered and closed, and the key comes back.
    office.ok("ticket", "resolve", "T-2611-A001", "--resolution", "已告知办理流程和所需材料",
              "--reply-text", "您好，月卡在一楼客服中心办理，请带行驶证", as_="CS001", now=at(DAY1, "14:00"))
    office.ok("ticket", "callback", "T-2611-A001", "--mode", "phone", "--satisfied", "--signature",
              "--notes", "客户满意", as_="CS001", now=at(DAY1, "15:00"))
    office.ok("ticket", "close", "T-2611-A001", "--customer-notified-at", at(DAY1, "14:00"),
              as_="CS001", now=at(DAY1, "15:10"))
    office.ok("key", "return", "VU-1203", "--power-off", "--windows-closed", "--locked", as_="A001",
              now=at(DAY1, "15:30"))

    office.ok("handover", "open", DAY2, "cs_office", "late", "--summary", "无遗留", *checks("cs_office"),
              "--sign", as_="CS001", now=at(DAY2, "12:45"))
    assert pending_of(office, f"{DAY2}-cs_office-late", at(DAY2, "13:00")) == []
    # The first handover still shows what was pending as of its own time.
    assert len(pending_of(office, f"{DAY1}-cs_office-late", at(DAY2, "13:00"))) == 2


def test_TKT_NGT_04_night_tickets_go_into_the_0800_handover_book(office: Office) -> None:
    add_roster(office)
    office.ok("ticket", "new", "--type", "complaint", "--severity", "general", "--channel", "phone",
              "--customer", "王先生", "--contact", "13800000001", "--address", "A座1203",
              "--content", "楼上深夜装修噪音", "--promised-by", at(DAY2, "12:00"), as_="N001", now=at(DAY1, "22:30"))
    office.ok("handover", "open", DAY2, "cs_office", "early", "--type", "security_to_cs", "--from-post", "control_room",
              "--summary", "夜间接投诉1起", *checks("control_room"), "--sign", as_="N001", now=at(DAY2, "07:50"))
    book = f"{DAY2}-cs_office-early"
    data = json.loads(office.ok("handover", "show", book, "--format", "json", now=at(DAY2, "08:00")).output)
    assert [(i["kind"], i["ticket"]) for i in data["after_hours"]] == [("complaint", "T-2611-A001")]
    assert "TKT-NGT-04" not in office.run("validate", now=at(DAY2, "09:00")).output
    # A book written by hand without the night's ticket is found.
    path = office.root / "records" / "handovers" / "2026" / "11" / f"{book}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("after_hours:")
    end = text.index("\n", text.index("ticket: T-2611-A001")) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    out = office.run("validate", now=at(DAY2, "09:00")).output
    assert "warning TKT-NGT-04" in out and "T-2611-A001, taken at night" in out
