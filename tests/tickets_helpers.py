"""Pure helpers for ticket tests: a Context with the demo roster and default policy, and tickets built
from a compact event list, so rule tests run without git (the CLI tests use real repos)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csops.context import Context
from csops.models.policy import Policy
from csops.models.staff import Staff
from csops.models.ticket import Ticket
from csops.rules import check_record, check_tree
from csops.store import LoadedFile
from csops.yamlio import load_fast
from tests.fixtures import DEMO_RECORDS


def at(text: str) -> datetime:
    """at("2026-11-02 09:00") → that time in the office zone (+08:00)."""
    return datetime.fromisoformat(text.replace(" ", "T") + ":00+08:00")


def context(now: str = "2026-11-30 09:00", policy: Policy | None = None) -> Context:
    ctx = Context(policy=policy or Policy(), now=at(now))
    for path in sorted((DEMO_RECORDS / "staff").glob("*.yaml")):
        person = Staff.model_validate(load_fast(path.read_text(encoding="utf-8")))
        ctx.add(person, LoadedFile(rel=f"records/staff/{path.name}", kind="staff"))
    return ctx


def put(ctx: Context, record: Any) -> None:
    """Put ``record`` in the tree, in place of a record with its id (as a command's change would)."""
    ctx.replace(ctx.get(record.KIND, record.id), record)


BASE: dict[str, dict[str, Any]] = {
    "complaint": {"severity": "general", "promised_reply_at": "2026-11-03T17:00:00+08:00"},
    "repair": {"repair": {"kind": "property", "billing": "free", "trade": "水电"}},
    "installation": {"installation": {"request_form": "AZ-1", "vehicle_list": "CL-1", "driver_info": "SJ-1"}},
    "kesu": {"kesu": {"kesu_no": "261101-A", "order_no": "PO-1", "part_no": "P-1", "ship_date": "2026-10-01",
                      "qty": 100, "defect_qty": 5, "customer_request": "退换"}},
    "major_fault": {"fault": {"occurred_at": "2026-11-02T08:30:00+08:00", "location": "B1", "symptoms": "停水",
                              "response_plan": "抢修"}},
}


def ticket(type_: str = "complaint", events: list[tuple[str, str, str, dict[str, Any]]] | None = None,
           received: str = "2026-11-02 09:00", by: str = "CS001", **fields: Any) -> Ticket:
    """A valid ticket of ``type_`` received at ``received`` by ``by``, plus ``events``
    given as (action, "YYYY-MM-DD HH:MM", by, fields)."""
    data: dict[str, Any] = {
        "id": "T-2611-A001", "type": type_, "channel": "phone",
        "customer": {"name": "陈先生", "contact": "13800000000", "address": "A座1201"},
        "content": "空调不制冷", "first_owner": by,
        **BASE.get(type_, {}), **fields,
    }
    evs: list[dict[str, Any]] = [{"action": "received", "at": at(received).isoformat(), "by": by}]
    for action, when, who, extra in events or []:
        evs.append({"action": action, "at": at(when).isoformat(), "by": who, **extra})
    data["events"] = evs
    t = Ticket.model_validate(data)
    return t.model_copy(update=t.derived_summary())


def rule_hits(t: Ticket, rule_id: str, ctx: Context | None = None) -> list[str]:
    """Messages of ``rule_id`` findings for ``t`` (record and tree rules)."""
    ctx = ctx or context()
    put(ctx, t)
    problems = check_record(t, ctx) + check_tree(ctx)
    return [p.message for p in problems if p.rule == rule_id]


# A complete, valid life of a general complaint: the baseline the rule tests break one piece at a time.
FORWARD = ("forward", "2026-11-02 09:10", "CS001", {"to": "E002", "reason": "工程部负责空调"})
RESOLVE = ("resolve", "2026-11-03 10:00", "E002", {
    "resolution": "更换压缩机", "validity": "valid", "verified_by": "CS002", "corrective_action": "加强巡检",
    "findings": "压缩机老化", "evidence": "维修单 WX-1", "reply_text": "已为您修好,请放心使用"})
#: CS002 confirms, at their own keyboard, the validity check E002's resolution names them for (event 2).
VERIFIED = ("confirm", "2026-11-03 11:00", "CS002", {"event": 2, "role": "verified_by"})
CALLBACK = ("callback", "2026-11-03 15:00", "M001", {"mode": "phone", "satisfied": True, "signature": True,
                                                    "notes": "客户满意"})
CLOSE = ("close", "2026-11-03 16:00", "CS001", {"customer_notified_at": "2026-11-03T15:00:00+08:00"})
