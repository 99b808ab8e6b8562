"""``csops confirm ID``: an approver confirms, at their own keyboard, the approvals typed in for them.

Also the listing of unconfirmed approvals shared by the families' ``show`` commands and ``status``
(the notion itself is :mod:`csops.approvals`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from csops.commands import format_option, refuse

if TYPE_CHECKING:
    from csops.approvals import Approval
    from csops.context import Context
    from csops.models.common import EventedRecord
    from csops.session import Session


def find_evented(ctx: Context, record_id: str) -> EventedRecord:
    """The record ``record_id`` of any family that has approvals (its id prefix says which)."""
    from csops.approvals import KINDS
    from csops.models import kinds
    from csops.models.common import ID_RE

    match = ID_RE.match(record_id.upper())
    prefix = match.group("prefix") if match else ""
    models = kinds()
    candidates = [k for k in sorted(KINDS) if prefix == models[k].ID_PREFIX]
    wanted = record_id.upper() if prefix or not candidates else record_id
    for kind in candidates or [k for k in sorted(KINDS) if not models[k].ID_PREFIX]:
        record = ctx.get(kind, wanted)
        if record is not None:
            return record  # type: ignore[return-value]
    broken = "".join(ctx.why_missing(wanted, k) for k in candidates)
    raise refuse("STORE-REF-02", f"没有编号为 {record_id} 的钥匙、借用、危险品、换班或工单记录{broken}",
                 "核对编号: csops key show ID / csops ticket show ID / csops swap list")


def pending_lines(ctx: Context, record: Any) -> list[str]:
    """「待确认: 总经理 王五(G001) 批准紧急启封 (第 3 条记录)」 for each unconfirmed approval."""
    from csops.approvals import unconfirmed

    return [f"待确认: {a.text(ctx.name)}, 由其本人运行 csops confirm {record.id}" for a in unconfirmed(record)]


def pending_json(ctx: Context, record: Any) -> list[dict[str, Any]]:
    from csops.approvals import unconfirmed

    return [_row(ctx, a) for a in unconfirmed(record)]


def unconfirmed_fact(record: Any, ctx: Context) -> list[tuple[str, int, str, str, str, str]]:
    """(id, event, approver, title, what, rule) of each unconfirmed approval: kept per file blob."""
    from csops.approvals import unconfirmed

    return [(record.id, a.event, a.approver, a.title, a.what, a.rule) for a in unconfirmed(record)]


def status_section(ctx: Context) -> tuple[str, list[str], dict[str, Any]]:
    """Every unconfirmed approval in the office, from the fact cache (no family is loaded whole)."""
    from csops.approvals import KINDS
    from csops.facts import facts

    rows = sorted(row for kind in sorted(KINDS) for found in facts(ctx, kind, "unconfirmed", unconfirmed_fact).values()
                  for row in found)
    lines = [f"待确认审批 {len(rows)} 项 (approvals typed in by someone else, not yet confirmed by the approver)"]
    for rid, event, approver, title, what, _ in rows[:20]:
        lines.append(f"  待确认: {rid} {title} {ctx.name(approver)} {what} (第 {event + 1} 条记录)")
    if len(rows) > 20:
        lines.append(f"  …… 另有 {len(rows) - 20} 项")
    data = {"unconfirmed": [{"id": rid, "event": event, "approver": approver, "title": title, "what": what,
                             "rule": rule} for rid, event, approver, title, what, rule in rows]}
    return "待确认 (unconfirmed approvals)", lines, data


@click.command()
@click.argument("record_id", metavar="ID")
@click.option("--event", "event_no", type=click.IntRange(1), metavar="N",
              help="只确认第 N 条记录上的审批 (default: 该记录上所有待你确认的)")
@format_option
@click.pass_obj
def confirm(session: Session, record_id: str, event_no: int | None) -> None:
    """Confirm, as yourself, the approvals someone else typed in for you (审批人本人确认).

    An approval entered by someone else (--as) is unconfirmed until its approver confirms it with
    their own commit: the GM's approval and the witnesses of an unseal, a lock change, a loan, a
    hazmat draw, a swap's consent and approval, a dispatch approval, a validity check. You are who
    your git identity says (never --as); every approval on record ID that names you and is still
    unconfirmed is confirmed in one commit. The reseal, redistribution, return, swap approval or
    close that relies on them is refused until each party has confirmed.

    \b
    Example:
      csops confirm ST-0805              # 总经理本人确认批准启封
      csops confirm T-2611-A007 --event 4
    """
    from csops.approvals import awaiting, unconfirmed
    from csops.models.common import Confirmed

    if session.as_staff or os.environ.get("CSOPS_AS"):
        raise refuse("AUDIT-15", "确认必须由审批人本人用自己的 git 身份办理, 不能用 --as (或 CSOPS_AS) 代为确认",
                     f"请审批人在自己的电脑上运行: csops confirm {record_id}")
    ctx = session.load()
    me = session.keyboard()
    if me.staff is None:
        raise refuse("AUDIT-15", f"你的 git 邮箱 {me.email or '(未设置)'} 不属于员工名册中的任何人, 无法确认",
                     "把你的 git 邮箱加到 records/staff/<工号>.yaml 的 git_emails (csops staff edit)")
    record = find_evented(ctx, record_id)
    mine = [a for a in awaiting(record, me.staff.id) if event_no is None or a.event == event_no - 1]
    if not mine:
        others = "; ".join(a.text(ctx.name) for a in unconfirmed(record))
        where = f"第 {event_no} 条记录上" if event_no else ""
        raise refuse("AUDIT-15", f"{record.id} {where}没有待 {ctx.name(me.staff.id)} 确认的审批"
                     + (f" (待确认: {others})" if others else ""),
                     "只有审批人本人确认自己的审批; 查看: csops key show / ticket show / swap show / hazmat show")
    moment = session.now
    added = [Confirmed(at=moment, by=me.staff.id, event=a.event, role=a.role) for a in mine]
    new = type(record).model_validate(record.model_dump() | {"events": [*record.events, *added]})
    session.save([(record, new)], action="confirm", actor=me.staff,
                 summary=f"{ctx.name(me.staff.id)} 确认 {record.id} 的审批 {len(mine)} 项")
    if session.json:
        session.emit_json({"id": record.id, "confirmed": [_row(ctx, a) for a in mine],
                           "unconfirmed": pending_json(ctx, new)})
        return
    for a in mine:
        click.echo(f"已确认 (confirmed): {record.id} {a.text(ctx.name)}")
    for line in pending_lines(ctx, new):
        click.echo(f"  {line}")


def _row(ctx: Context, a: Approval) -> dict[str, Any]:
    return a.as_dict() | {"approver_name": ctx.name(a.approver), "text": a.text(ctx.name)}
