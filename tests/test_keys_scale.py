"""KEY-LOAN-02, KEY-CHK-01, KEY-SHIFT-01 and the key views at scale: the indexed rules give exactly
the findings of their straightforward definitions (one scan of the tree per record), on seeded
random offices; the cached folds never go stale; returned loans and sheets never consult "now"."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from csops.context import Context
from csops.keystatus import pending
from csops.models.key import Key, KeyCheck, KeyLoan, KeyLost, KeyShift, LoanReturned
from csops.rules import Problem, load_rules
from csops.rules.keys import Spans, check_notes, loans_out_at, one_holder_per_copy, shift_pickup
from csops.tracking import Tracker
from tests.scale_support import office

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module", params=SEEDS)
def ctx(request: pytest.FixtureRequest) -> Context:
    return office(40, seed=request.param, loans_per_day=14)


def shown(problems: Any) -> list[tuple[Any, ...]]:
    return [(p.message, p.loc, p.hint, p.severity, getattr(p.target, "id", None)) for p in problems]


# -- the straightforward definitions (the rules as they were before the indexes) ---------------


def plain_loans_out_at(ctx: Context, at: datetime) -> list[KeyLoan]:
    return sorted((x for x in ctx.of(KeyLoan) if x.events and x.out_at(at)), key=lambda x: (x.lent_at, x.id))


def plain_one_holder_per_copy(ctx: Context) -> Iterator[Problem]:
    by_copy: dict[tuple[str, str], list[KeyLoan]] = {}
    for loan in ctx.of(KeyLoan):
        if loan.events:
            by_copy.setdefault((loan.key, loan.copy_no), []).append(loan)
    for (key_id, copy_no), loans in sorted(by_copy.items()):
        loans.sort(key=lambda x: (x.lent_at, x.id))
        for i, later in enumerate(loans):
            for earlier in loans[:i]:
                if earlier.out_at(later.lent_at):
                    yield Problem(
                        f"{key_id} 第{copy_no}套在 {earlier.id} ({ctx.name(earlier.borrower)}) 未归还时又借给了 "
                        f"{ctx.name(later.borrower)} ({later.id})", ("copy_no",),
                        f"同一套钥匙同一时间只能有一位借用人: 先归还 {earlier.id}, 或借用另一套", target=later)
                    break


def plain_held_elsewhere(record: KeyShift, ctx: Context) -> list[tuple[str, list[str]]]:
    """KEY-SHIFT-01's last part: (other sheet, keys it still holds) for each earlier sheet not yet returned."""
    pickup = record.pickup()
    assert pickup is not None
    out = []
    for other in ctx.of(KeyShift):
        theirs, back = other.pickup(), other.return_event()
        if other.id == record.id or theirs is None or (theirs.at, other.id) > (pickup.at, record.id):
            continue
        held = sorted(set(theirs.keys) & set(pickup.keys))
        if held and (back is None or back.at > pickup.at):
            out.append((other.id, held))
    return out


def plain_pending(ctx: Context, staff_id: str | None, at: datetime) -> list[tuple[str, str, str | None]]:
    items = [(x.id, x.borrower, "key_loan") for x in ctx.of(KeyLoan)
             if x.events and x.out_at(at) and staff_id in (None, x.borrower)]
    for sheet in ctx.of(KeyShift):
        pickup, back = sheet.pickup(), sheet.return_event()
        if pickup is None or pickup.at > at or (back is not None and back.at <= at):
            continue
        if staff_id in (None, pickup.by):
            items.append((sheet.id, pickup.by, "key_shift"))
    return items


