"""Handovers: HOV-SIGN-01/03, HOV-REF-01/02, HOV-REC-01/07, HOV-ARR-01, HOV-ACC-03, HOV-REV-01,
HOV-SEC-01/02, HOV-FD-03/05, HOV-SWP-01 (parties as the effective roster says), show and status."""

from __future__ import annotations

import json
import re

import pytest

from tests.handover_support import CHECKS, add_roster, checks, t

HID = "2026-11-23-cs_office-late"
DAY = "2026-11-23"
AFTER = "2026-11-23T14:00:00+08:00"


@pytest.fixture
def rostered(office):
    add_roster(office)  # CS001 early, CS002 late every day; duty manager L001
    return office


def open_late(office, *extra, sign=True, **faults):
    args = ["handover", "open", DAY, "cs_office", "late", "--summary", "处理报修3单, 1203漏水已派工",
            *checks("cs_office", **faults), *extra]
    return office.run(*args, *(["--sign"] if sign else []), as_="CS001", now=t(DAY, "12:45"))


def show(office, hid=HID, now=AFTER):
    return json.loads(office.ok("handover", "show", hid, "--format", "json", now=now).output)


def test_HOV_SIGN_01_cannot_complete_without_acceptance(rostered):
    assert open_late(rostered).exit_code == 0
    data = show(rostered)
    assert data["status"] == "signed" and data["completed_at"] is None and data["on_duty"] == "CS001"
    text = rostered.ok("handover", "show", HID, now=t(DAY, "14:00")).output
    assert "当前在岗: 李娜(CS001) (交接未完成, 交班人不得离岗)" in text
    by_other = rostered.run("handover", "accept", HID, as_="CS003", now=t(DAY, "12:55"))
    assert by_other.exit_code == 1 and "HOV-SIGN-01" in by_other.output and "not the incoming" in by_other.output
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:58"))
    data = show(rostered)
    assert data["status"] == "completed" and data["on_duty"] == "CS002" and data["completed_at"].startswith(DAY)


def test_HOV_SIGN_01_accept_before_outgoing_signed_is_refused(rostered):
    assert open_late(rostered, sign=False).exit_code == 0
    result = rostered.run("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    assert result.exit_code == 1 and "HOV-SIGN-01" in result.output and "before the outgoing signed" in result.output
    assert show(rostered)["status"] == "open"


def test_HOV_SIGN_03_open_question_blocks_completion(rostered):
    open_late(rostered)
    rostered.ok("handover", "ask", HID, "--question", "1203漏水是否已派工?", as_="CS002", now=t(DAY, "12:52"))
    blocked = rostered.run("handover", "accept", HID, as_="CS002", now=t(DAY, "12:53"))
    assert blocked.exit_code == 1 and "HOV-SIGN-03" in blocked.output and "question(s) 1 unanswered" in blocked.output
    rostered.ok("handover", "answer", HID, "1", "--answer", "已派工程部梁宇", as_="CS001", now=t(DAY, "12:54"))
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    assert show(rostered)["questions"] == [{"no": 1, "question": "1203漏水是否已派工?", "answer": "已派工程部梁宇"}]


def test_HOV_REF_01_refusal_on_no_permitted_ground_lists_the_grounds(rostered):
    open_late(rostered)
    before = rostered.commits()
    result = rostered.run("handover", "refuse", HID, "--ground", "too_busy", as_="CS002", now=t(DAY, "12:55"))
    assert result.exit_code == 1 and "HOV-REF-01" in result.output
    for ground in ("record_unclear", "not_clean", "public_items_missing", "major_repair_open", "unanswered_question"):
        assert ground in result.output
    assert "记录不清" in result.output and rostered.commits() == before


def test_HOV_REF_01_no_completion_while_refusal_stands(rostered):
    open_late(rostered)
    rostered.ok("handover", "refuse", HID, "--ground", "not_clean", "--note", "地面未清理", as_="CS002",
                now=t(DAY, "12:55"))
    blocked = rostered.run("handover", "accept", HID, as_="CS002", now=t(DAY, "12:56"))
    assert blocked.exit_code == 1 and "HOV-REF-01" in blocked.output and "not resolved" in blocked.output
    rostered.ok("handover", "resolve", HID, "--resolution", "已安排保洁", as_="L001", now=t(DAY, "13:05"))
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "13:10"))
    assert show(rostered)["status"] == "completed"


