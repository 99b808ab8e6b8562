"""``csops roster …``: the monthly duty roster (排班表)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csops.commands import find_record, format_option, refuse

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session

WEEKDAYS = "一二三四五六日"


@click.group()
def roster() -> None:
    """The monthly duty roster: posts, shifts, who is on which shift, the duty manager.

    \b
    Example:
      csops roster show --month 2026-11
      csops --as S001 roster set 2026-11-24 --duty L002 --assign cs_office.early=CS003
    """


def month_view(ctx: Context, month: str) -> dict[str, Any]:
    """The effective roster of a month (approved swaps applied), as data."""

    from csops import shifts
    from csops.models.roster import Roster
    from csops.rules.handovers import is_holiday

    record = find_record(ctx, Roster, month, f"csops roster new {month} --from PREVIOUS_MONTH")
    days = []
    for day in sorted(record.days):
        plan = record.days[day]
        slots = shifts.day_slots(ctx, day)
        days.append({
            "date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()], "holiday": is_holiday(ctx, day),
            "holiday_name": ctx.calendar.holiday_name(day), "workday": ctx.calendar.is_workday(day),
            "duty_manager": plan.duty_manager, "duty_manager_name": ctx.name(plan.duty_manager),
            "on": [{"post": s.post, "shift": s.shift, "post_zh": ctx.label(s.post), "shift_zh": ctx.label(s.shift),
                    "staff": s.staff, "name": ctx.name(s.staff), "origin": s.origin,
                    "start": s.start.isoformat(), "end": s.end.isoformat()} for s in slots],
            "leave": list(plan.leave),
        })
    return {"month": month, "shifts": record.shifts, "approved_by": record.approved_by, "days": days}


@roster.command("show")
@click.option("--month", help="YYYY-MM (default: this month).")
@format_option
@click.pass_obj
def roster_show(session: Session, month: str | None) -> None:
    """Show a month's effective roster (approved swaps applied, marked 换/还).

    \b
    Example:
      csops roster show --month 2026-10 --format json
    """
    ctx = session.load()
    month = month or ctx.calendar.local(ctx.now).strftime("%Y-%m")
    data = month_view(ctx, month)
    if session.json:
        session.emit_json(data)
        return
    click.echo(f"排班表 {month} (审批: {ctx.name(data['approved_by'])})")
    click.echo("班次: " + "  ".join(f"{ctx.label(p)}{ctx.label(s)} {w}" for p, ss in data["shifts"].items()
                                   for s, w in ss.items()))
    mark = {"roster": "", "swap": "(换)", "repay": "(还)"}
    for d in data["days"]:
        tag = f" {d['holiday_name']}" if d["holiday"] else ("" if d["workday"] else " 休")
        on = "  ".join(f"{o['post_zh']}{o['shift_zh']}={o['name']}{mark[o['origin']]}" for o in d["on"])
        leave = ("  请假: " + "、".join(ctx.name(s) for s in d["leave"])) if d["leave"] else ""
        click.echo(f"{d['date']} 周{d['weekday']}{tag}  值班经理 {d['duty_manager_name'] or '—'}  {on}{leave}")


@roster.command("new")
@click.argument("month")
@click.option("--file", "draft", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Draft YAML with `shifts:` and `days:` (see docs/handovers.md).")
@click.option("--from", "source", metavar="YYYY-MM",
              help="Start from this month's roster: its shifts, and each day as the same weekday four "
              "(or five) weeks before; leave is not copied.")
@click.option("--holiday-duty", metavar="工号",
              help="Duty manager on the month's holidays and special days (HOV-DUTY-07: middle level or above).")
@click.pass_obj
def roster_new(session: Session, month: str, draft: Path | None, source: str | None,
               holiday_duty: str | None) -> None:
    """Add MONTH's roster, from a draft file or from an earlier month, signed by you as the CS
    supervisor (ROLE-01; one commit). Change single days afterwards with csops roster set.

    \b
    Example:
      csops --as S001 roster new 2026-12 --from 2026-11 --holiday-duty M001
      csops --as S001 roster new 2026-12 --file roster-2026-12.yaml
    """
    from csops.models.roster import Roster
    from csops.rules.handovers import is_holiday

    ctx = session.load()
    if (draft is None) == (source is None):
        raise click.UsageError("give the roster either as --file DRAFT.yaml or --from YYYY-MM (an earlier month)")
    first = _month_start(month, "MONTH")
    if ctx.get("roster", month) is not None:
        raise click.UsageError(f"the roster of {month} exists: change it with csops roster set")
    data = _draft(draft) if draft is not None else _copied(ctx, source or "", first)
    if holiday_duty:
        for day, plan in data.get("days", {}).items():
            if is_holiday(ctx, _as_date(day)):
                plan["duty_manager"] = holiday_duty
    actor = session.actor()
    record = Roster.model_validate({**data, "id": month, "approved_by": actor.id}, context={"staff": set(ctx.staff)})
    session.save([(None, record)], action="roster.new", summary=f"排班表 {month}")
    click.echo(f"已建排班表 (roster added): {month}, {len(record.days)} 天")
    holidays = [d for d in sorted(record.days) if is_holiday(ctx, d) or not ctx.calendar.is_workday(d)]
    if source is not None and holidays:
        names = ", ".join(f"{d:%m-%d}{ctx.calendar.holiday_name(d) or '休'}" for d in holidays if is_holiday(ctx, d))
        click.echo(f"请核对节假日排班 (check holidays){': ' + names if names else ''}; "
                   f"逐日调整: csops roster set DATE --duty 工号 --assign POST.SHIFT=工号")


def _month_start(text: str, what: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: write the month as 2026-12", param_hint=what) from exc


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _draft(path: Path) -> dict[str, Any]:
    from csops.yamlio import load_round_trip

    try:
        data = load_round_trip(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:  # unreadable YAML: say so instead of crashing
        raise click.UsageError(f"{path}: not readable YAML ({type(exc).__name__}: {exc})") from exc
    if not isinstance(data, dict):
        raise click.UsageError(f"{path}: expected a mapping with shifts: and days:")
    return dict(data)


def _copied(ctx: Context, source: str, first: date) -> dict[str, Any]:
    """A month's plan from ``source``: each day as the same weekday 28 (else 35) days earlier."""
    import calendar

    from csops.models.roster import Roster

    _month_start(source, "--from")
    old = find_record(ctx, Roster, source, f"csops roster show --month {source}")
    days: dict[str, Any] = {}
    for n in range(1, calendar.monthrange(first.year, first.month)[1] + 1):
        day = first.replace(day=n)
        earlier = next((day - timedelta(days=k) for k in (28, 35, 42, 49, 56)
                        if day - timedelta(days=k) in old.days), None)
        if earlier is None:
            continue
        plan = old.days[earlier]
        days[day.isoformat()] = {"duty_manager": plan.duty_manager,
                                 "on": {post: dict(shifts) for post, shifts in plan.on.items()}}
    if not days:
        raise refuse("HOV-DUTY-01", f"the roster of {source} has no day four to eight weeks before {first:%Y-%m}",
                     "start from the month before: csops roster new MONTH --from PREVIOUS_MONTH")
    return {"shifts": {post: dict(shifts) for post, shifts in old.shifts.items()}, "days": days}


