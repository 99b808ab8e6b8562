"""``csops sla``: ticket deadlines as of now: breached, due soon, met/missed per owner and department."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.context import Context
    from csops.session import Session


def sla_rows(ctx: Context, now: datetime, *, unsettled_only: bool = False) -> list[dict[str, Any]]:
    """One row per deadline of every ticket, with its state as of ``now`` and who answers for it.

    The rows of a ticket whose every deadline is settled (met, missed, paused, void: they no
    longer depend on "now") are facts, kept by content; only the other tickets are loaded. With
    ``unsettled_only``, only the rows that can still move (what ``status`` shows)."""
    from csops.facts import facts, policy_key, records_at, roster_key

    key = f"{policy_key(ctx)}:{roster_key(ctx)}"
    if unsettled_only:
        settled = facts(ctx, "ticket", "settled", _is_settled, key=key)
        keyed: list[tuple[tuple[float, str], list[dict[str, Any]]]] = []
    else:
        rows = facts(ctx, "ticket", "sla-rows", _settled_rows, key=key)
        settled = {rel: fact is not None for rel, fact in rows.items()}
        keyed = [((fact[0][0], fact[0][1]), fact[1]) for fact in rows.values() if fact is not None]
    live: list[Any] = records_at(ctx, "ticket", [rel for rel, done in settled.items() if not done])
    keyed += [((t.received_at.timestamp(), t.id), _rows(ctx, t, now)) for t in live]
    keyed.sort(key=lambda item: item[0])  # (received_at, id)
    return [row for _, rows_ in keyed for row in rows_]


def _is_settled(t: Any, ctx: Context) -> bool:
    from csops.sla import ticket_deadlines

    return all(d.settled() is not None for d in ticket_deadlines(ctx, t))


def _rows(ctx: Context, t: Any, now: datetime) -> list[dict[str, Any]]:
    from csops.sla import responsible, ticket_deadlines

    rows = []
    for d in ticket_deadlines(ctx, t):
        who = responsible(t, d)
        person = ctx.person(who)
        rows.append({
            "ticket": t.id, "type": t.type.value, "type_label": t.type.label,
            "status": t.fold().status.value, **d.as_dict(now),
            "responsible": who, "responsible_name": ctx.name(who),
            "department": person.department.value if person else None,
            "department_label": person.department.label if person else None,
        })
    return rows


def _settled_rows(t: Any, ctx: Context) -> tuple[tuple[float, str], list[dict[str, Any]]] | None:
    """The fact: (received_at, id) and the rows, when no deadline of ``t`` depends on "now"."""
    from csops.sla import ticket_deadlines

    if any(d.settled() is None for d in ticket_deadlines(ctx, t)):
        return None
    return (t.received_at.timestamp(), t.id), _rows(ctx, t, ctx.now)


def summarise(rows: list[dict[str, Any]], now: datetime, within: int) -> dict[str, Any]:
    horizon = now + timedelta(minutes=within)
    breached = [r for r in rows if r["state"] in ("missed", "overdue")]
    due_soon = [r for r in rows if r["state"] == "pending" and datetime.fromisoformat(r["due"]) <= horizon]
    per: dict[str, dict[str, Counter[str]]] = {"owner": defaultdict(Counter), "department": defaultdict(Counter)}
    for r in rows:
        per["owner"][r["responsible"] or "-"][r["state"]] += 1
        per["department"][r["department"] or "-"][r["state"]] += 1
    return {
        "now": now.isoformat(),
        "breached_tickets": sorted({r["ticket"] for r in breached}),
        "breached": breached, "due_soon": due_soon,
        "by_owner": {k: dict(v) for k, v in sorted(per["owner"].items())},
        "by_department": {k: dict(v) for k, v in sorted(per["department"].items())},
    }


@click.command()
@click.option("--due-within", "within", type=click.IntRange(min=0), default=120, show_default=True,
              help="List open deadlines due within this many minutes.")
@click.option("--owner", help="Only deadlines this 工号 answers for.")
@click.option("--department", help="Only deadlines of this department, e.g. cs, engineering.")
@format_option
@click.pass_obj
def sla(session: Session, within: int, owner: str | None, department: str | None) -> None:
    """Ticket deadlines: overdue and missed, due soon, and met/missed per owner and department.

    Deadlines come from each ticket, the policy and the business calendar; "now" is the clock or --now.

    \b
    Example:
      csops sla
      csops --now 2026-11-23T09:00:00+08:00 sla --due-within 240 --format json
      csops sla --department engineering
    """
    from csops.sla import STATE_LABELS

    ctx = session.load()
    now = session.now
    rows = sla_rows(ctx, now)
    if owner:
        rows = [r for r in rows if r["responsible"] == owner]
    if department:
        rows = [r for r in rows if r["department"] == department]
    data = summarise(rows, now, within)
    if session.json:
        session.emit_json(data)
        return
    from csops.commands.ticket import _fmt

    click.echo(f"时限 (SLA) 截至 {_fmt(data['now'], ctx)}")
    click.echo(f"== 已超时/超时完成 (breached): {len(data['breached_tickets'])} 张工单 ==")
    for r in data["breached"]:
        click.echo(f"  {r['ticket']} {r['type_label']} {r['label']} 截止 {_fmt(r['due'], ctx)} "
                   f"{r['state_label']}  责任人 {r['responsible_name']} ({r['rule']})")
    click.echo(f"== {within} 分钟内到期 (due soon): {len(data['due_soon'])} ==")
    for r in data["due_soon"]:
        click.echo(f"  {r['ticket']} {r['type_label']} {r['label']} 截止 {_fmt(r['due'], ctx)}  责任人 {r['responsible_name']}")
    for title, key in (("按责任人 (per owner)", "by_owner"), ("按部门 (per department)", "by_department")):
        click.echo(f"== {title} ==")
        for who, counts in data[key].items():
            name = ctx.name(who) if key == "by_owner" else _dept_label(who)
            shown = "  ".join(f"{STATE_LABELS[s]} {n}" for s, n in sorted(counts.items()))
            click.echo(f"  {name}: {shown}")


def _dept_label(value: str) -> str:
    from csops.models.common import Department

    try:
        return Department(value).label
    except ValueError:
        return value


def status_section(ctx: Context) -> tuple[str, list[str], dict[str, Any]]:
    """``csops status``: open tickets, overdue, due within two hours."""
    from csops.facts import facts

    opened = facts(ctx, "ticket", "open", lambda t, _: t.fold().status.value != "closed")
    tickets, open_ = list(opened), [rel for rel, is_open in opened.items() if is_open]
    # Only rows that can still move can be overdue or due soon: the settled ones are not loaded.
    data = summarise(sla_rows(ctx, ctx.now, unsettled_only=True), ctx.now, 120)
    overdue = sorted({r["ticket"] for r in data["breached"] if r["state"] == "overdue"})
    soon = sorted({r["ticket"] for r in data["due_soon"]})
    lines = [f"未结工单 (open) {len(open_)} / 共 {len(tickets)}",
             f"已超时 (overdue) {len(overdue)}" + (": " + ", ".join(overdue) if overdue else ""),
             f"2小时内到期 (due soon) {len(soon)}" + (": " + ", ".join(soon) if soon else "")]
    return "工单 (tickets)", lines, {"open": len(open_), "total": len(tickets), "overdue": overdue, "due_soon": soon}


@click.command("kpi")
@click.option("--month", help="YYYY-MM (default: the current month).")
@format_option
@click.pass_obj
def kpi(session: Session, month: str | None) -> None:
    """Ticket KPIs of a month (§6.2): callback rates, satisfaction, valid complaints, SLA compliance.

    \b
    Example:
      csops kpi --month 2026-10
      csops --now 2026-11-23T09:00:00+08:00 kpi --month 2026-11 --format json
    """
    from csops.report import month_bounds
    from csops.sla import kpis

    ctx = session.load()
    local = ctx.calendar.local(session.now)
    text = month or local.strftime("%Y-%m")
    try:
        start, end = month_bounds(ctx.calendar, text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: write the month as 2026-11", param_hint="--month") from exc
    data = kpis(ctx, start, end, session.now)
    if session.json:
        session.emit_json({"month": text, "kpis": data})
        return
    click.echo(f"{text} 工单指标 (KPIs)")
    for key, row in data.items():
        value = "-" if row["value"] is None else f"{row['value']:.1%}"
        target = "" if row["target"] is None else f" 目标 {row['target']:.0%}"
        mark = {True: " 达标", False: " 未达标", None: ""}[row["ok"]]
        click.echo(f"  {row['label']:<14} {value:>7} (基数 {row['base']}){target}{mark}  [{key}]")
