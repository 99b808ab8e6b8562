"""A seeded random office of keys, loans, checks, shift-key sheets, rosters, swaps and handovers.

Built in memory from the demo office's policy, staff and keys, for the scale tests (indexed rules
against their straightforward definitions) and for profiling (``python -m tests.scale_support``).
The data are deliberately untidy: loans left out, lent twice, shift keys not returned, swaps in every
state, handovers missing or unreviewed, so that the rules have findings to agree on.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from csops.checker import build_context
from csops.context import Context
from csops.models.handover import Handover
from csops.models.hazmat import HazmatEntry
from csops.models.key import KeyCheck, KeyLoan, KeyShift
from csops.models.roster import Roster, Swap
from csops.rules import load_rules
from csops.store import LoadedFile, read_tree
from tests.fixtures import PROJECT

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 1)
CS = ("CS001", "CS002", "CS003")
BORROWERS = ("Z001", "E001", "E002", "A001", "A002", "CS001", "B001", "F001")
SHIFT_KEYS = ("AREA-1F", "AREA-B1", "AREA-RF")


def base_context(now: datetime) -> Context:
    """The demo office's policy, staff and keys (no loans, rosters or handovers)."""
    keep = {"policy", "staff", "key"}
    files = [f for f in read_tree(PROJECT) if f.kind in keep]
    return build_context(files, now, PROJECT)


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def _add(ctx: Context, record: Any) -> None:
    ctx.add(record, LoadedFile(rel=f"records/{record.expected_relpath()}", kind=record.KIND))


