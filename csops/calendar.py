"""Business time on a Chinese calendar.

Working days follow China's statutory holidays *and* make-up workdays (调休) from the ``holidays``
package, then the org overrides in policy (extra holidays, extra workdays). Each working day has
one or more working windows with minute precision (a lunch break is the gap between two windows).

Everything here is pure: "now" is always passed in, never read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from csops.models.common import Weekday
from csops.models.policy import Policy, parse_window

_WEEKDAYS = list(Weekday)
# A scan longer than this many days without a working minute means the calendar is empty.
_MAX_SCAN_DAYS = 3660
_DAY_END = time(23, 59, 59, 999999)


class CalendarError(ValueError):
    pass


class BusinessCalendar:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self._extra_holidays = set(policy.calendar.extra_holidays)
        self._extra_workdays = set(policy.calendar.extra_workdays)
        self._windows = {
            day: tuple(sorted(parse_window(w) for w in windows))
            for day, windows in policy.business_hours.weekdays.items()
        }

    @cached_property
    def _official(self) -> Any:
        import holidays

        return holidays.China(language="zh_CN")

    # -- days -----------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        if day in self._extra_holidays:
            return "机构假日"
        name = self._official.get(day)
        return str(name) if name else None

    def is_makeup_workday(self, day: date) -> bool:
        _ = day in self._official  # populates the year, including its weekend workdays
        return day in self._official.weekend_workdays

    def is_statutory_holiday(self, day: date) -> bool:
        """An official holiday or an org extra holiday (not an ordinary weekend)."""
        if day in self._extra_workdays:
            return False
        return day in self._extra_holidays or day in self._official

    def windows(self, day: date) -> tuple[tuple[time, time], ...]:
        """Working windows of ``day`` in office-local time (empty when not a working day)."""
        if day in self._extra_workdays:
            weekday = _WEEKDAYS[day.weekday()]
            own = self._windows.get(weekday, ())
            return own or self._windows.get(self.policy.business_hours.makeup_workday_as, ())
        if day in self._extra_holidays or day in self._official:
            return ()
        if self.is_makeup_workday(day):
            return self._windows.get(self.policy.business_hours.makeup_workday_as, ())
        return self._windows.get(_WEEKDAYS[day.weekday()], ())

    def is_workday(self, day: date) -> bool:
        return bool(self.windows(day))

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for offset in range(1, _MAX_SCAN_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        raise CalendarError("no working day configured")

    def has_official_data(self, year: int) -> bool:
        """Whether the holidays package knows ``year``'s published schedule (it has 调休 days).

        Without it, a year's holidays are computed by rule and its make-up workdays are missing.
        """
        return _has_official_data(year)

    # -- instants -------------------------------------------------------------------------

    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise CalendarError("instant without a UTC offset")
        return instant.astimezone(self.tz)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        # A window written as ending at 24:00 is parsed as 23:59:59.999999; it ends at midnight.
        return [
            (datetime.combine(day, start, self.tz),
             datetime.combine(day + timedelta(days=1), time(0), self.tz) if end == _DAY_END
             else datetime.combine(day, end, self.tz))
            for start, end in self.windows(day)
        ]

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant ``minutes`` working minutes after ``start``.

        A deadline falling exactly at the end of a window stays there, not at the next window's start.
        """
        if minutes < 0:
            raise CalendarError("minutes must not be negative")
        cursor = self.local(start)
        remaining = timedelta(minutes=minutes)
        day = cursor.date()
        for _ in range(_MAX_SCAN_DAYS):
            for lo, hi in self._intervals(day):
                if hi <= cursor:
                    continue
                begin = max(lo, cursor)
                available = _elapsed(begin, hi)
                if remaining <= available:
                    return (begin.astimezone(UTC) + remaining).astimezone(self.tz)
                remaining -= available
            day += timedelta(days=1)
        raise CalendarError("no working time configured")

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole working minutes in ``[start, end)``; negative when ``end`` precedes ``start``."""
        if end < start:
            return -self.working_minutes_between(end, start)
        a, b = self.local(start), self.local(end)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for lo, hi in self._intervals(day):
                lo, hi = max(lo, a), min(hi, b)
                if hi > lo:
                    total += _elapsed(lo, hi)
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)

    def is_working_time(self, instant: datetime) -> bool:
        local = self.local(instant)
        return any(lo <= local < hi for lo, hi in self._intervals(local.date()))

    def next_working_day_at(self, instant: datetime, at: time) -> datetime:
        """``at`` o'clock on the first working day after the local date of ``instant``."""
        day = self.next_workday(self.local(instant).date())
        return datetime.combine(day, at, self.tz)

    def end_of_day(self, instant: datetime) -> datetime:
        """The end of the last working window of the instant's local day, or midnight if none."""
        local = self.local(instant)
        intervals = self._intervals(local.date())
        if intervals:
            return intervals[-1][1]
        return datetime.combine(local.date() + timedelta(days=1), time(0, 0), self.tz)


def _elapsed(start: datetime, end: datetime) -> timedelta:
    """Real elapsed time: aware datetimes of one zone subtract as wall clock, wrong across a DST change."""
    return end.astimezone(UTC) - start.astimezone(UTC)


@lru_cache(maxsize=64)
def _has_official_data(year: int) -> bool:
    import holidays

    cal = holidays.China(years=year)
    return any(d.year == year for d in cal.weekend_workdays) or any(
        "substituted" in str(name).lower() or "调休" in str(name) for name in cal.values()
    )