def test_HOV_REF_02_refusal_shows_who_it_escalated_to(rostered):
    open_late(rostered)
    out = rostered.ok("handover", "refuse", HID, "--ground", "major_repair_open", as_="CS002",
                      now=t(DAY, "12:55")).output
    assert "已上报 (escalated to) 周敏(L001)" in out
    data = show(rostered)
    assert data["status"] == "refused" and data["on_duty"] == "CS001"
    assert data["refusals"][0]["escalated_to"] == "L001" and data["refusals"][0]["ground_zh"] == "重大维修未完"
    text = rostered.ok("handover", "show", HID, now=t(DAY, "14:00")).output
    assert "拒绝接班: 重大维修未完 → 已上报 周敏(L001)" in text and "[拒绝接班(已上报)]" in text
    wrong = rostered.run("handover", "resolve", HID, "--resolution", "ok", as_="CS003", now=t(DAY, "13:00"))
    assert wrong.exit_code == 1 and "HOV-REF-02" in wrong.output


def test_HOV_REF_02_refusal_must_go_to_a_supervisor(rostered):
    open_late(rostered)
    result = rostered.run("handover", "refuse", HID, "--ground", "not_clean", "--to", "CS003", as_="CS002",
                          now=t(DAY, "12:55"))
    assert result.exit_code == 1 and "HOV-REF-02" in result.output and "not a supervisor" in result.output


def test_HOV_REC_01_signing_needs_a_shift_summary(rostered):
    rostered.ok("handover", "open", DAY, "cs_office", "late", *checks("cs_office"), as_="CS001",
                now=t(DAY, "12:40"))
    result = rostered.run("handover", "sign", HID, as_="CS001", now=t(DAY, "12:45"))
    assert result.exit_code == 1 and "HOV-REC-01" in result.output
    missing = rostered.run("handover", "open", DAY, "cs_office", "early", "--sign", as_="N001", now=t(DAY, "07:50"))
    assert missing.exit_code == 2 and "--summary" in missing.output


def test_HOV_REC_07_every_check_item_and_notes_on_faults(rostered):
    partial = rostered.run("handover", "open", DAY, "cs_office", "late", "--summary", "s", "--check", "phones=ok",
                           "--sign", as_="CS001", now=t(DAY, "12:45"))
    assert partial.exit_code == 1 and "HOV-REC-07" in partial.output and "computers" in partial.output
    no_note = rostered.run("handover", "open", DAY, "cs_office", "late", "--summary", "s",
                           *checks("cs_office")[:-2], "--check", "hygiene=x", as_="CS001", now=t(DAY, "12:45"))
    assert no_note.exit_code == 1 and "HOV-REC-07" in no_note.output and "without a note" in no_note.output
    assert open_late(rostered, hygiene="地面有水渍").exit_code == 0
    assert {"item": "hygiene", "item_zh": "卫生", "result": "fault", "mark": "×", "note": "地面有水渍"} in show(
        rostered)["checklist"]


def test_HOV_ARR_01_late_arrival_is_a_warning(rostered):
    open_late(rostered)
    rostered.ok("handover", "accept", HID, "--arrived", "12:56", as_="CS002", now=t(DAY, "12:58"))
    out = rostered.run("validate", now=t(DAY, "14:00")).output
    assert "warning HOV-ARR-01" in out and "6 min later than 10 min before the shift (13:00)" in out


def test_HOV_ARR_01_early_arrival_is_fine(rostered):
    open_late(rostered, "--arrived", "12:45")
    assert "HOV-ARR-01" not in rostered.run("validate", now=t(DAY, "14:00")).output


