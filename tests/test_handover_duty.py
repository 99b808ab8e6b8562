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
