"""Duty roster: ROLE-01, HOV-DUTY-01, HOV-DUTY-07, STORE-ROSTER-01, `csops roster show|set`."""

from __future__ import annotations

import json

from tests.handover_support import add_roster, t


def test_roster_new_and_show_in_chinese_and_json(office):
    add_roster(office)
    before = office.commits()
    text = office.ok("roster", "show", "--month", "2026-11", now=t("2026-11-23", "09:00")).output
    assert "排班表 2026-11" in text and "值班经理 周敏(L001)" in text and "客服中心早班=李娜(CS001)" in text
    data = json.loads(office.ok("roster", "show", "--month", "2026-11", "--format", "json").output)
    assert len(data["days"]) == 30 and data["approved_by"] == "S001"
    assert office.commits() == before  # reading writes nothing


def test_ROLE_01_roster_signed_by_cs_supervisor(office):
    result = add_roster(office, as_="CS001", expect=1)
    assert "ROLE-01" in result.output and "李娜(CS001)" in result.output
    assert not (office.root / "records/rosters/2026-11.yaml").exists()


def test_HOV_DUTY_01_duty_manager_every_day(office):
    result = add_roster(office, skip_duty=14, expect=1)
    assert "HOV-DUTY-01" in result.output and "2026-11-14" in result.output
    add_roster(office)
    bad = office.run("roster", "set", "2026-11-20", "--duty", "CS003", as_="S001", now=t("2026-11-19", "09:00"))
    assert bad.exit_code == 1 and "HOV-DUTY-01" in bad.output and "not a duty manager" in bad.output


def test_HOV_DUTY_07_middle_manager_on_holidays(office):
    result = add_roster(office, month=10, expect=1)
    assert "HOV-DUTY-07" in result.output and "2026-10-01" in result.output and "国庆节" in result.output
    holiday = {d: "M001" for d in (1, 2, 3, 5, 6, 7)}
    add_roster(office, month=10, holiday_duty=holiday)
    assert office.ok("validate", now=t("2026-10-01", "07:30")).exit_code == 0


def test_STORE_ROSTER_01_roster_uses_defined_shifts(office):
    add_roster(office)
    bad = office.run("roster", "set", "2026-11-20", "--assign", "cs_office.night=CS003", as_="S001",
                     now=t("2026-11-19", "09:00"))
    assert bad.exit_code == 1 and "STORE-ROSTER-01" in bad.output and "cs_office.night" in bad.output


def test_roster_set_changes_the_day_by_commit(office):
    add_roster(office)
    before = office.commits()
    office.ok("roster", "set", "2026-11-20", "--duty", "L002", "--assign", "cs_office.early=CS003",
              "--leave", "CS001", as_="S001", now=t("2026-11-19", "09:00"))
    assert office.commits() == before + 1
    data = json.loads(office.ok("roster", "show", "--month", "2026-11", "--format", "json").output)
    day = next(d for d in data["days"] if d["date"] == "2026-11-20")
    assert day["duty_manager"] == "L002" and day["leave"] == ["CS001"]
    assert {"post": "cs_office", "shift": "early", "staff": "CS003"}.items() <= next(
        o for o in day["on"] if o["post"] == "cs_office" and o["shift"] == "early").items()


def test_roster_new_from_an_earlier_month_keeps_the_weekday_pattern(office):
    """No month of YAML by hand: `roster new 2026-12 --from 2026-11` copies each weekday's plan."""
    add_roster(office, rotate=True)  # a 3-person rotation, so copying by weekday is visible
    office.ok("roster", "set", "2026-11-24", "--leave", "CS003", as_="S001", now=t("2026-11-19", "09:00"))
    office.ok("roster", "new", "2026-12", "--from", "2026-11", as_="S001", now=t("2026-11-25", "09:00"))
    old = {d["date"]: d for d in json.loads(office.ok("roster", "show", "--month", "2026-11", "--format", "json").output)["days"]}
    new = json.loads(office.ok("roster", "show", "--month", "2026-12", "--format", "json").output)
    assert len(new["days"]) == 31
    for day in new["days"]:
        source = old.get(f"2026-11-{int(day['date'][-2:]) + 2:02d}") or old[f"2026-11-{int(day['date'][-2:]) - 5:02d}"]
        assert [(o["post"], o["shift"], o["staff"]) for o in day["on"]] == \
            [(o["post"], o["shift"], o["staff"]) for o in source["on"]], day["date"]
        assert day["leave"] == []  # leave is per date: never copied
    assert office.ok("validate", now=t("2026-11-25", "09:00")).exit_code == 0


def test_HOV_DUTY_07_a_copied_month_with_holidays_takes_holiday_duty(office):
    """Copying November into January puts a senior agent on 元旦 (HOV-DUTY-07); the refusal's hint names
    --holiday-duty, and that command succeeds."""
    add_roster(office, month=11)
    add_roster(office, month=12)
    refused = office.run("roster", "new", "2027-01", "--from", "2026-12", as_="S001", now=t("2026-12-20", "09:00"))
    assert refused.exit_code == 1 and "HOV-DUTY-07" in refused.output and "--holiday-duty" in refused.output
    office.ok("roster", "new", "2027-01", "--from", "2026-12", "--holiday-duty", "M001", as_="S001",
              now=t("2026-12-20", "09:00"))
    data = json.loads(office.ok("roster", "show", "--month", "2027-01", "--format", "json").output)
    assert next(d for d in data["days"] if d["date"] == "2027-01-01")["duty_manager"] == "M001"


def test_roster_new_needs_exactly_one_source(office):
    add_roster(office)
    assert office.run("roster", "new", "2026-12", as_="S001").exit_code == 2
    missing = office.run("roster", "new", "2026-12", "--from", "2026-08", as_="S001", now=t("2026-11-25", "09:00"))
    assert missing.exit_code != 0 and "2026-08" in missing.output
    assert not (office.root / "records/rosters/2026-12.yaml").exists()