def test_HOV_ACC_03_accountability_follows_the_cause(rostered):
    open_late(rostered)
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    out = rostered.ok("handover", "liable", HID, "--cause", "missed", "--what", "未交代1203钥匙借出",
                      as_="L001", now=t(DAY, "16:00")).output
    assert "漏交 → 交班人 李娜(CS001)" in out
    rostered.ok("handover", "liable", HID, "--cause", "wrong_acceptance", "--what", "未清点对讲机", as_="L001",
                now=t(DAY, "16:10"))
    assert [(x["cause"], x["liable"]) for x in show(rostered, now=t(DAY, "17:00"))["liability"]] == [
        ("missed", "CS001"), ("wrong_acceptance", "CS002")]
    path = rostered.root / "records/handovers/2026/11" / f"{HID}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("liable: CS001", "liable: CS002"), encoding="utf-8")
    out = rostered.run("validate", now=t(DAY, "17:00")).output
    assert "error HOV-ACC-03" in out and "liable is the 交班人 李娜(CS001)" in out


def test_HOV_REV_01_unreviewed_day_is_a_finding_next_day(rostered):
    open_late(rostered)
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    assert "HOV-REV-01" not in rostered.run("validate", now=t(DAY, "17:00")).output
    out = rostered.run("validate", now=t("2026-11-24", "09:00")).output
    assert "warning HOV-REV-01" in out and "2026-11-23: 1 handover record(s) not reviewed" in out
    status = json.loads(rostered.ok("status", "--format", "json", now=t("2026-11-24", "09:00")).output)
    assert next(s for s in status if s["title"].startswith("交接班"))["data"]["unreviewed_days"] == [DAY]
    bad = rostered.run("handover", "review", DAY, as_="CS003", now=t("2026-11-24", "09:10"))
    assert bad.exit_code == 1 and "HOV-REV-01" in bad.output and "not a shift lead" in bad.output
    rostered.ok("handover", "review", DAY, as_="L001", now=t("2026-11-24", "09:10"))
    assert "HOV-REV-01" not in rostered.run("validate", now=t("2026-11-24", "09:20")).output
    assert show(rostered, now=t("2026-11-24", "09:20"))["reviewed_by"] == "L001"


def test_HOV_SEC_01_and_02_security_handovers_due_on_working_days(rostered):
    rostered.ok("handover", "open", DAY, "cs_office", "early", "--from-post",
                "control_room", "--summary", "夜间接投诉1起", *checks("control_room"),
                "--item", "complaint::12楼空调噪音 (夜间来电)", "--sign", as_="N001", now=t(DAY, "07:50"))
    rostered.ok("handover", "accept", "2026-11-23-cs_office-early", as_="CS001", now=t(DAY, "08:00"))
    out = rostered.run("validate", now=t(DAY, "18:30")).output
    assert "HOV-SEC-01" not in out
    assert "warning HOV-SEC-02" in out and "2026-11-23: no 客服→保安监控室(18:00) handover record" in out
    rostered.ok("handover", "open", DAY, "control_room", "night", "--type", "cs_to_security", "--from-post",
                "cs_office", "--summary", "交接工作交接本", *checks("cs_office"), "--sign", as_="CS002",
                now=t(DAY, "17:50"))
    assert "HOV-SEC-02" not in rostered.run("validate", now=t(DAY, "18:30")).output
    out = rostered.run("validate", now=t("2026-11-24", "09:00")).output
    assert "warning HOV-SEC-01" in out and "2026-11-24: no 保安监控室→客服(08:00)" in out
    data = show(rostered, "2026-11-23-cs_office-early")
    assert data["after_hours"] == [{"kind": "complaint", "kind_zh": "投诉", "ticket": None,
                                    "summary": "12楼空调噪音 (夜间来电)"}]
    assert data["outgoing"] == "N001" and data["type_zh"] == "保安监控室→客服(08:00)"


def test_HOV_SEC_01_linked_ticket_must_exist(rostered):
    result = rostered.run("handover", "open", DAY, "cs_office", "early", "--type", "security_to_cs",
                          "--from-post", "control_room", "--summary", "s", *checks("control_room"),
                          "--item", "complaint:T-2611-A099:12楼噪音", "--sign", as_="N001", now=t(DAY, "07:50"))
    assert result.exit_code == 1 and "HOV-SEC-01" in result.output and "T-2611-A099" in result.output