def instants(ctx: Context) -> list[datetime]:
    """Every lend and return time, a minute either side, and the hours of the office's days."""
    out = {ctx.now}
    for loan in ctx.of(KeyLoan):
        for e in loan.events:
            out |= {e.at, e.at - timedelta(minutes=1), e.at + timedelta(minutes=1)}
    start = min(out)
    out |= {start + timedelta(hours=h) for h in range(0, int((ctx.now - start).total_seconds() // 3600), 5)}
    return sorted(out)


# -- the indexed rules against them ------------------------------------------------------------


def test_key_loan_02_one_holder_per_copy_matches_the_pairwise_definition(ctx: Context) -> None:
    expected = shown(plain_one_holder_per_copy(ctx))
    assert expected, "the random office should lend some copy twice"
    assert shown(one_holder_per_copy(ctx)) == expected


def test_key_chk_01_loans_out_at_every_instant_matches_a_scan(ctx: Context) -> None:
    seen_out = 0
    for at in instants(ctx)[::13]:
        expected = plain_loans_out_at(ctx, at)
        assert loans_out_at(ctx, at) == expected, at
        seen_out += len(expected)
    assert seen_out


def test_key_chk_01_daily_check_findings_match(ctx: Context) -> None:
    def plain(check: KeyCheck) -> list[tuple[Any, ...]]:
        custodians = {c.custodian for k in ctx.of(Key) for c in k.fold()["copies"] if c.custodian}
        noted = {n.loan for n in check.outstanding}
        out = []
        if check.checked_by not in custodians and not ctx.staff[check.checked_by].has_role(*_cs_assistant()):
            out.append("checked_by")
        out += [loan.id for loan in plain_loans_out_at(ctx, check.checked_at) if loan.id not in noted]
        return out

    total = 0
    for check in ctx.of(KeyCheck):
        got = check_notes(check, ctx)
        ids = ["checked_by" if p.loc == ("checked_by",) else p.message.split("(")[1].split(",")[0] for p in got]
        assert ids == plain(check), check.id
        total += len(ids)
    assert total


def _cs_assistant() -> tuple[Any, ...]:
    from csops.models.common import Role

    return (Role.cs_assistant,)


def test_key_shift_01_sheets_still_out_match_a_scan(ctx: Context) -> None:
    conflicts = 0
    for sheet in ctx.of(KeyShift):
        if sheet.pickup() is None:
            continue
        expected = plain_held_elsewhere(sheet, ctx)
        got = [p for p in shift_pickup(sheet, ctx) if "尚未交回" in p.message]
        assert [p.message for p in got] == [
            f"{', '.join(held)} 已由 {ctx.name(ctx.get('key_shift', other).pickup().by)} 在 {other} 领取, 尚未交回中控室"  # type: ignore[union-attr]
            for other, held in expected], sheet.id
        conflicts += len(got)
    assert conflicts, "the random office should leave some area keys out"


def test_key_pending_and_status_match_a_scan(ctx: Context) -> None:
    for at in instants(ctx)[::29]:
        for staff_id in (None, "Z001", "L001"):
            got = [(i.record_id, i.owner, i.kind) for i in pending(ctx, staff_id, at)]
            assert got == plain_pending(ctx, staff_id, at), (staff_id, at)


def test_spans_agree_with_the_interval_definition() -> None:
    import random

    rnd = random.Random(7)
    base = datetime.fromisoformat("2026-01-01T00:00:00+08:00")
    rows = []
    for n in range(400):
        start = base + timedelta(minutes=rnd.randint(0, 60 * 24 * 200))
        end = None if rnd.random() < 0.05 else start + timedelta(minutes=rnd.choice((
            -5, 0, 1, 30, 600, 60 * 24 * 3, 60 * 24 * 70, 60 * 24 * 400)))
        rows.append((start, end, n))
    spans = Spans(rows)
    for _ in range(500):
        t = base + timedelta(minutes=rnd.randint(-100, 60 * 24 * 700))
        assert sorted(spans.at(t)) == [n for s, e, n in rows if s <= t and (e is None or e > t)]
    assert sorted(spans.at(rows[0][0])) == [n for s, e, n in rows if s <= rows[0][0] and (e is None or e > rows[0][0])]


# -- folds cached once per record version ------------------------------------------------------


def test_cached_folds_follow_new_versions_of_a_record(ctx: Context) -> None:
    loan = next(x for x in ctx.of(KeyLoan) if x.closed_at() is None and x.events)
    state = loan.state_at()
    back = LoanReturned(at=loan.lent_at + timedelta(hours=1), by="A001", returned_by=loan.borrower)
    new = loan.model_copy(update={"events": [*loan.events, back]})  # as the commands build a new version
    assert new.closed_at() == back.at and new.returned is back and new.state_at().value == "returned"
    assert loan.closed_at() is None and loan.state_at() is state  # the old version is untouched
    again = KeyLoan.model_validate(new.model_dump())
    assert again == new and again.closed_at() == back.at
    assert pickle.loads(pickle.dumps(new)) == new
    assert new.model_dump() == KeyLoan.model_validate(new.model_dump()).model_dump()
    new.events.append(back.model_copy(update={"at": back.at + timedelta(hours=1)}))  # in place, too
    assert len(new.events) == len(again.events) + 1 and new.closed_at() == back.at

    key = next(k for k in ctx.of(Key) if k.fold()["copies"])
    copy_no = key.fold()["copies"][0].copy_no
    lost = key.model_copy(update={"events": [*key.events, KeyLost(at=ctx.now, by="B001", copy_no=copy_no)]})
    assert lost.copy_of(copy_no).lost and not key.copy_of(copy_no).lost  # type: ignore[union-attr]
    key.fold()["copies"].clear()  # a caller's list is its own
    assert key.fold()["copies"]
    assert key == Key.model_validate(key.model_dump()) and pickle.loads(pickle.dumps(key)) == key


# -- "now" only where the answer depends on it -------------------------------------------------


#: Record rules that may read "now", and the records for which they may.
NOW_ALLOWED = {
    "KEY-LOAN-02": lambda r: isinstance(r, KeyLoan) and r.closed_at() is None,
    "KEY-SHIFT-02": lambda r: r.return_event() is None,
    "KEY-SEAL-06": lambda r: r.fold()["state"].value == "unsealed",
    "REG-HAZ-05": lambda r: r.draw() is not None and r.returned() is None,
    "STORE-EVT-02": lambda r: True,  # whether an event is in the future is a question about now
}


def test_record_rules_read_now_only_for_open_items(ctx: Context) -> None:
    """Reading "now" is what the result cache tracks (csops.tracking): a comparison with the clock
    narrows the interval in which a cached finding holds, any other use makes it re-run every time."""
    records = [r for r, _ in ctx.entries if r.KIND in ("key", "key_loan", "key_check", "key_shift", "hazmat",
                                                       "swap", "handover", "roster")]
    read: dict[str, int] = {}
    for rule in load_rules():
        if rule.scope != "record" or rule.fn.__module__ == "csops.rules.tickets":
            continue
        for record in records:
            if rule.kinds and record.KIND not in rule.kinds:
                continue
            with ctx.tracking(Tracker()) as tracker:
                list(rule.fn(record, ctx))
            if tracker.lo is not None or tracker.hi is not None or tracker.opaque:
                allowed = NOW_ALLOWED.get(rule.id)
                assert allowed is not None and allowed(record), f"{rule.id} {rule.fn.__name__} read now for {record.id}"
                read[rule.id] = read.get(rule.id, 0) + 1
    assert read.get("KEY-LOAN-02"), "some loan of the random office is still out"
