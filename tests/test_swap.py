"""Shift swaps: HOV-SWP-01/02/03/04/05/07/08 and the effective roster."""

from __future__ import annotations

import json

import pytest

from tests.handover_support import add_roster, t


@pytest.fixture
def rota(office):
    """November with a rotating CS office: day d early AGENTS[d%3], late AGENTS[(d+1)%3]."""
    add_roster(office, rotate=True)
    return office


def swap(office, who, shift, repay, *, at, with_, reason="本人需亲自办理证件"):
    return office.run("swap", "request", "--with", with_, "--shift", shift, "--repay", repay, "--reason", reason,
                      as_=who, now=at)


def swap_id(result) -> str:
    return result.output.split(": ", 1)[1].split(";")[0]


def full_swap(office, who, with_, shift, repay, day):
    sid = swap_id(_ok(swap(office, who, shift, repay, at=t(day, "09:00"), with_=with_)))
    office.ok("swap", "agree", sid, as_=with_, now=t(day, "09:30"))
    office.confirm(with_, sid, t(day, "09:40"))  # the consent was typed in for them
    office.ok("swap", "approve", sid, as_="M001", now=t(day, "10:00"))
    return sid


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_HOV_SWP_01_approved_swap_changes_effective_roster(rota):
    # 11-24: CS001 early, CS002 late, CS003 off; 11-25: CS002 early, CS003 late, CS001 off.
    sid = swap_id(_ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                           at=t("2026-11-20", "09:00"), with_="CS003")))
    early = lambda: next(o for d in json.loads(rota.ok("roster", "show", "--month", "2026-11", "--format", "json")  # noqa: E731
                                                .output)["days"] if d["date"] == "2026-11-24"
                         for o in d["on"] if (o["post"], o["shift"]) == ("cs_office", "early"))
    assert early()["staff"] == "CS001"  # not yet in effect
    wrong = rota.run("swap", "agree", sid, as_="CS002", now=t("2026-11-20", "09:10"))
    assert wrong.exit_code == 1 and "HOV-SWP-01" in wrong.output and "counterpart" in wrong.output
    early_approval = rota.run("swap", "approve", sid, as_="M001", now=t("2026-11-20", "09:20"))
    assert early_approval.exit_code == 1 and "HOV-SWP-01" in early_approval.output
    rota.ok("swap", "agree", sid, as_="CS003", now=t("2026-11-20", "09:30"))
    by_lead = rota.run("swap", "approve", sid, as_="L001", now=t("2026-11-20", "09:40"))
    assert by_lead.exit_code == 1 and "HOV-SWP-01" in by_lead.output and "cannot approve" in by_lead.output
    assert early()["staff"] == "CS001"
    # CS003's consent was typed in by someone else: the manager may not approve until CS003 confirms it
    unconfirmed = rota.run("swap", "approve", sid, as_="M001", now=t("2026-11-20", "09:50"))
    assert unconfirmed.exit_code == 1 and "HOV-SWP-01" in unconfirmed.output
    assert f"csops confirm {sid}" in unconfirmed.output and "同意换班" in unconfirmed.output
    assert "待确认: 还班者 " in rota.ok("swap", "list", now=t("2026-11-20", "09:50")).output
    rota.confirm("CS003", sid, t("2026-11-20", "09:55"))
    assert "待确认" not in rota.ok("swap", "list", now=t("2026-11-20", "09:56")).output
    rota.ok("swap", "approve", sid, as_="M001", now=t("2026-11-20", "10:00"))
    assert early()["staff"] == "CS003" and early()["origin"] == "swap"


def test_HOV_SWP_01_swap_of_someone_elses_shift_is_refused(rota):
    result = swap(rota, "CS001", "2026-11-25:cs_office.early", "2026-11-24:cs_office.late",
                  at=t("2026-11-20", "09:00"), with_="CS002")
    assert result.exit_code == 1 and "HOV-SWP-01" in result.output and "王芳(CS002)'s" in result.output