def test_HOV_FD_03_front_desk_keys_listed(rostered):
    base = ["handover", "open", DAY, "front_desk", "late", "--summary", "前台交接", *checks("front_desk"),
            "--cabinet-locked", "--sign"]
    result = rostered.run(*base, as_="F001", now=t(DAY, "12:45"))
    assert result.exit_code == 1 and "HOV-FD-03" in result.output
    rostered.ok(*base, "--key", "前台钥匙", "--mail", "letter:1203室:2", "--unfinished", "1808快递待取",
                as_="F001", now=t(DAY, "12:45"))
    data = show(rostered, "2026-11-23-front_desk-late")
    assert data["type"] == "front_desk" and data["keys"] == ["前台钥匙"]
    assert data["undelivered_mail"] == [{"type": "letter", "type_zh": "信件", "addressee": "1203室", "count": 2}]


def test_HOV_FD_05_front_desk_cabinet_locked(rostered):
    result = rostered.run("handover", "open", DAY, "front_desk", "late", "--summary", "前台交接",
                          *checks("front_desk"), "--key", "前台钥匙", "--cabinet-open", "--sign", as_="F001",
                          now=t(DAY, "12:45"))
    assert result.exit_code == 1 and "HOV-FD-05" in result.output and "cabinet" in result.output


def test_HOV_SWP_01_handover_parties_follow_the_effective_roster(office):
    add_roster(office, rotate=True)  # 11-24: CS001 early, CS002 late, CS003 off; 11-25: CS001 off
    sid = office.ok("swap", "request", "--with", "CS003", "--shift", "2026-11-24:cs_office.early",
                    "--repay", "2026-11-25:cs_office.late", "--reason", "看病", as_="CS001",
                    now=t("2026-11-20", "09:00")).output.split(": ", 1)[1].split(";")[0]
    office.ok("swap", "agree", sid, as_="CS003", now=t("2026-11-20", "09:30"))
    office.confirm("CS003", sid, t("2026-11-20", "09:40"))
    office.ok("swap", "approve", sid, as_="M001", now=t("2026-11-20", "10:00"))
    # The roster said CS001 works 11-24 early and hands to CS002; after the swap it is CS003.
    wrong = office.run("handover", "open", "2026-11-24", "cs_office", "late", "--summary", "s",
                       *checks("cs_office"), "--sign", as_="CS001", now=t("2026-11-24", "12:45"))
    assert wrong.exit_code == 1 and "HOV-SWP-01" in wrong.output and "郑浩(CS003)" in wrong.output
    assert "by an approved swap" in wrong.output
    office.ok("handover", "open", "2026-11-24", "cs_office", "late", "--summary", "s", *checks("cs_office"),
              "--sign", as_="CS003", now=t("2026-11-24", "12:45"))
    bad_in = office.run("handover", "open", "2026-11-25", "cs_office", "late", "--summary", "s",
                        "--incoming", "CS003", *checks("cs_office"), as_="CS002", now=t("2026-11-25", "12:45"))
    assert bad_in.exit_code == 1 and "HOV-SWP-01" in bad_in.output and "李娜(CS001)" in bad_in.output


def test_show_reads_in_chinese_and_json_carries_the_same(rostered):
    open_late(rostered, "--note", "打印机缺纸", hygiene="地面有水渍")
    text = rostered.ok("handover", "show", HID, now=t(DAY, "14:00")).output
    data = show(rostered)
    for value in (data["id"], data["status_zh"], data["type_zh"], data["outgoing_name"], data["incoming_name"],
                  data["shift_summary"], data["notes"], data["post_zh"], data["shift_zh"]):
        assert value in text
    assert "交班签名: 2026-11-23 12:45" in text and data["signed_at"] == "2026-11-23T12:45:00+08:00"
    assert "交班人: 李娜(CS001)" in text and "卫生 ×(地面有水渍)" in text and "领班审阅: 未审阅" in text
    listed = json.loads(rostered.ok("handover", "list", "--date", DAY, "--format", "json").output)
    assert listed == [{"id": HID, "type": "shift", "status": "signed", "outgoing": "CS001", "incoming": "CS002",
                       "reviewed": False}]


