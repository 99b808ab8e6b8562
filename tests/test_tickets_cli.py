"""Ticket commands end to end in a real records repo (real git): one event and one commit per step,
refusals that write nothing, prompts only on a terminal."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from csops.pending import pending_for
from csops.session import Session
from tests.fixtures import Office

COMPLAINT = ["ticket", "new", "--type", "complaint", "--severity", "general", "--channel", "phone",
             "--customer", "陈先生", "--contact", "13800000000", "--address", "A座1201",
             "--content", "空调不制冷,已报修两次", "--promised-by", "2026-11-03T17:00:00+08:00"]
T0 = "2026-11-02T09:00:00+08:00"


def step(office: Office, as_: str, now: str, *args: str) -> str:
    return office.ok(*args, as_=as_, now=now).output


def complaint_lifecycle(office: Office) -> str:
    """A general complaint taken, forwarded, resolved, called back and closed, each on time."""
    assert "T-2611-A001" in step(office, "CS001", T0, *COMPLAINT)
    tid = "T-2611-A001"
    step(office, "CS001", "2026-11-02T09:10:00+08:00", "ticket", "forward", tid, "--to", "E002",
         "--department", "engineering", "--reason", "空调归工程部")
    step(office, "E002", "2026-11-02T11:00:00+08:00", "ticket", "update", tid, "--text", "已到现场")
    step(office, "E002", "2026-11-03T10:00:00+08:00", "ticket", "resolve", tid, "--resolution", "更换压缩机",
         "--validity", "valid", "--verified-by", "CS002", "--corrective-action", "加强巡检",
         "--findings", "压缩机老化", "--evidence", "维修单WX-1", "--reply-text", "已为您修好")
    office.confirm("CS002", tid, "2026-11-03T11:00:00+08:00")  # the verifier confirms the validity check
    step(office, "M001", "2026-11-03T15:00:00+08:00", "ticket", "callback", tid, "--mode", "phone",
         "--satisfied", "--signature", "--notes", "客户满意")
    step(office, "CS001", "2026-11-03T16:00:00+08:00", "ticket", "close", tid,
         "--customer-notified-at", "2026-11-03T15:00:00+08:00")
    return tid


def test_complaint_lifecycle_one_commit_per_event(office: Office) -> None:
    before = office.commits()
    tid = complaint_lifecycle(office)
    assert office.commits() == before + 7
    log = office.git("log", "-1", "--format=%an%n%B").stdout
    assert "Csops-Actor: CS001" in log and "Csops-Action: ticket.close" in log
    assert log.startswith("Test Runner") and "Csops-Entered-By: runner@example.invalid" in log
    view = json.loads(office.ok("ticket", "show", tid, "--format", "json", now="2026-11-04T09:00:00+08:00").output)
    assert view["status"] == "closed" and view["first_owner"] == "CS001" and view["owner"] == "E002"
    assert all(d["state"] == "met" for d in view["deadlines"])
    assert office.ok("validate", now="2026-11-04T09:00:00+08:00").exit_code == 0


def test_refusal_names_rule_and_writes_nothing(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    before, status = office.commits(), office.status()
    result = office.run("ticket", "close", "T-2611-A001", as_="CS001", now="2026-11-02T09:05:00+08:00")
    assert result.exit_code == 1
    assert "TKT-GEN-06" in result.output and "allowed next" in result.output and "fix:" in result.output
    assert office.commits() == before and office.status() == status


def test_intake_refused_without_severity_rule(office: Office) -> None:
    args = [a for a in COMPLAINT if a not in ("--promised-by", "2026-11-03T17:00:00+08:00")]
    result = office.run(*args, as_="CS001", now=T0)
    assert result.exit_code == 1 and "TKT-CMP-05" in result.output
    assert not (office.root / "records" / "tickets").exists()


def test_bad_enum_value_is_a_finding_not_a_crash(office: Office) -> None:
    args = list(COMPLAINT)
    args[args.index("general")] = "一般"
    result = office.run(*args, as_="CS001", now=T0)
    assert result.exit_code == 1 and "STORE-ENUM-01" in result.output and "general" in result.output


def test_missing_option_is_an_error_off_a_terminal(office: Office) -> None:
    result = office.run("ticket", "new", "--type", "consultation", "--channel", "phone", as_="CS001", now=T0)
    assert result.exit_code == 2 and "--customer" in result.output


def test_missing_option_is_prompted_on_a_terminal(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    # CliRunner feeds stdin from a string, which is never a tty: stand in for the person at the keyboard.
    monkeypatch.setattr("csops.commands.interactive", lambda: True)
    result = office.run("ticket", "new", "--type", "consultation", "--channel", "phone", "--contact", "139",
                        as_="CS001", now=T0, input="刘女士\n停车月卡怎么办理\n")
    assert result.exit_code == 0, result.output
    assert "客户姓名" in result.output and "T-2611-A001" in result.output


def test_unsatisfied_callback_reopens_and_needs_new_corrective_action(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    tid = "T-2611-A001"
    step(office, "CS001", "2026-11-02T09:10:00+08:00", "ticket", "forward", tid, "--to", "E002", "--reason", "工程部")
    step(office, "E002", "2026-11-02T15:00:00+08:00", "ticket", "resolve", tid, "--resolution", "清洗滤网",
         "--validity", "valid", "--verified-by", "CS002", "--corrective-action", "清洗", "--findings", "滤网脏",
         "--evidence", "照片")
    out = step(office, "M001", "2026-11-03T09:00:00+08:00", "ticket", "callback", tid, "--mode", "phone",
               "--unsatisfied", "--notes", "仍不制冷")
    assert "处理中" in out
    refused = office.run("ticket", "resolve", tid, "--resolution", "再次清洗", as_="E002",
                         now="2026-11-03T11:00:00+08:00")
    assert refused.exit_code == 1 and "TKT-CB-02" in refused.output
    step(office, "E002", "2026-11-03T11:00:00+08:00", "ticket", "resolve", tid, "--resolution", "更换压缩机",
         "--validity", "valid", "--verified-by", "CS002", "--corrective-action", "更换压缩机",
         "--findings", "压缩机老化", "--evidence", "维修单")
    view = json.loads(office.ok("ticket", "show", tid, "--format", "json", now="2026-11-03T12:00:00+08:00").output)
    assert [d["key"] for d in view["deadlines"] if d["rule"] == "TKT-CB-01"] == ["callback", "callback_2"]


def test_product_repair_dispatch_with_sim_swap_and_fee(office: Office) -> None:
    out = step(office, "CS003", T0, "ticket", "new", "--type", "repair", "--repair-kind", "product", "--channel", "phone",
               "--customer", "顺达物流", "--contact", "0755-88886666", "--address", "宝安区福永街道",
               "--product-model", "GT-06", "--purchase-date", "2024-03-01", "--symptom", "终端无定位",
               "--plate", "粤B12345")
    tid = out.split()[-1]
    refused = office.run("ticket", "assign", tid, "--to", "T001", "--reason", "GPS维修", as_="CS003",
                         now="2026-11-02T09:20:00+08:00")
    assert refused.exit_code == 1 and "TKT-REP-02" in refused.output
    step(office, "Q001", "2026-11-02T09:30:00+08:00", "ticket", "approve", tid)
    step(office, "CS003", "2026-11-02T09:40:00+08:00", "ticket", "assign", tid, "--to", "T001", "--reason", "GPS维修")
    no_invoice = office.run("ticket", "resolve", tid, "--resolution", "更换SIM卡", "--plate", "粤B12345",
                            "--old-sim", "1440011112222", "--new-sim", "1440033334444", "--parts-fee", "50",
                            "--out-of-warranty", as_="T001", now="2026-11-02T15:00:00+08:00")
    assert no_invoice.exit_code == 1 and "TKT-FEE-02" in no_invoice.output
    step(office, "T001", "2026-11-02T15:00:00+08:00", "ticket", "resolve", tid, "--resolution", "更换SIM卡",
         "--technician", "T001", "--plate", "粤B12345", "--old-sim", "1440011112222", "--new-sim", "1440033334444",
         "--parts-fee", "50", "--out-of-warranty", "--invoice-no", "FP-001")
    warn = office.ok("validate", now="2026-11-02T16:00:00+08:00").output
    assert "TKT-FEE-02" in warn  # warning until the fee reaches finance
    step(office, "T001", "2026-11-02T17:00:00+08:00", "ticket", "finance", tid, "--amount", "50", "--receiver", "FN01")
    step(office, "CS001", "2026-11-03T09:00:00+08:00", "ticket", "callback", tid, "--mode", "phone", "--satisfied",
         "--notes", "定位恢复")
    close = ("ticket", "close", tid, "--customer-notified-at", "2026-11-03T09:00:00+08:00")
    # the division manager's dispatch approval was typed in for them: no close until Q001 confirms it
    unconfirmed = office.run(*close, as_="CS003", now="2026-11-03T09:30:00+08:00")
    assert unconfirmed.exit_code == 1 and "TKT-REP-02" in unconfirmed.output and f"csops confirm {tid}" in unconfirmed.output
    assert "待确认: 事业部经理" in office.ok("ticket", "show", tid, now="2026-11-03T09:30:00+08:00").output
    office.confirm("Q001", tid, "2026-11-03T09:35:00+08:00")
    step(office, "CS003", "2026-11-03T09:40:00+08:00", *close)
    assert "TKT-FEE-02" not in office.ok("validate", now="2026-11-04T09:00:00+08:00").output


def test_major_fault_needs_analysis_report_to_close(office: Office) -> None:
    out = step(office, "CS001", T0, "ticket", "new", "--type", "major_fault", "--channel", "on_site",
               "--customer", "丰汇大厦B座", "--contact", "8001", "--content", "B座全楼停水",
               "--occurred-at", "2026-11-02T08:40:00+08:00", "--location", "B座地下泵房", "--symptoms", "水泵停转",
               "--response-plan", "启用备用泵")
    tid = out.split()[-1]
    step(office, "E002", "2026-11-02T12:00:00+08:00", "ticket", "resolve", tid, "--resolution", "更换水泵电机")
    refused = office.run("ticket", "close", tid, "--customer-notified-at", "2026-11-02T12:30:00+08:00",
                         as_="CS001", now="2026-11-02T13:00:00+08:00")
    assert refused.exit_code == 1 and "TKT-FLT-03" in refused.output
    step(office, "E002", "2026-11-02T16:00:00+08:00", "ticket", "analysis", tid, "--impact", "B座停水3小时",
         "--handling", "启用备用泵并更换电机", "--root-cause", "电机过热烧毁", "--corrective", "更换电机",
         "--preventive", "加装过热保护", "--sent-to-customer", "2026-11-02T16:00:00+08:00",
         "--sent-to-business", "2026-11-02T16:00:00+08:00")
    step(office, "CS001", "2026-11-02T16:30:00+08:00", "ticket", "close", tid,
         "--customer-notified-at", "2026-11-02T16:00:00+08:00")


def test_kesu_numbers_per_month_and_station(office: Office) -> None:
    args = ["ticket", "new", "--type", "kesu", "--channel", "letter", "--customer", "宏达包装", "--contact", "021-1",
            "--content", "纸箱破损", "--order-no", "PO-1", "--part-no", "P-1", "--ship-date", "2026-10-20",
            "--qty", "1000", "--defect-qty", "40", "--customer-request", "客户加工中未确定"]
    assert "261101-A" in step(office, "CS002", T0, *args)
    assert "261102-A" in step(office, "CS002", "2026-11-02T10:00:00+08:00", *args)
    out = office.ok("--station", "B", *args, as_="CS002", now="2026-11-02T11:00:00+08:00").output
    assert "261101-B" in out
    no_loss = step(office, "CS002", "2026-11-02T12:00:00+08:00", "ticket", "new", "--type", "kesu", "--channel",
                   "phone", "--customer", "宏达包装", "--contact", "021-1", "--content", "少量色差",
                   "--no-loss", "--abnormality-form", "YC-2611-01")
    assert "客诉编号" not in no_loss


def test_pending_provider_lists_open_tickets_as_of_a_time(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    step(office, "CS001", "2026-11-02T09:10:00+08:00", "ticket", "forward", "T-2611-A001", "--to", "E002",
         "--reason", "工程部")
    ctx = Session(root_option=office.root, now_option=datetime.fromisoformat("2026-11-02T12:00:00+08:00")).load()
    mine = pending_for(ctx, "E002", datetime.fromisoformat("2026-11-02T12:00:00+08:00"))
    assert [i.record_id for i in mine] == ["T-2611-A001"] and mine[0].owner == "E002" and mine[0].due
    # As of 09:05 the forward had not happened: the ticket was still CS001's, owed to no one else.
    assert pending_for(ctx, "E002", datetime.fromisoformat("2026-11-02T09:05:00+08:00")) == []
    assert pending_for(ctx, "CS001", datetime.fromisoformat("2026-11-02T09:05:00+08:00"))


def test_status_section_counts_open_and_overdue(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    data = json.loads(office.ok("status", "--format", "json", now="2026-11-02T10:00:00+08:00").output)
    tickets = next(s for s in data if s["title"].startswith("工单"))
    assert tickets["data"]["open"] == 1 and tickets["data"]["overdue"] == ["T-2611-A001"]


def test_list_filters(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    step(office, "CS001", "2026-11-02T09:30:00+08:00", "ticket", "new", "--type", "consultation", "--channel",
         "phone", "--customer", "刘女士", "--contact", "139", "--content", "停车月卡怎么办理")
    rows = json.loads(office.ok("ticket", "list", "--type", "consultation", "--format", "json",
                                now="2026-11-02T10:00:00+08:00").output)
    assert [r["id"] for r in rows] == ["T-2611-A002"]
    text = office.ok("ticket", "list", "--open", now="2026-11-02T10:00:00+08:00").output
    assert "共 2 张工单" in text and "已超时" in text


def test_list_refuses_an_unknown_status_or_type_instead_of_listing_nothing(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    for option, value in (("--status", "open"), ("--type", "投诉")):
        result = office.run("ticket", "list", option, value, now="2026-11-02T10:00:00+08:00")
        assert result.exit_code == 2 and "共 0 张工单" not in result.output and "Invalid value" in result.output


def test_unknown_ticket_is_a_usage_error(office: Office) -> None:
    result = office.run("ticket", "show", "T-2611-A999")
    assert result.exit_code == 2 and "no ticket" in result.output


def test_TKT_GEN_01_unknown_or_chinese_type_is_refused_with_the_identifier(office: Office) -> None:
    args = ["--channel", "phone", "--customer", "x", "--contact", "1", "--content", "c"]
    result = office.run("ticket", "new", "--type", "投诉", *args, as_="CS001", now=T0)
    assert result.exit_code == 1 and "TKT-GEN-01" in result.output and "`complaint`" in result.output
    result = office.run("ticket", "new", "--type", "bogus", *args, as_="CS001", now=T0)
    assert result.exit_code == 1 and "consultation (咨询)" in result.output
    assert not (office.root / "records" / "tickets").exists()


def test_TKT_FCR_01_audit_finds_a_replaced_first_owner(office: Office) -> None:
    step(office, "CS001", T0, *COMPLAINT)
    clean = json.loads(office.run("audit", "--format", "json").output)
    assert not [f for f in clean["findings"] if f["rule"] == "TKT-FCR-01"]
    path = office.root / "records" / "tickets" / "2026" / "11" / "T-2611-A001.yaml"
    text = path.read_text(encoding="utf-8")
    # A consistent hand edit: validate alone cannot see it, the history can.
    path.write_text(text.replace("CS001", "CS002"), encoding="utf-8")
    office.git("commit", "-qam", "fix owner")
    assert office.run("validate", now="2026-11-02T10:00:00+08:00").exit_code == 0
    result = office.run("audit", "--format", "json")
    findings = [f for f in json.loads(result.output)["findings"] if f["rule"] == "TKT-FCR-01"]
    assert result.exit_code == 1 and findings and "CS001" in findings[0]["message"]


def test_list_choices_are_the_models_statuses_and_types() -> None:
    from csops.commands.ticket import ticket_list
    from csops.models.ticket import Status, TicketType

    choices = {p.name: list(p.type.choices) for p in ticket_list.params if hasattr(p.type, "choices")}
    assert choices["status"] == [s.value for s in Status]
    assert choices["type_"] == [t.value for t in TicketType]


def test_sla_due_within_takes_no_negative(office: Office) -> None:
    result = office.run("sla", "--due-within", "-5")
    assert result.exit_code == 2 and "--due-within" in result.output


def test_TKT_GEN_09_and_VAL_01_a_resolution_lacking_what_close_needs_is_refused_at_once(office: Office) -> None:
    """Check early (issue 14): a complaint resolved without findings, evidence and validity would be
    refused at close, after the callback; it is refused at the resolution, which writes nothing."""
    step(office, "CS001", T0, *COMPLAINT)
    tid = "T-2611-A001"
    step(office, "CS001", "2026-11-02T09:10:00+08:00", "ticket", "forward", tid, "--to", "E002", "--reason", "工程部")
    before, status = office.commits(), office.status()
    refused = office.run("ticket", "resolve", tid, "--resolution", "清洗滤网", "--corrective-action", "清洗",
                         as_="E002", now="2026-11-02T15:00:00+08:00")
    assert refused.exit_code == 1
    assert "TKT-GEN-09" in refused.output and "TKT-VAL-01" in refused.output and "关闭时将被拒绝" in refused.output
    assert "--findings" in refused.output and "--validity" in refused.output and "reopen" not in refused.output
    assert office.commits() == before and office.status() == status
    step(office, "E002", "2026-11-02T15:00:00+08:00", "ticket", "resolve", tid, "--resolution", "清洗滤网",
         "--corrective-action", "清洗", "--validity", "invalid", "--invalid-reason", "misunderstanding",
         "--findings", "滤网脏", "--evidence", "照片", "--reply-text", "滤网需定期清洗, 已为您清洗")
    step(office, "M001", "2026-11-03T09:00:00+08:00", "ticket", "callback", tid, "--mode", "phone",
         "--satisfied", "--signature", "--notes", "已制冷")
    step(office, "CS001", "2026-11-03T10:00:00+08:00", "ticket", "close", tid,
         "--customer-notified-at", "2026-11-03T09:00:00+08:00")  # no reopening, no second call


def test_a_consultation_resolves_without_complaint_requirements(office: Office) -> None:
    step(office, "CS001", T0, "ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
         "--contact", "13900000000", "--content", "停车月卡怎么办理")
    step(office, "CS001", "2026-11-02T09:05:00+08:00", "ticket", "resolve", "T-2611-A001", "--resolution", "已告知")