@roster.command("set")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--duty", metavar="工号", help="Duty manager of the day.")
@click.option("--assign", "assigns", multiple=True, metavar="POST.SHIFT=工号", help="Put someone on a shift.")
@click.option("--clear", "clears", multiple=True, metavar="POST.SHIFT", help="Leave a shift unstaffed.")
@click.option("--leave", "leaves", multiple=True, metavar="工号", help="Approved leave that day.")
@click.option("--cancel-leave", "cancels", multiple=True, metavar="工号", help="Take a leave entry back.")
@click.pass_obj
def roster_set(session: Session, day: datetime, duty: str | None, assigns: tuple[str, ...], clears: tuple[str, ...],
               leaves: tuple[str, ...], cancels: tuple[str, ...]) -> None:
    """Change one day of the roster (one commit; the rules run on the result).

    \b
    Example:
      csops --as S001 roster set 2026-11-24 --duty L002 --assign front_desk.early=F002 --leave CS003
      csops --as S001 roster set 2026-11-25 --cancel-leave CS001
    """
    from csops.models.roster import DayPlan, Roster

    ctx = session.load()
    the_day = day.date()
    old = find_record(ctx, Roster, the_day.strftime("%Y-%m"), "csops roster new")
    plan = old.days.get(the_day, DayPlan())
    on = {post: dict(by_shift) for post, by_shift in plan.on.items()}
    for text in assigns:
        key, _, staff_id = text.partition("=")
        post, _, shift = key.partition(".")
        if not (post and shift and staff_id):
            raise refuse("STORE-ROSTER-01", f"--assign {text!r}: write post.shift=工号", "e.g. cs_office.early=CS001")
        on.setdefault(post, {})[shift] = staff_id
    for key in clears:
        post, _, shift = key.partition(".")
        on.get(post, {}).pop(shift, None)
    new_plan = DayPlan(duty_manager=duty or plan.duty_manager, on={p: s for p, s in on.items() if s},
                       leave=sorted({*plan.leave, *leaves} - set(cancels)))
    new = old.model_copy(update={"days": {**old.days, the_day: new_plan}})
    session.save([(old, new)], action="roster.set", summary=f"调整排班 {the_day.isoformat()}")
    click.echo(f"已调整排班 (roster changed): {the_day.isoformat()}")
