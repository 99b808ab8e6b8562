"""Deadlines from the record, the policy and the calendar alone (csops.sla), and ``csops sla``."""

from __future__ import annotations

import json

from csops.sla import deadlines, morning_after
from tests.fixtures import Office
from tests.tickets_helpers import CALLBACK, FORWARD, RESOLVE, at, context, rule_hits, ticket


def dl(t, key: str, now: str = "2026-11-30 09:00"):  # type: ignore[no-untyped-def]
    ctx = context(now)
    found = [d for d in deadlines(t, ctx.calendar) if d.key == key]
    assert found, f"no {key} deadline among {[d.key for d in deadlines(t, ctx.calendar)]}"
    return found[0], ctx.now


def test_TKT_SLA_01_major_forward_10_min_and_report_1_hour() -> None:
    t = ticket(severity="major", criteria=["personal_injury"])
    forward, now = dl(t, "forward")
    report, _ = dl(t, "report")
    assert forward.rule == "TKT-SLA-01" and forward.due == at("2026-11-02 09:10")
    assert report.rule == "TKT-SLA-01" and report.due == at("2026-11-02 10:00")
    late = ("forward", "2026-11-02 09:25", "CS001", {"to": "E002", "reason": "x"})
    assert dl(ticket(events=[late], severity="major", criteria=["personal_injury"]), "forward")[0].state(now) == "missed"
    assert rule_hits(ticket(events=[late], severity="major", criteria=["personal_injury"]), "TKT-SLA-01")
    assert not rule_hits(ticket(events=[FORWARD, ("report", "2026-11-02 09:40", "S001", {"to": ["G001"]})],
                                severity="major", criteria=["personal_injury"]), "TKT-SLA-01")


def test_TKT_SLA_02_general_forward_20_min_resolve_24_working_hours() -> None:
    t = ticket(received="2026-09-30 16:00", promised_reply_at="2026-10-12T17:00:00+08:00")
    forward, _ = dl(t, "forward")
    resolve, _ = dl(t, "resolve")
    assert forward.due == at("2026-09-30 16:20") and forward.rule == "TKT-SLA-02"
    assert resolve.due == at("2026-10-10 14:30") and resolve.rule == "TKT-SLA-02"
    assert rule_hits(t, "TKT-SLA-02")  # nothing done by the 30th of November
    assert not rule_hits(ticket(events=[FORWARD, RESOLVE]), "TKT-SLA-02")


def test_TKT_SLA_03_minor_30_min_and_customer_limit() -> None:
    t = ticket(severity="minor", customer_requested_by="2026-11-02T15:00:00+08:00")
    assert dl(t, "forward")[0].due == at("2026-11-02 09:30")
    assert dl(t, "forward")[0].rule == "TKT-SLA-03"
    assert dl(t, "resolve")[0].due == at("2026-11-02 15:00")  # earlier than 24 working hours
    assert rule_hits(t, "TKT-SLA-03")


def test_TKT_SLA_04_director_answer_within_3_days() -> None:
    escalate = ("escalate", "2026-11-02 10:00", "S001", {"to": "D001", "reason": "big_problem"})
    t = ticket(events=[FORWARD, escalate])
    answer, now = dl(t, "answer")
    assert answer.rule == "TKT-SLA-04" and answer.due == at("2026-11-05 09:00")
    assert answer.state(now) == "overdue" and rule_hits(t, "TKT-SLA-04")
    assert dl(t, "answer", now="2026-11-04 09:00")[0].state(at("2026-11-04 09:00")) == "pending"


def test_TKT_NGT_02_night_intake_passed_on_next_working_morning() -> None:
    t = ticket(received="2026-09-30 22:00", by="N001")
    night, _ = dl(t, "night_handover")
    # The 08:00 handover plus the general complaint's 20-minute forwarding allowance.
    assert night.rule == "TKT-NGT-02" and night.due == at("2026-10-08 08:20")
    assert {d.key for d in deadlines(t, context().calendar)} >= {"night_handover", "resolve"}
    early = ticket(received="2026-11-03 06:30", by="N001")  # after midnight on a workday: same morning
    assert dl(early, "night_handover")[0].due == at("2026-11-03 08:20")
    assert rule_hits(t, "TKT-NGT-02")
    passed = ("forward", "2026-10-08 08:05", "N001", {"to": "CS002", "reason": "夜间投诉移交"})
    assert dl(ticket(received="2026-09-30 22:00", by="N001", events=[passed]), "night_handover")[0].state(
        at("2026-11-30 09:00")) == "met"