def test_status_section_lists_open_and_refused(rostered):
    open_late(rostered)
    rostered.ok("handover", "refuse", HID, "--ground", "record_unclear", as_="CS002", now=t(DAY, "12:55"))
    out = rostered.ok("status", now=t(DAY, "13:00")).output
    assert "== 交接班 (handovers) ==" in out and f"拒接待处理 1 份: {HID}" in out and f"今天交接班 1 份: {HID}" in out


def test_bad_input_is_refused_without_writing(rostered):
    before = rostered.commits()
    bad = rostered.run("handover", "open", DAY, "cs_office", "late", "--summary", "s", "--check", "phones",
                       as_="CS001", now=t(DAY, "12:45"))
    assert bad.exit_code == 1 and "HOV-REC-07" in bad.output
    nobody = rostered.run("handover", "open", DAY, "lobby", "late", as_="CS001", now=t(DAY, "12:45"))
    assert nobody.exit_code == 1 and "HOV-SWP-01" in nobody.output
    unknown = rostered.run("handover", "show", "2026-11-23-lobby-late")
    assert unknown.exit_code == 2
    assert rostered.commits() == before and rostered.status() == ""


def test_values_the_models_reject_are_refusals_not_crashes(rostered, tmp_path):
    open_late(rostered)
    before = rostered.commits()
    bad_to = rostered.run("handover", "refuse", HID, "--ground", "not_clean", "--to", "no such id!", as_="CS002",
                          now=t(DAY, "12:55"))
    assert bad_to.exit_code == 1 and "escalated_to" in bad_to.output
    bad_staff = rostered.run("roster", "set", "2026-11-24", "--assign", "cs_office.early=a b", as_="S001",
                             now=t(DAY, "12:55"))
    assert bad_staff.exit_code == 1
    draft = tmp_path / "bad.yaml"
    draft.write_text("shifts: [unclosed\n", encoding="utf-8")
    bad_yaml = rostered.run("roster", "new", "2026-12", "--file", str(draft), as_="S001", now=t(DAY, "12:55"))
    assert bad_yaml.exit_code == 2 and "not readable YAML" in bad_yaml.output
    assert rostered.commits() == before


def test_STORE_HANDOVER_01_id_matches_date_post_shift(rostered):
    open_late(rostered)
    path = rostered.root / "records/handovers/2026/11" / f"{HID}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("shift: late", "shift: early"), encoding="utf-8")
    out = rostered.run("validate", now=AFTER).output
    assert "error STORE-HANDOVER-01" in out and "2026-11-23-cs_office-early" in out


def test_HOV_SEC_03_urgent_matters_reported_to_both_managers(rostered):
    base = ["handover", "open", DAY, "cs_office", "early", "--from-post", "control_room", "--summary",
            "夜间水管爆裂", *checks("control_room"), "--urgent", "--reported-cs-manager", "06:40", "--sign"]
    half = rostered.run(*base, as_="N001", now=t(DAY, "07:50"))
    assert half.exit_code == 1 and "HOV-SEC-03" in half.output and "security manager" in half.output
    rostered.ok(*base, "--reported-security-manager", "06:35", as_="N001", now=t(DAY, "07:50"))
    data = show(rostered, "2026-11-23-cs_office-early")
    assert data["urgent"] and data["reported_to_security_manager_at"] == "2026-11-23T06:35:00+08:00"
    text = rostered.ok("handover", "show", "2026-11-23-cs_office-early", now=AFTER).output
    assert "特殊/紧急情况: 已报客服部经理 2026-11-23 06:40" in text


def test_HOV_ACC_03_liability_only_on_a_completed_handover_by_a_supervisor(rostered):
    open_late(rostered)
    before = rostered.commits()
    early = rostered.run("handover", "liable", HID, "--cause", "wrong_acceptance", "--what", "未清点对讲机",
                         as_="L001", now=t(DAY, "12:50"))
    assert early.exit_code == 1 and "HOV-ACC-03" in early.output and "not complete" in early.output
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    by_party = rostered.run("handover", "liable", HID, "--cause", "wrong_acceptance", "--what", "未清点对讲机",
                            as_="CS001", now=t(DAY, "16:00"))
    assert by_party.exit_code == 1 and "HOV-ACC-03" in by_party.output and "not a shift lead" in by_party.output
    assert rostered.commits() == before + 1


