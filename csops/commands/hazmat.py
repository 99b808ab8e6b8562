"""``csops hazmat``: the hazardous-materials register (危险品使用登记表, RULES.md §4.1)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from csops.commands import at_option, format_option, list_format_option, need, refuse
from csops.commands.key import fmt_time, save_event, when

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.hazmat import HazmatEntry
    from csops.session import Session


@click.group()
def hazmat() -> None:
    """Hazardous materials (危险品): stock-in, draw, return of the unused remainder, balance.

    \b
    Example:
      csops hazmat balance
      csops --as L001 hazmat draw rat_poison --qty 2 --purpose "B1灭鼠" --approved-by S001
    """


def find_use(ctx: Context, entry_id: str) -> HazmatEntry:
    from csops.models.hazmat import HazmatEntry

    entry = ctx.get("hazmat", entry_id)
    if not isinstance(entry, HazmatEntry) or entry.entry != "use":
        raise refuse("STORE-REF-02", f"{entry_id} 不是危险品领用记录", "csops hazmat list")
    return entry


def last_unit(ctx: Context, item: str) -> str | None:
    from csops.models.hazmat import HazmatEntry

    entries = sorted((e for e in ctx.of(HazmatEntry) if e.item == item and e.events), key=lambda e: e.events[0].at)
    return entries[-1].unit if entries else None


@hazmat.command("stock-in")
@click.argument("item")
@click.option("--qty", type=click.FloatRange(min=0, min_open=True), help="数量")
@click.option("--unit", help="单位, e.g. 瓶、包、ml")
@click.option("--note", help="来源/备注")
@at_option
@click.pass_obj
def stock_in(session: Session, item: str, qty: float | None, unit: str | None, note: str | None,
             at: datetime | None) -> None:
    """Put hazardous material into the locked, separate store (REG-HAZ-03).

    \b
    Example:
      csops --as S001 hazmat stock-in alcohol --qty 10 --unit 瓶
    """
    from csops.models.hazmat import HazmatEntry, StockIn

    ctx = session.load()
    moment = when(session, at)
    qty = need(qty, "--qty", "数量")
    unit = need(unit or last_unit(ctx, item), "--unit", "单位")
    event = StockIn(at=moment, by=session.actor().id, qty=qty, storage="locked_separate", note=note)
    entry = HazmatEntry(id=session.new_id(HazmatEntry, moment), entry="stock_in", item=item, unit=unit,
                  events=[event])
    session.save([(None, entry)], action="hazmat.stock_in", summary=f"危险品入库 {item} {qty:g}{unit}")
    click.echo(f"已入库 (stocked): {entry.id} {item} {qty:g}{unit}")


@hazmat.command("draw")
@click.argument("item")
@click.option("--qty", type=click.FloatRange(min=0, min_open=True), help="领用数量 (按实际需要, REG-HAZ-05)")
@click.option("--unit", help="单位 (default: as stocked)")
@click.option("--purpose", help="用途")
@click.option("--approved-by", help="批准人工号: 客服部领班或以上 (REG-HAZ-04)")
@click.option("--issued-by", help="发放人工号 (default: the approver, who issues in person)")
@click.option("--lend-out-to", help="外借对象 (REG-HAZ-07)")
@click.option("--lend-out-approved-by", help="准许外借者工号 (REG-HAZ-07)")
@at_option
@click.pass_obj
def draw(session: Session, item: str, qty: float | None, unit: str | None, purpose: str | None,
         approved_by: str | None, issued_by: str | None, lend_out_to: str | None, lend_out_approved_by: str | None,
         at: datetime | None) -> None:
    """Draw hazardous material: you are the drawer (CS shift lead or above, REG-HAZ-02).

    Refused when the stock would go negative (REG-HAZ-05).

    \b
    Example:
      csops --as L001 hazmat draw rat_poison --qty 2 --purpose "B1灭鼠" --approved-by S001
    """
    from csops.models.hazmat import Draw, HazmatEntry

    ctx = session.load()
    moment = when(session, at)
    qty = need(qty, "--qty", "数量")
    unit = need(unit or last_unit(ctx, item), "--unit", "单位")
    approved_by = need(approved_by, "--approved-by", "批准人工号")
    event = Draw(at=moment, by=session.actor().id, qty=qty, purpose=need(purpose, "--purpose", "用途"),
                  approved_by=approved_by, issued_by=issued_by or approved_by, lend_out_to=lend_out_to,
                  lend_out_approved_by=lend_out_approved_by)
    entry = HazmatEntry(id=session.new_id(HazmatEntry, moment), entry="use", item=item, unit=unit,
                  events=[event])
    session.save([(None, entry)], action="hazmat.draw", summary=f"领用危险品 {item} {qty:g}{unit}")
    click.echo(f"已领用 (drawn): {entry.id} {item} {qty:g}{unit}; 用后登记: csops hazmat return {entry.id}")


@hazmat.command("return")
@click.argument("entry_id", metavar="HZ-ID")
@click.option("--used", "qty_used", type=click.FloatRange(min=0), help="实际用量")
@click.option("--returned", "qty_returned", type=click.FloatRange(min=0), help="退回入库数量")
@at_option
@click.pass_obj
def hazmat_return(session: Session, entry_id: str, qty_used: float | None, qty_returned: float | None,
                  at: datetime | None) -> None:
    """Record what was used and put the unused remainder back (REG-HAZ-05); you receive it.

    \b
    Example:
      csops --as S001 hazmat return HZ-2611-A003 --used 1.5 --returned 0.5
    """
    from csops.models.hazmat import Return

    ctx = session.load()
    entry = find_use(ctx, entry_id)
    if entry.returned() is not None:
        raise refuse("REG-HAZ-05", f"{entry.id} 已登记过用量和退回", "csops hazmat list")
    drawn = entry.draw()
    used = need(qty_used, "--used", "实际用量")
    back = qty_returned if qty_returned is not None else max(0.0, (drawn.qty if drawn else 0.0) - used)
    event = Return(at=when(session, at), by=session.actor().id, qty_used=used, qty_returned=back,
                  received_by=session.actor().id)
    save_event(session, entry, event, action="hazmat.return",
                 summary=f"危险品用后退回 {entry.item} 用 {used:g} 退 {back:g}{entry.unit}")
    click.echo(f"已登记 (returned): {entry.id} 用量 {used:g}{entry.unit}, 退回 {back:g}{entry.unit}")


@hazmat.command("incident")
@click.argument("entry_id", metavar="HZ-ID")
@click.option("--reported-to", help="报告的领班或主管工号 (REG-HAZ-06)")
@click.option("--account", help="异常或意外情况")
@at_option
@click.pass_obj
def incident(session: Session, entry_id: str, reported_to: str | None, account: str | None,
             at: datetime | None) -> None:
    """Record an abnormality or accident during use, reported to a shift lead or supervisor.

    \b
    Example:
      csops --as C001 hazmat incident HZ-2611-A003 --reported-to L001 --account "药剂洒落, 已清理"
    """
    from csops.models.hazmat import HazIncident

    ctx = session.load()
    entry = find_use(ctx, entry_id)
    event = HazIncident(at=when(session, at), by=session.actor().id,
                  reported_to=need(reported_to, "--reported-to", "报告对象工号"), account=need(account, "--account", "情况"))
    save_event(session, entry, event, action="hazmat.incident", summary=f"危险品使用异常 {entry.id}")
    click.echo(f"已登记异常 (recorded): {entry.id}")


def entry_row(ctx: Context, entry: HazmatEntry) -> dict[str, Any]:
    from csops.rules.hazmat import items

    d, r = entry.draw(), entry.returned()
    first = entry.events[0] if entry.events else None
    return {"id": entry.id, "entry": entry.entry, "item": entry.item, "item_label": items(ctx).get(entry.item, entry.item),
            "unit": entry.unit, "status": entry.status, "at": first.at.isoformat() if first else None,
            "by": first.by if first else None, "qty": getattr(first, "qty", None),
            "approved_by": d.approved_by if d else None, "purpose": d.purpose if d else None,
            "qty_used": r.qty_used if r else None, "qty_returned": r.qty_returned if r else None}


@hazmat.command("list")
@list_format_option
@click.pass_obj
def hazmat_list(session: Session) -> None:
    """The register: every stock-in and use, with time, quantity, who drew and who approved.

    \b
    Example:
      csops hazmat list --format json
    """
    from csops.commands.confirm import pending_json, pending_lines
    from csops.models.hazmat import HazmatEntry

    ctx = session.load()
    entries = sorted((e for e in ctx.of(HazmatEntry) if e.events), key=lambda e: (e.events[0].at, e.id))
    rows = [entry_row(ctx, e) | {"unconfirmed": pending_json(ctx, e)} for e in entries]
    if session.emit_rows(rows):
        return
    for e, row in zip(entries, rows, strict=True):
        when_ = fmt_time(ctx, e.events[0].at)
        if row["entry"] == "stock_in":
            click.echo(f"{row['id']} {when_} 入库 {row['item_label']} {row['qty']:g}{row['unit']} ({ctx.name(row['by'])})")
            continue
        back = (f" 用 {row['qty_used']:g} 退 {row['qty_returned']:g}" if row["qty_used"] is not None else " 未登记退回")
        click.echo(f"{row['id']} {when_} 领用 {row['item_label']} {row['qty']:g}{row['unit']} {ctx.name(row['by'])}"
                   f" 批准 {ctx.name(row['approved_by'])} ({row['purpose']}){back}")
        for line in pending_lines(ctx, e):  # the approval typed in for the approver (issue 10)
            click.echo(f"  {line}")


@hazmat.command("balance")
@format_option
@click.pass_obj
def balance(session: Session) -> None:
    """Stock per material as of now (never negative, REG-HAZ-05).

    \b
    Example:
      csops hazmat balance
    """
    from csops.rules.hazmat import balances, items

    ctx = session.load()
    stock = balances(ctx, ctx.now)
    units = {item: last_unit(ctx, item) or "" for item in stock}
    if session.json:
        session.emit_json([{"item": k, "label": items(ctx).get(k, k), "balance": v, "unit": units[k]}
                           for k, v in sorted(stock.items())])
        return
    if not stock:
        click.echo("危险品登记表为空 (no hazardous materials registered)")
    for k, v in sorted(stock.items()):
        click.echo(f"{items(ctx).get(k, k)} ({k}): 结存 {v:g}{units[k]}")
