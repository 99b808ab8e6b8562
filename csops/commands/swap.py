"""``csops swap …``: shift swaps (换班登记表), HOV-SWP-*."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from csops.commands import at_option, find_record, list_format_option, need, refuse

if TYPE_CHECKING:
    from csops.models.roster import Swap
    from csops.session import Session


def _shift_ref(text: str, option: str) -> dict[str, str]:
    day, _, rest = text.partition(":")
    post, _, shift = rest.partition(".")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        day = ""
    if not (day and post and shift):
        raise refuse("HOV-SWP-01", f"{option} {text!r}: write DATE:post.shift", "e.g. 2026-11-24:cs_office.early")
    return {"date": day, "post": post, "shift": shift}


def _load(session: Session, swap_id: str) -> Swap:
    from csops.models.roster import Swap

    return find_record(session.load(), Swap, swap_id, "csops swap list")


def _step(session: Session, swap_id: str, action: str, at: datetime | None, summary: str) -> Swap:
    from csops.models.roster import SwapAgreed, SwapApproved, SwapDeclined, SwapWithdrawn

    record = _load(session, swap_id)
    if record.fold().value in ("approved", "declined", "withdrawn"):
        raise click.UsageError(f"{swap_id} is already {record.fold().value}")
    event_type: Any = {"agreed": SwapAgreed, "approved": SwapApproved, "declined": SwapDeclined,
                       "withdrawn": SwapWithdrawn}[action]
    event = event_type(at=at or session.now, by=session.actor().id)
    new = record.model_copy(update={"events": [*record.events, event]})
    return session.save([(record, new)], action=f"swap.{action}", summary=f"{summary} {swap_id}")[0]  # type: ignore[return-value]


@click.group()
def swap() -> None:
    """Shift swaps: request, counterpart's consent, the manager's approval (HOV-SWP-01).

    \b
    Example:
      csops --as CS001 swap request --with CS003 --shift 2026-11-24:cs_office.early \\
          --repay 2026-11-26:cs_office.late --reason '本人需亲自办理证件'
      csops --as CS003 swap agree SW-2611-A001
      csops --as M001 swap approve SW-2611-A001
    """


@swap.command("request")
@click.option("--with", "counterpart", metavar="工号", help="The colleague who takes your shift.")
@click.option("--shift", "shift", metavar="DATE:POST.SHIFT", help="Your shift they work.")
@click.option("--repay", metavar="DATE:POST.SHIFT", help="Their shift you work in return (还班).")
@click.option("--reason", help="Why (HOV-SWP-08).")
@at_option
@click.pass_obj
def swap_request(session: Session, counterpart: str | None, shift: str | None, repay: str | None,
                 reason: str | None, at: datetime | None) -> None:
    """File a swap request as the person giving up the shift (one commit).

    \b
    Example:
      csops --as CS001 swap request --with CS003 --shift 2026-11-24:cs_office.early \\
          --repay 2026-11-26:cs_office.late --reason '本人需亲自办理证件'
    """
    from csops.models.roster import Swap, SwapRequested

    ctx = session.load()
    actor = session.actor()
    counterpart = need(counterpart, "--with", "换班对象工号")
    shift = need(shift, "--shift", "本人班次 DATE:post.shift")
    repay = need(repay, "--repay", "还班班次 DATE:post.shift")
    reason = need(reason, "--reason", "换班原因")
    when = at or session.now
    record = Swap(id=session.new_id(Swap, when), requester=actor.id, counterpart=counterpart,
                  shift=_shift_ref(shift, "--shift"), repay=_shift_ref(repay, "--repay"),
                  reason=reason, events=[SwapRequested(at=when, by=actor.id)])
    session.save([(None, record)], action="swap.request",
                 summary=f"换班申请 {actor.display}↔{ctx.name(counterpart)} "
                         f"{record.shift.text(ctx.label)}/{record.repay.text(ctx.label)}")
    click.echo(f"已提交换班申请 (requested): {record.id}; 待 {ctx.name(counterpart)} 同意")


def _step_command(name: str, action: str, summary: str, done: str, doc: str) -> click.Command:
    """``swap agree|decline|approve SWAP_ID``: one event by the counterpart or the manager."""

    def command(session: Session, swap_id: str, at: datetime | None) -> None:
        _step(session, swap_id, action, at, summary)
        click.echo(done.format(swap_id))

    command.__doc__ = doc
    return swap.command(name)(click.argument("swap_id")(at_option(click.pass_obj(command))))


swap_agree = _step_command("agree", "agreed", "同意换班", "已同意 (agreed): {}; 待部门经理批准", """Consent to a swap as the counterpart.

    \b
    Example:
      csops --as CS003 swap agree SW-2611-A001
    """)
swap_decline = _step_command("decline", "declined", "不同意换班", "已拒绝 (declined): {}", """Decline a swap as the counterpart, or as the manager once the counterpart agreed.

    \b
    Example:
      csops --as CS003 swap decline SW-2611-A001
      csops --as M001 swap decline SW-2611-A001
    """)
swap_withdraw = _step_command("withdraw", "withdrawn", "撤回换班申请", "已撤回 (withdrawn): {}", """Withdraw your own swap request before it is approved; it no longer counts (HOV-SWP-02/03).

    \b
    Example:
      csops --as CS001 swap withdraw SW-2611-A001
    """)
swap_approve = _step_command("approve", "approved", "批准换班", "已批准 (approved): {}; 排班已生效", """Approve a swap as the department manager; the effective roster changes (HOV-SWP-01).

    \b
    Example:
      csops --as M001 swap approve SW-2611-A001
    """)


@swap.command("list")
@click.option("--month", help="Only swaps of shifts in this month (YYYY-MM).")
@list_format_option
@click.pass_obj
def swap_list(session: Session, month: str | None) -> None:
    """List swaps.

    \b
    Example:
      csops swap list --month 2026-11
    """
    from csops.commands.confirm import pending_json, pending_lines
    from csops.models.roster import Swap

    ctx = session.load()
    rows = sorted((s for s in ctx.of(Swap) if month is None or s.shift.date.strftime("%Y-%m") == month),
                  key=lambda s: s.id)
    data = [{"id": s.id, "status": s.fold().value, "status_zh": s.fold().label, "requester": s.requester,
             "counterpart": s.counterpart, "shift": str(s.shift), "repay": str(s.repay), "reason": s.reason,
             "unconfirmed": pending_json(ctx, s)}
            for s in rows]
    if session.emit_rows(data):
        return
    for s in rows:
        click.echo(f"{s.id}  {s.fold().label:<6} {ctx.name(s.requester)}↔{ctx.name(s.counterpart)}  "
                   f"换 {s.shift.text(ctx.label)}  还 {s.repay.text(ctx.label)}  {s.reason}")
        for line in pending_lines(ctx, s):  # a consent or approval typed in for someone (issue 10)
            click.echo(f"  {line}")
    click.echo(f"共 {len(rows)} 条")