def test_HOV_ACC_03_accountability_written_on_the_record(rostered):
    open_late(rostered)
    data = show(rostered)
    assert data["accountability"]["completed"] is False
    assert "交班人 李娜(CS001) 仍在岗" in rostered.ok("handover", "show", HID, now=AFTER).output
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    data = show(rostered)
    assert data["accountability"]["liable_by_cause"] == {
        "missed": "CS001", "wrong_handover": "CS001", "wrong_acceptance": "CS002"}
    text = rostered.ok("handover", "show", HID, now=AFTER).output
    assert ("责任划分: 交接完成于 2026-11-23 12:55: 漏交、错交的问题由交班人 李娜(CS001) 负责, "
            "错接的问题由接班人 王芳(CS002) 负责") in text
    assert data["accountability"]["text_zh"] in text


def test_HOV_SWP_01_handover_without_a_roster_is_refused(rostered):
    result = rostered.run("handover", "open", "2026-12-24", "cs_office", "late", "--incoming", "CS002",
                          "--summary", "s", *checks("cs_office"), "--sign", as_="CS001", now=t("2026-12-24", "12:45"))
    assert result.exit_code == 1 and "HOV-SWP-01" in result.output and "no roster for 2026-12" in result.output


def test_questions_after_completion_are_a_usage_error(rostered):
    open_late(rostered)
    rostered.ok("handover", "accept", HID, as_="CS002", now=t(DAY, "12:55"))
    late = rostered.run("handover", "ask", HID, "--question", "还有吗?", as_="CS002", now=t(DAY, "13:00"))
    assert late.exit_code == 2 and "already complete" in late.output
    twice = rostered.run("handover", "refuse", HID, "--ground", "not_clean", as_="CS002", now=t(DAY, "13:00"))
    assert twice.exit_code == 2 and "already complete" in twice.output


def test_handover_show_names_posts_shifts_and_check_items_in_chinese(rostered):
    open_late(rostered)
    text = rostered.ok("handover", "show", HID, now=AFTER).output
    assert "岗位/班次: 客服中心 / 晚班" in text and "电话 √" in text and "交班签名: 2026-11-23 12:45" in text
    assert show(rostered)["post_zh"] == "客服中心"
    policy = rostered.root / "records" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "names:\n  cs_office: 客服部办公室\n", encoding="utf-8")
    rostered.git("commit", "-qam", "office names")
    assert "岗位/班次: 客服部办公室 / 晚班" in rostered.ok("handover", "show", HID, now=AFTER).output


def _run_fix(office, output, now):
    """Run the `csops ...` command a refusal's fix hint gives, as the user would copy it."""
    import shlex

    fix = next(line.split("fix:", 1)[1].strip() for line in output.splitlines() if "fix:" in line)
    args = shlex.split(fix.split(" (", 1)[0])
    assert args[0] == "csops", fix
    return office.run(*args[1:], now=now)


def test_HOV_REC_07_checks_missing_at_signing_are_added_by_the_hint(rostered):
    """No dead end: the refusal names `handover sign ID --check …`, and that command signs."""
    rostered.ok("handover", "open", DAY, "cs_office", "late", "--summary", "处理报修3单", as_="CS001",
                now=t(DAY, "12:40"))
    refused = rostered.run("handover", "sign", HID, as_="CS001", now=t(DAY, "12:45"))
    assert refused.exit_code == 1 and "HOV-REC-07" in refused.output and "handover sign" in refused.output
    done = _run_fix(rostered, refused.output, t(DAY, "12:46"))
    assert done.exit_code == 0, done.output
    record = show(rostered)
    assert {c["item"] for c in record["checklist"]} == set(CHECKS["cs_office"])
    assert rostered.run("handover", "sign", HID, as_="CS001", now=t(DAY, "12:47")).exit_code != 0  # signed once