def test_morning_after_friday_evening_is_monday() -> None:
    assert morning_after(context().calendar, at("2026-11-06 19:00")) == at("2026-11-09 08:00")


def test_TKT_CB_01_complaint_callback_24_clock_hours() -> None:
    t = ticket(events=[FORWARD, RESOLVE])
    cb, _ = dl(t, "callback")
    assert cb.rule == "TKT-CB-01" and cb.due == at("2026-11-04 10:00")
    assert rule_hits(t, "TKT-CB-01")
    assert not [h for h in rule_hits(ticket(events=[FORWARD, RESOLVE, CALLBACK]), "TKT-CB-01") if "24" in h]


def test_TKT_CB_03_repair_callback_24_working_hours() -> None:
    resolve = ("resolve", "2026-09-30 16:00", "E001", {"resolution": "修好"})
    t = ticket("repair", received="2026-09-30 09:00", events=[resolve])
    cb, _ = dl(t, "callback")
    assert cb.rule == "TKT-CB-03" and cb.due == at("2026-10-10 14:30")
    assert rule_hits(t, "TKT-CB-03")


def test_TKT_CB_03_internal_repairs_have_no_callback_clock() -> None:
    resolve = ("resolve", "2026-09-30 16:00", "E001", {"resolution": "修好"})
    t = ticket("repair", received="2026-09-30 09:00", events=[resolve],
               customer={"name": "保洁部", "contact": "8012", "internal": True})
    assert not [d for d in deadlines(t, context().calendar) if d.key == "callback"]
    close = ("close", "2026-10-08 09:00", "CS001", {"customer_notified_at": "2026-10-08T09:00:00+08:00"})
    internal = {"customer": {"name": "保洁部", "contact": "8012", "internal": True}}
    assert not rule_hits(ticket("repair", events=[resolve, close], **internal), "TKT-FCR-08")
    assert rule_hits(ticket("repair", events=[resolve, close]), "TKT-FCR-08")


def test_TKT_QC_17_kesu_15_or_20_days() -> None:
    domestic = ticket("kesu")
    assert dl(domestic, "kesu_close")[0].due == at("2026-11-17 09:00")
    overseas = ticket("kesu", kesu={**domestic.kesu.model_dump(mode="json"), "overseas": True})  # type: ignore[union-attr]
    assert dl(overseas, "kesu_close")[0].due == at("2026-11-22 09:00")
    assert rule_hits(domestic, "TKT-QC-17")
    # A 客诉 is never measured on the 24-hour complaint clock (CFL-30).
    assert {d.key for d in deadlines(domestic, context().calendar)} == {"kesu_close"}


def test_TKT_QC_17_a_reopened_kesu_is_not_closed_in_time_by_its_first_close() -> None:
    close = ("close", "2026-11-05 10:00", "CS001", {"customer_notified_at": "2026-11-05T10:00:00+08:00"})
    reopen = ("reopen", "2026-11-06 10:00", "CS001", {"reason": "客户再次反映同批次问题"})
    reopened = ticket("kesu", events=[RESOLVE, close, reopen])
    deadline, now = dl(reopened, "kesu_close")
    assert deadline.done_at is None and deadline.state(now) == "overdue"
    assert rule_hits(reopened, "TKT-QC-17")
    late_close = ("close", "2026-11-20 10:00", "CS001", {"customer_notified_at": "2026-11-20T10:00:00+08:00"})
    resolve_again = ("resolve", "2026-11-20 09:00", *RESOLVE[2:])
    closed_late, _ = dl(ticket("kesu", events=[RESOLVE, close, reopen, resolve_again, late_close]), "kesu_close")
    assert closed_late.done_at == at("2026-11-20 10:00") and closed_late.state(now) == "missed"


def test_resolved_ticket_without_callback_awaits_closing_only() -> None:
    from csops.models.ticket import Status, TicketType, status_label

    assert status_label(TicketType.kesu, Status.resolved) == "已处理待结案"
    assert status_label(TicketType.complaint, Status.resolved) == "已处理待回访"


def test_TKT_GEN_08_every_type_has_a_due_time() -> None:
    for kind in ("consultation", "repair", "installation", "suggestion", "assistance", "major_fault"):
        t = ticket(kind)
        assert any(d.rule == "TKT-GEN-08" and d.due for d in deadlines(t, context().calendar)), kind
    assert rule_hits(ticket("consultation"), "TKT-GEN-08")
    done = ("resolve", "2026-11-02 09:20", "CS001", {"resolution": "已答复"})
    assert not rule_hits(ticket("consultation", events=[done]), "TKT-GEN-08")


