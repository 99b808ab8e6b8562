"""A small roster and helpers shared by the handover, roster and swap tests."""

from __future__ import annotations

import calendar
from datetime import date

from tests.fixtures import Office

SHIFTS = """shifts:
  cs_office: {early: "08:00-13:00", late: "13:00-18:00"}
  front_desk: {early: "08:00-13:00", late: "13:00-18:00"}
  control_room: {day: "08:00-18:00", night: "18:00-08:00"}
"""
AGENTS = ("CS001", "CS002", "CS003")
CHECKS = {
    "cs_office": ["phones", "computers", "water_dispenser", "keys", "records", "hygiene"],
    "front_desk": ["phones", "keys", "mail", "cabinet", "hygiene"],
    "control_room": ["monitors", "radios", "keys", "handover_book", "hygiene"],
}


def cs_pair(day: date, rotate: bool) -> tuple[str, str]:
    """(early, late) of the CS office; rotating: day d has AGENTS[d%3] early, AGENTS[(d+1)%3] late."""
    if not rotate:
        return "CS001", "CS002"
    return AGENTS[day.day % 3], AGENTS[(day.day + 1) % 3]


def roster_yaml(year: int, month: int, *, duty: str = "L001", holiday_duty: dict[int, str] | None = None,
                rotate: bool = False, skip_duty: int | None = None) -> str:
    lines = [SHIFTS, "days:"]
    for n in range(1, calendar.monthrange(year, month)[1] + 1):
        day = date(year, month, n)
        early, late = cs_pair(day, rotate)
        lines.append(f"  {day.isoformat()}:")
        if n != skip_duty:
            lines.append(f"    duty_manager: {(holiday_duty or {}).get(n, duty)}")
        lines.append("    on:")
        lines.append(f"      cs_office: {{early: {early}, late: {late}}}")
        lines.append("      front_desk: {early: F001, late: F002}")
        lines.append("      control_room: {day: B001, night: N001}")
    return "\n".join(lines) + "\n"


def add_roster(office: Office, year: int = 2026, month: int = 11, *, as_: str = "S001", expect: int = 0,
               **kwargs: object):  # type: ignore[no-untyped-def]
    path = office.root.parent / f"roster-{year}-{month:02d}.yaml"
    path.write_text(roster_yaml(year, month, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    result = office.run("roster", "new", f"{year}-{month:02d}", "--file", str(path), as_=as_,
                        now=f"{year}-{month:02d}-01T07:00:00+08:00")
    assert result.exit_code == expect, result.output
    return result


def checks(post: str, **faults: str) -> list[str]:
    """--check arguments: every configured item √, or × with the note given."""
    out = []
    for item in CHECKS[post]:
        out += ["--check", f"{item}=x:{faults[item]}" if item in faults else f"{item}=ok"]
    return out


def t(day: str, hhmm: str) -> str:
    return f"{day}T{hhmm}:00+08:00"
