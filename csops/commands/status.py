from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session

#: Sections of the status view, "module:function"; each takes the Context and returns
#: (title, lines, data). Each domain adds its section here.
SECTIONS: list[str] = [
    "csops.commands.status:office_section",
    "csops.keystatus:status_section",
    "csops.commands.handover:status_section",
    "csops.commands.sla:status_section",
    "csops.commands.confirm:status_section",
]


def office_section(ctx: Context) -> tuple[str, list[str], dict[str, Any]]:
    from collections import Counter

    from csops.labels import zh
    from csops.models.staff import Staff

    people = [p for p in ctx.of(Staff) if p.active]
    by_dept = Counter(p.department.label for p in people)
    counts = record_counts(ctx)
    lines = [f"{ctx.policy.office.name}: 在岗员工 {len(people)} 人 ("
             + ", ".join(f"{d} {n}" for d, n in sorted(by_dept.items())) + ")"]
    lines.append("记录 (records): " + ", ".join(f"{zh(k)} {n}" for k, n in counts.items()))
    today = ctx.calendar.local(ctx.now).date()
    holiday = ctx.calendar.holiday_name(today)
    day_kind = "工作日" if ctx.calendar.is_workday(today) else ("节假日 " + holiday if holiday else "休息日")
    lines.append(f"今天 (today) {today.isoformat()}: {day_kind}")
    return "办公室 (office)", lines, {"staff": len(people), "records": counts, "today": today.isoformat(),
                                     "workday": ctx.calendar.is_workday(today)}


def record_counts(ctx: Context) -> dict[str, int]:
    """kind → how many of its records load, from the fact cache (no kind is loaded to count it)."""
    from csops.facts import facts
    from csops.models import kinds

    counts = {kind: len(facts(ctx, kind, "loads", _loads)) for kind in sorted(kinds()) if kind != "policy"}
    return {kind: n for kind, n in counts.items() if n}


def _loads(record: object, ctx: Context) -> int:
    return 1


@click.command()
@format_option
@click.pass_obj
def status(session: Session) -> None:
    """The office at a glance: staff, records and what needs attention now.

    \b
    Example:
      csops status
      csops --now 2026-11-23T09:00:00+08:00 status --format json
    """
    ctx = session.load()
    sections = []
    for spec in SECTIONS:
        module, attr = spec.split(":")
        title, lines, data = getattr(importlib.import_module(module), attr)(ctx)
        sections.append({"title": title, "lines": lines, "data": data})
    if session.json:
        session.emit_json(sections)
        return
    for section in sections:
        click.echo(f"== {section['title']} ==")
        for line in section["lines"]:
            click.echo(f"  {line}")
