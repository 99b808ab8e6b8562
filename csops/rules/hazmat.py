"""Hazardous-materials register rules (RULES.md §4.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from csops.context import Context
from csops.findings import Severity
from csops.models.common import Department, Level
from csops.models.hazmat import HAZMAT_ITEMS, HazIncident, HazmatEntry, StockIn
from csops.rules import Problem, record_rule, tree_rule


def items(ctx: Context) -> dict[str, str]:
    """REG-HAZ-01: identifier → Chinese name of every controlled material."""
    return {**HAZMAT_ITEMS, **ctx.policy.hazmat.extra_items}


def cs_lead(ctx: Context, staff_id: str | None) -> bool:
    """CS staff at shift-lead (领班) level or above."""
    person = ctx.person(staff_id)
    return person is not None and person.department is Department.cs and person.at_least(Level.shift_lead)


@record_rule("REG-HAZ-01", "hazmat", title="only the controlled materials of the register")
def known_item(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    known = items(ctx)
    if entry.item not in known:
        by_label = {v: k for k, v in known.items()}
        hint = (f"写 `{by_label[entry.item]}`" if entry.item in by_label
                else "可用: " + ", ".join(f"{k}({v})" for k, v in known.items()) + "; 新增品种写入 policy hazmat.extra_items")
        yield Problem(f"{entry.item} 不在危险品控制范围内", ("item",), hint)


@record_rule("REG-HAZ-02", "hazmat", title="only CS staff at shift-lead level or above draw hazardous materials")
def drawn_by_lead(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    draw = entry.draw()
    if draw is not None and not cs_lead(ctx, draw.by):
        yield Problem(f"从库房领用危险品必须是客服部领班级以上人员, {ctx.name(draw.by)} 不是",
                      ("events", entry.events.index(draw), "by"), "由客服部领班或以上人员领用")
    if entry.entry == "use" and draw is None:
        yield Problem("危险品使用登记缺少领用记录 (时间、数量)", ("events",), "csops hazmat draw ...")


@record_rule("REG-HAZ-03", "hazmat", title="stored apart from other goods, under lock", enforcement="form field")
def locked_storage(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    for i, e in enumerate(entry.events):
        if isinstance(e, StockIn) and e.storage != "locked_separate":
            yield Problem("危险品须单独存放、与其它物品隔离并加锁", ("events", i, "storage"), "storage: locked_separate")


@tree_rule("REG-HAZ-03", title="a locked hazmat cabinet is registered when materials are in stock",
           severity=Severity.warning, enforcement="form field")
def cabinet_registered(ctx: Context) -> Iterator[Problem]:
    from csops.models.key import Key, KeyCategory

    entries = list(ctx.of(HazmatEntry))
    if entries and not any(k.category is KeyCategory.hazmat_cabinet for k in ctx.of(Key)):
        yield Problem("危险品已入库, 但没有登记加锁的危险品柜钥匙 (由保洁领班保管, KEY-HAZ-01)", ("item",),
                      "csops key add HZ-CAB --category hazmat_cabinet --copy cleaning:C001 ...", target=entries[0])


@record_rule("REG-HAZ-04", "hazmat", title="each use approved by a CS shift lead or above, who issues it in person",
             enforcement="approval required")
def approved_and_issued(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    draw = entry.draw()
    if draw is None:
        return
    i = entry.events.index(draw)
    if not cs_lead(ctx, draw.approved_by):
        yield Problem(f"危险品使用须经客服部领班级以上人员批准, {ctx.name(draw.approved_by)} 不是",
                      ("events", i, "approved_by"), "--approved-by 领班或以上工号")
    elif draw.approved_by == draw.by:
        yield Problem("领用人不能批准自己的领用", ("events", i, "approved_by"), "由另一位领班或主管批准并亲自发放")
    if draw.issued_by != draw.approved_by:
        yield Problem("危险品须由批准人亲自发放", ("events", i, "issued_by"), "由批准人本人发放 (--issued-by 与 --approved-by 相同)")


@record_rule("REG-HAZ-05", "hazmat", title="draw what is needed; the unused remainder goes back to the store")
def remainder_returned(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    draw, ret = entry.draw(), entry.returned()
    if draw is None:
        return
    if ret is not None:
        if abs(ret.qty_used + ret.qty_returned - draw.qty) > 1e-9:
            yield Problem(f"用量 {ret.qty_used:g} + 退回 {ret.qty_returned:g} ≠ 领用 {draw.qty:g} {entry.unit}",
                          ("events", entry.events.index(ret)), "核对用量与退回数量")
        return
    day_end = datetime.combine(ctx.calendar.local(draw.at).date() + timedelta(days=1), time(0, 0), ctx.calendar.tz)
    if ctx.now > day_end:
        yield Problem(f"{entry.id} 领用的{items(ctx).get(entry.item, entry.item)}尚未登记用量和退回", ("status",),
                      f"csops hazmat return {entry.id} --used N --returned N", severity=Severity.warning)


@tree_rule("REG-HAZ-05", title="the stock balance of a hazardous material never goes negative",
           enforcement="validation error")
def balance_not_negative(ctx: Context) -> Iterator[Problem]:
    moves: dict[str, list[tuple[datetime, int, float, HazmatEntry, int]]] = {}
    for entry in ctx.of(HazmatEntry):
        for at, qty, i in entry.movements():
            # On the same minute, stock arriving counts before stock leaving.
            moves.setdefault(entry.item, []).append((at, 0 if qty > 0 else 1, qty, entry, i))
    for item, rows in sorted(moves.items()):
        units = {r[3].unit for r in rows}
        if len(units) > 1:
            first = min(rows, key=lambda r: (r[0], r[3].id))[3].unit
            for entry in sorted({r[3].id: r[3] for r in rows if r[3].unit != first}.values(), key=lambda e: e.id):
                yield Problem(f"{items(ctx).get(item, item)} 的单位 {entry.unit} 与入库单位 {first} 不一致, 结存无法计算",
                              ("unit",), f"用入库时的单位: --unit {first}", target=entry)
        balance = 0.0
        for _, _, qty, entry, i in sorted(rows, key=lambda r: (r[0], r[1], r[3].id)):
            balance += qty
            if balance < -1e-9:
                yield Problem(f"{items(ctx).get(item, item)} 库存不足: 领用后结存为 {balance:g} {entry.unit}",
                              ("events", i, "qty"), "先入库 (csops hazmat stock-in) 或减少领用数量", target=entry)
                balance = 0.0


@record_rule("REG-HAZ-06", "hazmat", title="an abnormality during use is reported to a shift lead or supervisor",
             enforcement="form field")
def incident_reported(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    for i, e in enumerate(entry.events):
        person = ctx.person(e.reported_to) if isinstance(e, HazIncident) else None
        if isinstance(e, HazIncident) and (person is None or not person.at_least(Level.shift_lead)):
            yield Problem("异常情况须报告领班或主管", ("events", i, "reported_to"), "--reported-to 领班或主管工号")


@record_rule("REG-HAZ-07", "hazmat", title="no hazardous material is lent out without permission",
             enforcement="approval required")
def no_lending(entry: HazmatEntry, ctx: Context) -> Iterator[Problem]:
    draw = entry.draw()
    if draw is not None and draw.lend_out_to and not cs_lead(ctx, draw.lend_out_approved_by):
        yield Problem("危险品未经许可不得外借", ("events", entry.events.index(draw), "lend_out_approved_by"),
                      "--lend-out-approved-by 领班或以上工号")


def balances(ctx: Context, at: datetime | None = None) -> dict[str, float]:
    """Stock per item as of ``at`` (default: every movement)."""
    out: dict[str, float] = {}
    for entry in ctx.of(HazmatEntry):
        for when, qty, _ in entry.movements():
            if at is None or when <= at:
                out[entry.item] = out.get(entry.item, 0.0) + qty
    return out