def test_HOV_REC_07_handover_check_records_items_before_signing(rostered):
    rostered.ok("handover", "open", DAY, "cs_office", "late", "--summary", "s", as_="CS001", now=t(DAY, "12:40"))
    assert rostered.run("handover", "check", HID, "--check", "hygiene=x", as_="CS001",
                        now=t(DAY, "12:41")).exit_code == 1  # × without a note: refused at once
    other = rostered.run("handover", "check", HID, "--check", "phones=ok", as_="CS002", now=t(DAY, "12:41"))
    assert other.exit_code == 1 and "HOV-SIGN-01" in other.output  # only the outgoing records checks
    rostered.ok("handover", "check", HID, "--check", "phones=ok", "--check", "hygiene=x:地面有水渍",
                as_="CS001", now=t(DAY, "12:42"))
    rostered.ok("handover", "check", HID, "--check", "hygiene=ok", as_="CS001", now=t(DAY, "12:43"))
    items = {c["item"]: c["result"] for c in show(rostered)["checklist"]}
    assert items == {"phones": "ok", "hygiene": "ok"}  # checked again: the new result
    rest = [arg for item in CHECKS["cs_office"] if item not in ("phones", "hygiene") for arg in ("--check", f"{item}=ok")]
    rostered.ok("handover", "sign", HID, *rest, as_="CS001", now=t(DAY, "12:45"))
    signed = rostered.run("handover", "check", HID, "--check", "keys=ok", as_="CS001", now=t(DAY, "12:50"))
    assert signed.exit_code != 0 and "already signed" in signed.output


def test_HOV_REC_01_a_missing_summary_is_given_at_signing(rostered):
    rostered.ok("handover", "open", DAY, "cs_office", "late", *checks("cs_office"), as_="CS001",
                now=t(DAY, "12:40"))
    refused = rostered.run("handover", "sign", HID, as_="CS001", now=t(DAY, "12:45"))
    assert refused.exit_code == 1 and "HOV-REC-01" in refused.output
    assert _run_fix(rostered, refused.output, t(DAY, "12:46")).exit_code == 0
    assert show(rostered)["shift_summary"].startswith("本班")


def test_HOV_REF_01_CFL_20_other_unfinished_work_may_be_refused_with_a_note_to_the_shift_lead(rostered):
    """RULES.md CFL-20: besides 四不接, `other` unfinished work is a ground, with what it is and a report."""
    open_late(rostered)
    before = rostered.commits()
    bare = rostered.run("handover", "refuse", HID, "--ground", "other", as_="CS002", now=t(DAY, "12:55"))
    assert bare.exit_code == 1 and "HOV-REF-01" in bare.output and "CFL-20" in bare.output
    assert rostered.commits() == before
    rostered.ok("handover", "refuse", HID, "--ground", "other", "--note", "1806报修未派工, 未交代", as_="CS002",
                now=t(DAY, "12:56"))
    data = show(rostered)
    assert data["status"] == "refused" and data["refusals"][0]["escalated_to"] == "L001"
    assert data["refusals"][0]["ground_zh"] == "其他未完成工作"
    # the refusal stands until the supervisor resolves it (HOV-REF-01)
    assert rostered.run("handover", "accept", HID, as_="CS002", now=t(DAY, "13:00")).exit_code == 1


def test_HOV_REF_01_CFL_20_a_hand_written_other_refusal_without_a_note_is_a_finding(rostered):
    open_late(rostered)
    rostered.ok("handover", "refuse", HID, "--ground", "other", "--note", "x", as_="CS002", now=t(DAY, "12:56"))
    path = next((rostered.root / "records" / "handovers").rglob(f"{HID}.yaml"))
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^ +note: x\n", text, re.M)
    path.write_text(re.sub(r"^ +note: x\n", "", text, flags=re.M), encoding="utf-8")
    result = rostered.run("validate", now=t(DAY, "13:00"))
    assert result.exit_code == 1 and "HOV-REF-01" in result.output and "CFL-20" in result.output