def test_TKT_CMP_05_promised_reply_is_a_deadline() -> None:
    t = ticket(promised_reply_at="2026-11-02T12:00:00+08:00", events=[FORWARD])
    promised, now = dl(t, "promised")
    assert promised.due == at("2026-11-02 12:00") and promised.state(now) == "overdue"


def test_waiting_for_customer_pauses_the_clock() -> None:
    wait = ("wait", "2026-11-02 10:00", "E002", {"reason": "客户出差"})
    resume = ("resume", "2026-11-04 10:00", "E002", {})
    plain = dl(ticket(events=[FORWARD]), "resolve")[0].due
    paused, now = dl(ticket(events=[FORWARD, wait]), "resolve")
    assert paused.due is None and paused.state(now) == "paused"
    resumed = dl(ticket(events=[FORWARD, wait, resume]), "resolve")[0].due
    # Two working days (17 working hours) of waiting push the deadline back by as much.
    ctx = context()
    assert plain is not None and resumed == ctx.calendar.add_working_minutes(plain, 17 * 60)


def test_reopened_complaint_gets_a_second_callback_window() -> None:
    unhappy = ("callback", "2026-11-03 15:00", "M001", {"mode": "phone", "satisfied": False, "notes": "不满意"})
    again = ("resolve", "2026-11-04 10:00", "E002", {**RESOLVE[3], "corrective_action": "更换整机"})
    keys = [d.key for d in deadlines(ticket(events=[FORWARD, RESOLVE, unhappy, again]), context().calendar)]
    assert "callback" in keys and "callback_2" in keys


def test_deadlines_do_not_depend_on_now() -> None:
    t = ticket(received="2026-09-30 16:00", events=[FORWARD])
    a = [(d.key, d.due) for d in deadlines(t, context("2026-10-01 00:00").calendar)]
    b = [(d.key, d.due) for d in deadlines(t, context("2030-01-01 00:00").calendar)]
    assert a == b


NEW = ["ticket", "new", "--type", "complaint", "--severity", "general", "--channel", "phone",
       "--customer", "陈先生", "--contact", "13800000000", "--content", "空调不制冷",
       "--promised-by", "2026-12-31T17:00:00+08:00"]


def test_show_json_same_deadlines_whatever_the_date(office: Office) -> None:
    office.ok(*NEW, as_="CS001", now="2026-09-30T16:00:00+08:00")
    views = [json.loads(office.ok("ticket", "show", "T-2609-A001", "--format", "json", now=n).output)
             for n in ("2026-09-30T16:05:00+08:00", "2027-03-01T09:00:00+08:00")]
    dues = [[(d["key"], d["due"]) for d in v["deadlines"]] for v in views]
    assert dues[0] == dues[1]
    resolve = next(d for d in views[0]["deadlines"] if d["key"] == "resolve")
    assert resolve["due"] == "2026-10-10T14:30:00+08:00"
    assert views[0]["deadlines"][0]["state"] == "pending" and views[0]["deadlines"][0]["remaining_min"] == 15
    assert views[1]["deadlines"][0]["state"] == "overdue"


def test_show_text_is_chinese(office: Office) -> None:
    office.ok(*NEW, as_="CS001", now="2026-09-30T16:00:00+08:00")
    out = office.ok("ticket", "show", "T-2609-A001", now="2026-09-30T16:05:00+08:00").output
    assert "状态: 已受理" in out and "首问负责人: 李娜(CS001)" in out
    assert "转呈当事部门" in out and "剩余 15分" in out


def test_sla_command_lists_breaches_per_owner_and_department(office: Office) -> None:
    office.ok(*NEW, as_="CS001", now="2026-11-02T09:00:00+08:00")
    office.ok(*NEW, as_="CS002", now="2026-11-02T09:30:00+08:00")
    office.ok("ticket", "forward", "T-2611-A002", "--to", "E002", "--reason", "工程部", as_="CS002",
              now="2026-11-02T09:35:00+08:00")
    data = json.loads(office.ok("sla", "--format", "json", "--due-within", "60", now="2026-11-02T09:45:00+08:00").output)
    assert data["breached_tickets"] == ["T-2611-A001"]  # not forwarded within 20 minutes
    assert data["by_owner"]["CS001"]["overdue"] == 1 and data["by_owner"]["CS002"]["met"] == 1
    assert data["by_department"]["cs"]["overdue"] == 1
    assert data["due_soon"] == []
    only_cs2 = json.loads(office.ok("sla", "--owner", "CS002", "--format", "json",
                                    now="2026-11-02T09:45:00+08:00").output)
    assert only_cs2["breached_tickets"] == []
    text = office.ok("sla", now="2026-11-02T09:45:00+08:00").output
    assert "T-2611-A001" in text and "已超时" in text and "客服部" in text


