"""The business calendar on real 2026 dates: China's holidays, make-up workdays (调休), lunch breaks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from csops.calendar import BusinessCalendar, CalendarError
from csops.models.policy import Policy


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T") + ":00+08:00")


CAL = BusinessCalendar(Policy())


def test_national_day_2026_days() -> None:
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 7))
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.is_makeup_workday(date(2026, 10, 10)) and CAL.is_workday(date(2026, 10, 10))  # Saturday 调休
    assert CAL.is_makeup_workday(date(2026, 9, 20)) and CAL.is_workday(date(2026, 9, 20))  # Sunday 调休
    assert not CAL.is_workday(date(2026, 9, 25))  # Mid-Autumn Festival (Friday)
    assert not CAL.is_workday(date(2026, 10, 11))  # ordinary Sunday


def test_24_working_hours_across_national_day_to_the_minute() -> None:
    # Wed 30 Sep 16:00: 2 h that day (16:00-18:00); 1-7 Oct off; Thu 8 Oct 8.5 h; Fri 9 Oct 8.5 h;
    # Sat 10 Oct (make-up workday) 08:00-12:00 = 4 h, lunch skipped, 13:30 + 1 h = 14:30.
    assert CAL.add_working_minutes(at("2026-09-30 16:00"), 24 * 60) == at("2026-10-10 14:30")


def test_policy_extra_holiday_moves_the_deadline() -> None:
    policy = Policy.model_validate({"calendar": {"extra_holidays": ["2026-10-09"]}})
    cal = BusinessCalendar(policy)
    # Without Fri 9 Oct: 2 + 8.5 (Thu) + 8.5 (Sat 10 Oct) = 19 h, then Mon 12 Oct 08:00-12:00 + 1 h → 14:30.
    assert cal.add_working_minutes(at("2026-09-30 16:00"), 24 * 60) == at("2026-10-12 14:30")


def test_policy_extra_workday_counts() -> None:
    policy = Policy.model_validate({"calendar": {"extra_workdays": ["2026-10-11"]}})
    cal = BusinessCalendar(policy)
    assert cal.is_workday(date(2026, 10, 11))
    # The Monday windows are used for a weekend extra workday: same 14:30 on Sat 10 Oct as before.
    assert cal.add_working_minutes(at("2026-10-10 08:00"), 9 * 60) == at("2026-10-11 08:30")


def test_lunch_break_is_skipped() -> None:
    assert CAL.add_working_minutes(at("2026-11-02 11:30"), 60) == at("2026-11-02 14:00")
    assert CAL.add_working_minutes(at("2026-11-02 12:30"), 10) == at("2026-11-02 13:40")  # starts in lunch


def test_deadline_at_window_end_stays_there() -> None:
    assert CAL.add_working_minutes(at("2026-11-02 11:00"), 60) == at("2026-11-02 12:00")
    assert CAL.add_working_minutes(at("2026-11-02 17:00"), 60) == at("2026-11-02 18:00")


def test_after_hours_start_counts_from_next_window() -> None:
    assert CAL.add_working_minutes(at("2026-11-06 20:00"), 30) == at("2026-11-09 08:30")  # Fri night → Mon


def test_working_minutes_between_is_the_inverse() -> None:
    start = at("2026-09-30 16:00")
    end = CAL.add_working_minutes(start, 24 * 60)
    assert CAL.working_minutes_between(start, end) == 24 * 60
    assert CAL.working_minutes_between(end, start) == -24 * 60
    assert CAL.working_minutes_between(at("2026-10-01 09:00"), at("2026-10-07 18:00")) == 0


def test_other_offsets_are_converted_to_office_time() -> None:
    utc = datetime.fromisoformat("2026-09-30T08:00:00+00:00")  # 16:00 in Shanghai
    assert CAL.add_working_minutes(utc, 24 * 60) == at("2026-10-10 14:30")


def test_naive_and_negative_inputs_are_refused() -> None:
    with pytest.raises(CalendarError):
        CAL.add_working_minutes(datetime(2026, 11, 2, 9, 0), 10)
    with pytest.raises(CalendarError):
        CAL.add_working_minutes(at("2026-11-02 09:00"), -1)


def test_next_working_day_at_skips_the_break() -> None:
    assert CAL.next_working_day_at(at("2026-09-30 22:00"), datetime(2026, 1, 1, 8).time()) == at("2026-10-08 08:00")


def test_official_data_known_for_2026() -> None:
    assert CAL.has_official_data(2026)


def test_window_ending_at_24_00_ends_at_midnight() -> None:
    """A round-the-clock post (e.g. the security monitoring room) loses no microsecond at midnight."""
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    cal = BusinessCalendar(Policy.model_validate({"business_hours": {"weekdays": {d: ["00:00-24:00"] for d in days}}}))
    assert cal.add_working_minutes(at("2026-11-02 00:00"), 1440) == at("2026-11-03 00:00")
    assert cal.add_working_minutes(at("2026-11-02 23:30"), 60) == at("2026-11-03 00:30")
    assert cal.working_minutes_between(at("2026-11-02 00:00"), at("2026-11-03 00:00")) == 1440
    assert cal.is_working_time(at("2026-11-02 23:59"))


def test_working_time_is_real_elapsed_time_across_a_dst_change() -> None:
    """An office in a zone with daylight saving: the night the clocks go forward has one hour less."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    from csops.calendar import BusinessCalendar
    from csops.models.policy import BusinessHours, Policy

    every_day = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = BusinessCalendar(Policy(timezone="Europe/Berlin", business_hours=BusinessHours(weekdays=every_day)))
    berlin = ZoneInfo("Europe/Berlin")
    start = dt(2026, 3, 28, 12, 0, tzinfo=berlin)  # clocks go forward on 2026-03-29 at 02:00
    end = dt(2026, 3, 29, 12, 0, tzinfo=berlin)
    assert cal.working_minutes_between(start, end) == 23 * 60
    assert cal.add_working_minutes(start, 23 * 60) == end


def test_official_holidays_are_kept_so_the_next_command_does_not_import_the_package(tmp_path: Path) -> None:
    """CAL-01/02 answers come from the holidays package once per year and version, then from the
    office's cache folder (the package's import and build cost ~0.35 s per command)."""
    import subprocess
    import sys

    from csops.calendar import OfficialHolidays

    table = OfficialHolidays(tmp_path)
    national_day = date(2026, 10, 1)
    assert table.name(national_day) and national_day in table
    assert table.is_makeup_workday(date(2026, 9, 20)) == BusinessCalendar(Policy()).is_makeup_workday(date(2026, 9, 20))
    assert (tmp_path / OfficialHolidays.NAME).is_file()
    probe = ("import sys; from datetime import date; from pathlib import Path; from csops.calendar import OfficialHolidays; "
             f"t = OfficialHolidays(Path({str(tmp_path)!r})); print(t.name(date(2026, 10, 1)), 'holidays' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == [table.name(national_day), "False"]
