"""Business time on a Chinese calendar.

Working days follow China's statutory holidays *and* make-up workdays (调休) from the ``holidays``
package, then the org overrides in policy (extra holidays, extra workdays). Each working day has
one or more working windows with minute precision (a lunch break is the gap between two windows).

Everything here is pure: "now" is always passed in, never read.
"""

from __future__ import annotations

import marshal
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
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


class OfficialHolidays:
    """China's statutory holidays and make-up workdays (调休) by year, from the ``holidays`` package.

    Importing the package and building its calendar costs about 0.35 s, more than many whole
    commands; so the years a command asks for are kept in ``<folder>/holidays.marshal`` under the
    installed package's version (a new version computes them again) and later commands read them
    in a millisecond without importing it. ``folder`` None keeps them in memory only.
    """

    NAME = "holidays.marshal"
    FORMAT = 1

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / self.NAME if folder is not None else None
        self.years: dict[int, tuple[dict[int, str], set[int], bool]] = {}
        self._tag: tuple[Any, ...] | None = None
        if self.path is None:
            return
        try:
            tag, years = marshal.loads(self.path.read_bytes())
            if tag == self.tag:
                self.years = {y: (dict(n), set(w), bool(o)) for y, (n, w, o) in years.items()}
        except (OSError, EOFError, ValueError, TypeError):
            pass  # none yet, or unreadable: computed again

    @property
    def tag(self) -> tuple[Any, ...]:
        if self._tag is None:
            from csops.incremental import _distribution

            self._tag = (self.FORMAT, _distribution("holidays"))
        return self._tag

    def year(self, year: int) -> tuple[dict[int, str], set[int], bool]:
        """(ordinal → holiday name, ordinals of make-up workdays, whether the year's official
        schedule is published) of ``year``."""
        hit = self.years.get(year)
        if hit is None:
            hit = self.years[year] = _official_year(year)
            self._save()
        return hit

    def _save(self) -> None:
        if self.path is not None:
            from csops.store import keep

            keep(self.path, (self.tag, self.years))

    def name(self, day: date) -> str | None:
        return self.year(day.year)[0].get(day.toordinal())

    def __contains__(self, day: date) -> bool:
        return day.toordinal() in self.year(day.year)[0]

    def is_makeup_workday(self, day: date) -> bool:
        return day.toordinal() in self.year(day.year)[1]

    def has_official_data(self, year: int) -> bool:
        return self.year(year)[2]


_TABLES: dict[Path | None, OfficialHolidays] = {}


def official_holidays(folder: Path | None) -> OfficialHolidays:
    """The one table per cache folder in this process (every calendar of a command shares it)."""
    table = _TABLES.get(folder)
    if table is None:
        table = _TABLES[folder] = OfficialHolidays(folder)
    return table


def _official_year(year: int) -> tuple[dict[int, str], set[int], bool]:
    import holidays

    cal = holidays.China(years=year, language="zh_CN")
    names = {d.toordinal(): str(name) for d, name in cal.items() if d.year == year}
    workdays = {d.toordinal() for d in cal.weekend_workdays if d.year == year}
    published = bool(workdays) or any("调休" in n or "substituted" in n.lower() for n in names.values())
    return names, workdays, published


class BusinessCalendar:
    def __init__(self, policy: Policy, holidays_folder: Path | None = None) -> None:
        self.policy = policy
        self._official = official_holidays(holidays_folder)
        self.tz = ZoneInfo(policy.timezone)
        self._extra_holidays = set(policy.calendar.extra_holidays)
        self._extra_workdays = set(policy.calendar.extra_workdays)
        self._windows = {
            day: tuple(sorted(parse_window(w) for w in windows))
            for day, windows in policy.business_hours.weekdays.items()
        }

    # -- days -----------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        if day in self._extra_holidays:
            return "机构假日"
        return self._official.name(day)

    def is_makeup_workday(self, day: date) -> bool:
        return self._official.is_makeup_workday(day)

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
        return self._official.has_official_data(year)

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