def office(days: int, seed: int = 1, loans_per_day: int = 12) -> Context:
    """An office with ``days`` days of history from 2026-01-01; "now" is the morning after."""
    rnd = random.Random(seed)
    now = _at(START + timedelta(days=days), 9)
    ctx = base_context(now)
    keys = [k for k in ctx.records["key"].values()]
    lendable = [k for k in keys if k.category.value not in ("sealed_tenant", "area_shift")]
    serial: dict[str, int] = {}

    def new_id(prefix: str, day: date) -> str:
        ym = f"{day:%y%m}"
        serial[prefix + ym] = serial.get(prefix + ym, 0) + 1
        return f"{prefix}-{ym}-A{serial[prefix + ym]:04d}"

    months = sorted({(d.year, d.month) for d in (START + timedelta(days=i) for i in range(days + 1))})
    for year, month in months:
        first = date(year, month, 1)
        plan = {}
        d = first
        while d.month == month:
            early, late = rnd.sample(CS, 2)
            plan[d.isoformat()] = {"duty_manager": "L001", "on": {
                "cs_office": {"early": early, "late": late},
                "front_desk": {"early": "F001", "late": "F002"},
                "control_room": {"day": "B001", "night": "N001"}},
                "leave": ["CS003"] if rnd.random() < 0.02 else []}
            d += timedelta(days=1)
        _add(ctx, Roster.model_validate({"id": f"{year:04d}-{month:02d}", "approved_by": "S001", "days": plan,
                                         "shifts": {"cs_office": {"early": "08:00-13:00", "late": "13:00-18:00"},
                                                    "front_desk": {"early": "08:00-13:00", "late": "13:00-18:00"},
                                                    "control_room": {"day": "08:00-18:00", "night": "18:00-08:00"}}}))
    for n in range(days):
        day = START + timedelta(days=n)
        # -- loans: mostly back within hours, some overdue, some open, a few doubled up --
        for _ in range(loans_per_day):
            key = rnd.choice(lendable)
            copy_no = rnd.choice([c.copy_no for c in key.fold()["copies"]] or ["1"])
            lent = _at(day, rnd.randint(8, 20), rnd.randint(0, 59))
            events: list[dict[str, Any]] = [{"at": lent.isoformat(), "by": "A001", "action": "lend"}]
            fate = rnd.random()
            if fate < 0.9:
                back = lent + timedelta(minutes=rnd.randint(5, 600))
                events.append({"at": back.isoformat(), "by": "A001", "action": "return",
                               "returned_by": rnd.choice(BORROWERS), "power_off": True, "windows_closed": True,
                               "unit_locked": True})
            elif fate < 0.93:
                events.append({"at": (lent + timedelta(days=rnd.randint(1, 40))).isoformat(), "by": "A001",
                               "action": "lost"})
            elif fate < 0.96 or n < days - 10:  # late, or (lately) still out
                events.append({"at": (lent + timedelta(days=rnd.randint(1, 20))).isoformat(), "by": "A001",
                               "action": "return", "returned_by": "Z001"})
            borrower = rnd.choice(BORROWERS)
            loan = KeyLoan.model_validate({
                "id": new_id("KL", day), "key": key.id, "copy_no": copy_no, "borrower": borrower,
                "purpose": "检修", "issued_by": rnd.choice(("A001", "A002", "B001")),
                "approved_by": rnd.choice((None, "M001", "D001")),
                "due": (lent + timedelta(hours=rnd.randint(1, 20))).isoformat(), "events": events})
            _add(ctx, loan.model_copy(update={"status": loan.state_at()}))
        # -- the daily check, noting some of what is out --
        if rnd.random() < 0.9:
            checked_at = _at(day, 17, 30)
            out = [x.id for x in ctx.of(KeyLoan) if x.events and x.out_at(checked_at)] if n >= days - 3 else []
            _add(ctx, KeyCheck.model_validate({
                "id": new_id("KC", day), "day": day.isoformat(), "checked_by": rnd.choice(("A001", "A002", "Z001")),
                "checked_at": checked_at.isoformat(),
                "outstanding": [{"loan": i, "note": "未还"} for i in out[: len(out) // 2]]}))
        # -- the shift-key sheet: returned in the evening, or late, or never --
        picked = rnd.sample(SHIFT_KEYS, rnd.randint(1, 3)) + (["AREA-1F"] if rnd.random() < 0.01 else [])
        pickup = _at(day, 8, rnd.randint(0, 20))
        sheet_events: list[dict[str, Any]] = [{"at": pickup.isoformat(), "by": rnd.choice(("L001", "L002")),
                                               "action": "pickup", "keys": picked, "issued_by": "N001"}]
        fate = rnd.random()
        if fate < 0.9:
            sheet_events.append({"at": _at(day, 22, 10).isoformat(), "by": "L002", "action": "return",
                                 "keys": picked if rnd.random() < 0.95 else picked[:-1],
                                 "count_checked": rnd.random() < 0.97, "received_by": "N001"})
        elif fate < 0.95 or n < days - 10:  # late, or (lately) not yet
            sheet_events.append({"at": (pickup + timedelta(days=rnd.randint(1, 5))).isoformat(), "by": "L002",
                                 "action": "return", "keys": picked, "count_checked": True})
        sheet = KeyShift.model_validate({"id": new_id("KS", day), "day": day.isoformat(), "events": sheet_events})
        _add(ctx, sheet.model_copy(update={"status": "returned" if sheet.return_event() else "out"}))
        # -- swaps in every state --
        if rnd.random() < 0.4:
            requester, counterpart = rnd.sample(CS, 2)
            asked = _at(day, rnd.randint(8, 17))
            shift_day = day + timedelta(days=rnd.randint(0, 6))
            repay_day = shift_day + timedelta(days=rnd.randint(0, 8))
            actions = rnd.choice((["requested"], ["requested", "agreed"], ["requested", "agreed", "approved"],
                                  ["requested", "agreed", "approved"], ["requested", "declined"],
                                  ["requested", "withdrawn"]))
            who = {"requested": requester, "agreed": counterpart, "approved": "M001", "declined": counterpart,
                   "withdrawn": requester}
            swap = Swap.model_validate({
                "id": new_id("SW", day), "requester": requester, "counterpart": counterpart,
                "shift": {"date": shift_day.isoformat(), "post": "cs_office", "shift": rnd.choice(("early", "late"))},
                "repay": {"date": repay_day.isoformat(), "post": "cs_office", "shift": rnd.choice(("early", "late"))},
                "reason": "家事", "events": [{"at": (asked + timedelta(minutes=10 * i)).isoformat(), "by": who[a],
                                              "action": a} for i, a in enumerate(actions)]})
            _add(ctx, swap.model_copy(update={"status": swap.fold()}))
        # -- handovers: most shifts, some missing, some unreviewed --
        for post, shift, typ, start_hh, outgoing, incoming in (
                ("cs_office", "early", "security_to_cs", 8, "B001", None),
                ("cs_office", "late", "shift", 13, None, None),
                ("control_room", "night", "cs_to_security", 18, None, "N001"),
                ("front_desk", "late", "front_desk", 13, "F001", "F002")):
            if rnd.random() < 0.05:
                continue
            start = _at(day, start_hh)
            out_p = outgoing or rnd.choice(CS)
            in_p = incoming or rnd.choice([c for c in CS if c != out_p])
            hev: list[dict[str, Any]] = [
                {"at": (start - timedelta(minutes=20)).isoformat(), "by": out_p, "action": "opened"},
                {"at": (start - timedelta(minutes=15)).isoformat(), "by": out_p, "action": "signed"},
                {"at": (start - timedelta(minutes=10)).isoformat(), "by": in_p, "action": "accepted"}]
            if rnd.random() < 0.9:
                hev.append({"at": _at(day, 23).isoformat(), "by": rnd.choice(("L001", "L002", "CS001")),
                            "action": "reviewed"})
            record = Handover.model_validate({
                "id": Handover.make_id(day, post, shift), "type": typ, "date": day.isoformat(), "post": post,
                "shift": shift, "outgoing": out_p, "incoming": in_p, "shift_summary": "正常",
                "from_post": {"security_to_cs": "control_room", "cs_to_security": "cs_office"}.get(typ),
                "arrived_at": (start - timedelta(minutes=rnd.choice((5, 20, 30)))).isoformat(),
                "keys": ["FD-01"] if typ == "front_desk" else [], "cabinet_locked": True if typ == "front_desk" else None,
                "events": hev})
            summary = record.derived_summary()
            _add(ctx, record.model_copy(update=summary))
        # -- hazmat: stock in now and then, draws most days --
        if n % 30 == 0:
            _add(ctx, HazmatEntry.model_validate({
                "id": new_id("HZ", day), "entry": "stock_in", "item": "alcohol", "unit": "瓶",
                "events": [{"at": _at(day, 9).isoformat(), "by": "L001", "action": "stock_in", "qty": 20,
                            "storage": "locked_separate"}]}))
        if rnd.random() < 0.7:
            draw_at = _at(day, 10)
            hz_events: list[dict[str, Any]] = [{"at": draw_at.isoformat(), "by": "L001", "action": "draw", "qty": 1,
                                                "purpose": "消毒", "approved_by": "L002", "issued_by": "L002"}]
            if rnd.random() < 0.9:
                hz_events.append({"at": _at(day, 15).isoformat(), "by": "L001", "action": "return",
                                  "qty_used": 1, "qty_returned": 0})
            _add(ctx, HazmatEntry.model_validate({
                "id": new_id("HZ", day), "entry": "use", "item": "alcohol", "unit": "瓶",
                "status": "closed" if len(hz_events) > 1 else "drawn", "events": hz_events}))
    return ctx


def time_rules(ctx: Context, modules: tuple[str, ...]) -> dict[str, float]:
    """Seconds spent in each rule of ``modules`` over the whole tree (record rules on every record)."""
    out: dict[str, float] = {}
    records = [r for r, _ in ctx.entries]
    for rule in load_rules():
        if rule.fn.__module__ not in modules:
            continue
        ctx._memo.clear()
        started = time.perf_counter()
        if rule.scope == "tree":
            list(rule.fn(ctx))
        else:
            for record in records:
                if record.KIND in rule.kinds:
                    list(rule.fn(record, ctx))
        name = f"{rule.id} {rule.fn.__name__}"
        out[name] = out.get(name, 0.0) + time.perf_counter() - started
    return out


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


if __name__ == "__main__":  # python -m tests.scale_support 60 600
    sizes = [int(a) for a in sys.argv[1:]] or [60, 600]
    modules = ("csops.rules.keys", "csops.rules.handovers", "csops.rules.hazmat", "csops.rules.store",
               "csops.rules.meetings")
    results = []
    for size in sizes:
        ctx = office(size)
        results.append((size, len(ctx.entries), time_rules(ctx, modules)))
    names = sorted({n for _, _, r in results for n in r}, key=lambda n: -results[-1][2].get(n, 0))
    print(f"{'rule':<44}" + "".join(f"{f'{s}d/{n}rec':>16}" for s, n, _ in results) + "   ratio")
    for name in names:
        times = [r.get(name, 0.0) for _, _, r in results]
        ratio = times[-1] / times[0] if times[0] > 1e-4 else float("nan")
        print(f"{name:<44}" + "".join(f"{t:>16.3f}" for t in times) + f"   {ratio:6.1f}")
    print(f"{'total':<44}" + "".join(f"{sum(r.values()):>16.3f}" for _, _, r in results))