def test_HOV_SWP_02_monthly_limit_names_the_counts(rota):
    # CS001 early on 3, 6, 9, 12; CS003 off those days and late on 4, 7, 10, 13 when CS001 is off.
    ids = [full_swap(rota, "CS001", "CS003", f"2026-11-{d:02d}:cs_office.early", f"2026-11-{d + 1:02d}:cs_office.late",
                     f"2026-11-{d - 1:02d}") for d in (3, 6, 9)]
    before = rota.commits()
    result = swap(rota, "CS001", "2026-11-12:cs_office.early", "2026-11-13:cs_office.late",
                  at=t("2026-11-11", "09:00"), with_="CS003")
    assert result.exit_code == 1 and "HOV-SWP-02" in result.output
    assert "would have 4 swaps in 2026-11" in result.output and "limit is 3" in result.output
    assert all(i in result.output for i in ids)
    assert rota.commits() == before


def test_HOV_SWP_03_back_to_back_shifts_refused_with_dates(rota):
    # Giving CS001's 11-24 early to CS002, who is late that day, makes CS002 work 08:00-18:00.
    result = swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.early",
                  at=t("2026-11-20", "09:00"), with_="CS002")
    assert result.exit_code == 1 and "HOV-SWP-03" in result.output and "连班" in result.output
    assert "2026-11-24 cs_office.early 08:00-13:00 then 2026-11-24 cs_office.late 13:00-18:00" in result.output


def test_HOV_SWP_03_no_consecutive_swaps(rota):
    _ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
             at=t("2026-11-20", "09:00"), with_="CS003"))
    result = swap(rota, "CS001", "2026-11-27:cs_office.early", "2026-11-28:cs_office.late",
                  at=t("2026-11-21", "09:00"), with_="CS003")
    assert result.exit_code == 1 and "HOV-SWP-03" in result.output and "not repaid until 2026-11-25" in result.output


def test_HOV_SWP_04_no_leave_on_swap_days(rota):
    rota.ok("roster", "set", "2026-11-25", "--leave", "CS001", as_="S001", now=t("2026-11-19", "09:00"))
    result = swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                  at=t("2026-11-20", "09:00"), with_="CS003")
    assert result.exit_code == 1 and "HOV-SWP-04" in result.output and "2026-11-25" in result.output
    # The fix the refusal suggests: cancel the leave, then the swap goes in.
    rota.ok("roster", "set", "2026-11-25", "--cancel-leave", "CS001", as_="S001", now=t("2026-11-20", "08:50"))
    _ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
             at=t("2026-11-20", "09:00"), with_="CS003"))


def test_HOV_SWP_05_no_swaps_on_statutory_holidays(office):
    add_roster(office, month=10, rotate=True, holiday_duty={d: "M001" for d in (1, 2, 3, 5, 6, 7)})
    # 10-01: CS002 early (1%3=1), CS003 late; 10-02: CS003 early, CS001 late.
    result = swap(office, "CS002", "2026-10-01:cs_office.early", "2026-10-02:cs_office.late",
                  at=t("2026-09-28", "09:00"), with_="CS001")
    assert result.exit_code == 1 and "HOV-SWP-05" in result.output
    assert "2026-10-01 is a holiday (国庆节)" in result.output and "2026-10-02 is a holiday" in result.output


def test_HOV_SWP_07_swap_arranged_in_advance(rota):
    result = swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                  at=t("2026-11-24", "08:30"), with_="CS003")
    assert result.exit_code == 1 and "HOV-SWP-07" in result.output


def test_HOV_SWP_08_swap_needs_a_reason(rota):
    result = swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                  at=t("2026-11-20", "09:00"), with_="CS003", reason="  ")
    assert result.exit_code == 1 and "HOV-SWP-08" in result.output


def test_swap_list_and_bad_input(rota):
    _ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
             at=t("2026-11-20", "09:00"), with_="CS003"))
    listed = json.loads(rota.ok("swap", "list", "--month", "2026-11", "--format", "json").output)
    assert listed[0]["status"] == "requested" and listed[0]["counterpart"] == "CS003"
    bad = swap(rota, "CS001", "tomorrow", "2026-11-25:cs_office.late", at=t("2026-11-20", "09:00"), with_="CS003")
    assert bad.exit_code == 1 and "HOV-SWP-01" in bad.output and "DATE:post.shift" in bad.output
    missing = rota.run("swap", "request", "--with", "CS003", as_="CS001", now=t("2026-11-20", "09:00"))
    assert missing.exit_code == 2 and "--shift" in missing.output