def test_kpi_command_reports_callback_rates_and_satisfaction(office: Office) -> None:
    repair = ["ticket", "new", "--type", "repair", "--channel", "phone", "--customer", "吴先生", "--contact", "135",
              "--content", "水龙头漏水", "--billing", "free", "--trade", "水工"]
    office.ok(*repair, as_="CS001", now="2026-11-02T09:00:00+08:00")
    office.ok(*repair, as_="CS001", now="2026-11-02T09:05:00+08:00")
    for tid in ("T-2611-A001", "T-2611-A002"):
        office.ok("ticket", "resolve", tid, "--resolution", "已修复", as_="E001", now="2026-11-02T11:00:00+08:00")
    office.ok("ticket", "callback", "T-2611-A001", "--mode", "phone", "--satisfied", "--notes", "好",
              as_="CS001", now="2026-11-02T15:00:00+08:00")
    data = json.loads(office.ok("kpi", "--month", "2026-11", "--format", "json",
                                now="2026-11-06T09:00:00+08:00").output)["kpis"]
    assert data["KPI-01"]["value"] == 0.5 and data["KPI-01"]["ok"] is False  # one of two repairs called back
    assert data["KPI-01-SLA"]["value"] == 0.5  # the other's 24 working hours have run out
    assert data["KPI-04"]["value"] == 1.0 and data["KPI-04"]["ok"] is True
    assert data["TKT-FCR-04"]["value"] == 1.0  # both fixed without passing them on
    assert office.run("kpi", "--month", "11/2026").exit_code == 2


def test_TKT_SLA_02_and_TKT_CB_01_03_labels_say_the_policy_s_numbers() -> None:
    """A policy of 16 working hours must not print 「24工作小时」 (issue 14, item 8)."""
    from csops.models.policy import Policy

    policy = Policy.model_validate({"sla": {"complaint": {"resolve_working_hours": 16, "major_answer_days": 2},
                                            "callback": {"complaint_hours": 12, "repair_working_hours": 8}}})
    cal = context(policy=policy).calendar
    labels = {d.key: d.label for d in deadlines(ticket(events=[FORWARD, RESOLVE]), cal)}
    assert labels["resolve"] == "处理结束(16工作小时)" and labels["callback"] == "投诉回访(12小时)"
    major = ticket(severity="major", criteria=["personal_injury"])
    assert {d.key: d.label for d in deadlines(major, cal)}["answer"] == "明确答复(2天)"
    default = {d.key: d.label for d in deadlines(ticket(events=[FORWARD, RESOLVE]), context().calendar)}
    assert default["resolve"] == "处理结束(24工作小时)"


def test_KPI_02_counts_internal_repair_callbacks_made_face_to_face(office: Office) -> None:
    """RULES.md KPI-02: internal-repair callback rate ≥ 70% *face to face*; a phone call is not one."""
    repair = ["ticket", "new", "--type", "repair", "--channel", "phone", "--customer", "保洁部", "--contact", "8012",
              "--internal", "--content", "拖把池堵塞", "--billing", "free", "--trade", "水工"]
    for minute in ("00", "05"):
        office.ok(*repair, as_="CS001", now=f"2026-11-02T09:{minute}:00+08:00")
    for tid, mode in (("T-2611-A001", "phone"), ("T-2611-A002", "face_to_face")):
        office.ok("ticket", "resolve", tid, "--resolution", "已疏通", as_="E001", now="2026-11-02T11:00:00+08:00")
        office.ok("ticket", "callback", tid, "--mode", mode, "--satisfied", "--notes", "好",
                  as_="CS001", now="2026-11-02T15:00:00+08:00")
    kpi = json.loads(office.ok("kpi", "--month", "2026-11", "--format", "json",
                               now="2026-11-06T09:00:00+08:00").output)["kpis"]["KPI-02"]
    assert kpi["value"] == 0.5 and kpi["base"] == 2 and kpi["ok"] is False and "面访" in kpi["label"]
