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


def roster_yaml(year: int, month: int, *, duty: str = "L001", holiday_duty: dict[int, str] | None = None,
                cs: tuple[str, str] = ("CS001", "CS002")) -> str:
    lines = [SHIFTS, "days:"]
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        manager = (holiday_duty or {}).get(day, duty)
        lines.append(f"  {date(year, month, day).isoformat()}:")
        lines.append(f"    duty_manager: {manager}")
        lines.append("    on:")
        lines.append(f"      cs_office: {{early: {cs[0]}, late: {cs[1]}}}")
        lines.append("      front_desk: {early: F001, late: F002}")
        lines.append("      control_room: {day: B001, night: N001}")
    return "\n".join(lines) + "\n"


def add_roster(office: Office, year: int = 2026, month: int = 11, **kwargs: object) -> None:
    path = office.root.parent / f"roster-{year}-{month:02d}.yaml"
    path.write_text(roster_yaml(year, month, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    office.ok("roster", "new", f"{year}-{month:02d}", "--file", str(path), as_="S001",
              now=f"{year}-{month:02d}-01T07:00:00+08:00")
