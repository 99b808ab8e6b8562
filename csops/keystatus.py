"""Key custody and hazmat views shared by ``csops status`` and the handovers' pending matters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from csops.pending import PendingItem

if TYPE_CHECKING:
    from csops.context import Context


def pending(ctx: Context, staff_id: str | None, at: datetime) -> list[PendingItem]:
    """Key loans ``staff_id`` (or anyone) holds as of ``at``, with their due time and overdue flag, and
    the shift area keys picked up and not yet returned to the control room (KEY-SHIFT-01/02)."""
    from csops.rules.keys import loan_spans, sheet_spans

    items = []
    for _, loan in sorted(loan_spans(ctx).at(at), key=lambda x: x[0]):
        if staff_id not in (None, loan.borrower):
            continue
        key = ctx.get("key", loan.key)
        name = getattr(key, "name", loan.key)
        items.append(PendingItem(
            kind="key_loan", record_id=loan.id, owner=loan.borrower, due=loan.due, overdue=at > loan.due,
            summary=f"钥匙 {loan.key} {name} 第{loan.copy_no}套 借用中 ({ctx.name(loan.borrower)}, {loan.purpose})",
        ))
    sheets = {pos: sheet for spans in sheet_spans(ctx).values() for pos, sheet in spans.at(at)}
    for _, sheet in sorted(sheets.items()):
        pickup, back = sheet.pickup(), sheet.return_event()
        if pickup is None or pickup.at > at or (back is not None and back.at <= at):
            continue
        if staff_id in (None, pickup.by):
            items.append(PendingItem(
                kind="key_shift", record_id=sheet.id, owner=pickup.by,
                summary=f"管理区域钥匙 {'、'.join(pickup.keys)} 已领取, 待交回中控室 ({sheet.id})",
            ))
    return items


def status_section(ctx: Context) -> tuple[str, list[str], dict[str, Any]]:
    from csops.models.key import Key, KeyState
    from csops.rules.hazmat import balances, items

    now = ctx.now
    out = [i for i in pending(ctx, None, now) if i.kind == "key_loan"]
    overdue = [i for i in out if i.overdue]
    keys = list(ctx.of(Key))
    states = [k.fold()["state"] for k in keys]
    sealed = sum(s is KeyState.sealed for s in states)
    unsealed = [k.id for k, s in zip(keys, states, strict=True) if s is KeyState.unsealed]
    lost = [f"{k.id}#{c.copy_no}" for k in keys for c in k.fold()["copies"] if c.lost]
    stock = balances(ctx, now)
    lines = [f"登记钥匙 {len(keys)} 把; 借出未还 {len(out)} 把, 其中超时 {len(overdue)} 把"]
    for item in overdue:
        hours = (now - item.due).total_seconds() / 3600 if item.due else 0.0
        lines.append(f"  超时: {item.summary} 已超时 {hours:.1f} 小时")
    lines.append(f"封存钥匙 {sealed} 把" + (f"; 启封待重封: {', '.join(unsealed)}" if unsealed else ""))
    if lost:
        lines.append(f"遗失未处理: {', '.join(lost)}")
    if stock:
        lines.append("危险品结存: " + ", ".join(f"{items(ctx).get(k, k)} {v:g}" for k, v in sorted(stock.items())))
    data = {"keys": len(keys), "out": len(out), "overdue": [i.as_dict() for i in overdue], "sealed": sealed,
            "unsealed": unsealed, "lost": lost, "hazmat_balance": stock}
    return "钥匙与危险品 (keys & hazmat)", lines, data
