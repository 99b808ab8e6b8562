"""Duty records (值班记录表): HOV-DUTY-02 and HOV-DUTY-04."""

from __future__ import annotations

from tests.handover_support import add_roster, t


def test_HOV_DUTY_02_duty_person_start_end_and_roster(office):
    add_roster(office)  # duty manager L001 every day
    office.ok("duty", "log", "2026-11-23", "--what", "地下车库积水", "--done", "通知工程部抽水", as_="L001",
              now=t("2026-11-23", "10:00"))
    assert "HOV-DUTY-02" not in office.run("validate", now=t("2026-11-23", "11:00")).output
    office.ok("duty", "log", "2026-11-24", "--what", "巡查公共区域", "--done", "正常", as_="L002",
              now=t("2026-11-24", "10:00"))
    out = office.run("validate", now=t("2026-11-24", "11:00")).output
    assert "warning HOV-DUTY-02" in out and "the roster has 周敏(L001)" in out
    bad = office.run("duty", "log", "2026-11-25", "--what", "x", "--done", "y", "--start", "18:00", "--end",
                     "08:00", as_="L001", now=t("2026-11-25", "10:00"))
    assert bad.exit_code == 1 and "HOV-DUTY-02" in bad.output and "ends before it starts" in bad.output
    missing = office.run("duty", "log", "2026-11-25", "--what", "x", as_="L001", now=t("2026-11-25", "10:00"))
    assert missing.exit_code == 2 and "--done" in missing.output


def test_HOV_DUTY_04_major_event_reported_and_written_up_next_day(office):
    add_roster(office)
    unreported = office.run("duty", "log", "2026-11-23", "--what", "电梯困人", "--done", "5分钟内解救", "--major",
                            as_="L001", now=t("2026-11-23", "10:00"))
    assert unreported.exit_code == 1 and "HOV-DUTY-04" in unreported.output and "reported_to" in unreported.output
    office.ok("duty", "log", "2026-11-23", "--what", "电梯困人", "--done", "5分钟内解救", "--major",
              "--reported-to", "M001", as_="L001", now=t("2026-11-23", "10:00"))
    assert "HOV-DUTY-04" not in office.run("validate", now=t("2026-11-24", "23:00")).output
    out = office.run("validate", now=t("2026-11-25", "09:00")).output
    assert "warning HOV-DUTY-04" in out and "written report was due by the end of 2026-11-24" in out
    office.ok("duty", "report", "2026-11-23", "1", as_="L001", now=t("2026-11-25", "09:10"))
    assert "HOV-DUTY-04" not in office.run("validate", now=t("2026-11-25", "09:20")).output


def test_HOV_REV_02_director_inspects_duty(office):
    import json

    add_roster(office)
    not_director = office.run("duty", "inspect", "2026-11-23", "--findings", "正常", as_="L002",
                              now=t("2026-11-23", "15:00"))
    assert not_director.exit_code == 1 and "HOV-REV-02" in not_director.output
    office.ok("duty", "inspect", "2026-11-23", "--findings", "值班人员在岗, 记录完整", as_="D001",
              now=t("2026-11-23", "15:00"))
    data = json.loads(office.ok("duty", "show", "2026-11-23", "--format", "json").output)
    assert data["duty_person"] == "L001"  # from the roster
    assert data["inspections"] == [{"by": "D001", "by_name": "刘洋(D001)", "at": "2026-11-23T15:00:00+08:00",
                                    "findings": "值班人员在岗, 记录完整"}]
    assert "主任检查 2026-11-23 15:00 刘洋(D001): 值班人员在岗, 记录完整" in office.ok(
        "duty", "show", "2026-11-23").output