def test_declined_swap_does_not_count_or_change_the_roster(rota):
    sid = swap_id(_ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                           at=t("2026-11-20", "09:00"), with_="CS003")))
    rota.ok("swap", "decline", sid, as_="CS003", now=t("2026-11-20", "09:30"))
    listed = json.loads(rota.ok("swap", "list", "--format", "json").output)
    assert listed[0]["status"] == "declined"
    again = rota.run("swap", "approve", sid, as_="M001", now=t("2026-11-20", "10:00"))
    assert again.exit_code == 2 and "already declined" in again.output
    # Not counted as unrepaid either: CS001 can file another swap right away.
    _ok(swap(rota, "CS001", "2026-11-27:cs_office.early", "2026-11-28:cs_office.late",
             at=t("2026-11-21", "09:00"), with_="CS003"))


def test_HOV_SWP_05_no_leave_on_statutory_holidays(office):
    add_roster(office, month=10, rotate=True, holiday_duty={d: "M001" for d in (1, 2, 3, 5, 6, 7)})
    # 10-01 (国庆节): CS002 early, CS003 late; an ordinary day (10-12) takes leave as usual.
    before = office.commits()
    result = office.run("roster", "set", "2026-10-01", "--leave", "CS002", as_="S001", now=t("2026-09-26", "09:00"))
    assert result.exit_code == 1 and "HOV-SWP-05" in result.output
    assert "2026-10-01 is a holiday (国庆节)" in result.output and "王芳(CS002)" in result.output
    assert office.commits() == before
    office.ok("roster", "set", "2026-10-12", "--leave", "CS002", as_="S001", now=t("2026-09-26", "09:00"))


def test_HOV_SWP_04_leave_added_after_the_swap_is_refused(rota):
    full_swap(rota, "CS001", "CS003", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late", "2026-11-20")
    result = rota.run("roster", "set", "2026-11-25", "--leave", "CS001", as_="S001", now=t("2026-11-21", "09:00"))
    assert result.exit_code == 1 and "HOV-SWP-04" in result.output and "a swap/repay day of SW-2611-A001" in result.output


def test_HOV_SWP_01_withdraw_and_manager_decline(rota):
    sid = swap_id(_ok(swap(rota, "CS001", "2026-11-24:cs_office.early", "2026-11-25:cs_office.late",
                           at=t("2026-11-20", "09:00"), with_="CS003")))
    by_other = rota.run("swap", "withdraw", sid, as_="CS003", now=t("2026-11-20", "09:10"))
    assert by_other.exit_code == 1 and "HOV-SWP-01" in by_other.output and "only the requester" in by_other.output
    early_no = rota.run("swap", "decline", sid, as_="M001", now=t("2026-11-20", "09:15"))
    assert early_no.exit_code == 1 and "HOV-SWP-01" in early_no.output
    rota.ok("swap", "withdraw", sid, as_="CS001", now=t("2026-11-20", "09:20"))
    # Withdrawn: no longer unrepaid (HOV-SWP-03), so the next request goes in; the manager declines it.
    sid2 = swap_id(_ok(swap(rota, "CS001", "2026-11-27:cs_office.early", "2026-11-28:cs_office.late",
                            at=t("2026-11-21", "09:00"), with_="CS003")))
    rota.ok("swap", "agree", sid2, as_="CS003", now=t("2026-11-21", "09:30"))
    by_lead = rota.run("swap", "decline", sid2, as_="L001", now=t("2026-11-21", "09:40"))
    assert by_lead.exit_code == 1 and "HOV-SWP-01" in by_lead.output
    rota.ok("swap", "decline", sid2, as_="M001", now=t("2026-11-21", "10:00"))
    listed = {s["id"]: s["status"] for s in json.loads(rota.ok("swap", "list", "--format", "json").output)}
    assert listed == {sid: "withdrawn", sid2: "declined"}
    again = rota.run("swap", "approve", sid, as_="M001", now=t("2026-11-21", "10:10"))
    assert again.exit_code == 2 and "already withdrawn" in again.output
