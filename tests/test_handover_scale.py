"""HOV-SWP-01/02/03, HOV-REV-01 and HOV-SEC-01/02 at scale: the effective roster from the by-day swap
index, and the swap rules from their per-party indexes, give exactly what the straightforward
definitions (every approved or active swap scanned per lookup) give, on seeded random offices."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from csops import shifts
from csops.context import Context
from csops.models.handover import Handover
from csops.models.roster import Swap, SwapStatus
from csops.rules import Problem
from csops.rules.handovers import (
    _name,
    daily_review,
    evening_handover_due,
    handover_matches_roster,
    morning_handover_due,
    swap_consent_and_approval,
    swap_monthly_limit,
    swap_no_back_to_back,
)
from csops.shifts import Slot
from tests.scale_support import office

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module", params=SEEDS)
def ctx(request: pytest.FixtureRequest) -> Context:
    return office(45, seed=request.param, loans_per_day=1)


def shown(problems: Iterable[Problem]) -> list[tuple[Any, ...]]:
    return [(p.message, p.loc, p.hint, p.severity, getattr(p.target, "id", None)) for p in problems]


# -- the straightforward definitions ----------------------------------------------------------


def plain_approved(ctx: Context, extra: Iterable[Swap] = ()) -> list[Swap]:
    found = {s.id: s for s in ctx.of(Swap) if s.fold() is SwapStatus.approved}
    for s in extra:
        found[s.id] = s
    return sorted(found.values(), key=lambda s: s.id)


def plain_day_slots(ctx: Context, day: date, swaps: list[Swap] | None = None) -> list[Slot]:
    roster = shifts.roster_for(ctx, day)
    if roster is None or day not in roster.days:
        return []
    assigned = {(post, shift): (staff, "roster") for post, by in roster.days[day].on.items() for shift, staff in by.items()}
    for swap in plain_approved(ctx) if swaps is None else swaps:
        for ref, to, origin in ((swap.shift, swap.counterpart, "swap"), (swap.repay, swap.requester, "repay")):
            if ref.date == day and (ref.post, ref.shift) in assigned:
                assigned[(ref.post, ref.shift)] = (to, origin)
    out = []
    for (post, shift), (staff, origin) in sorted(assigned.items()):
        when = shifts.span(ctx, roster, day, post, shift)
        if when:
            out.append(Slot(day, post, shift, staff, when[0], when[1], origin))
    return out


def plain_active(ctx: Context) -> list[Swap]:
    return sorted((s for s in ctx.of(Swap) if s.active),
                  key=lambda s: (s.requested_at or datetime.max.replace(tzinfo=ctx.calendar.tz), s.id))


def plain_monthly_limit(record: Swap, ctx: Context) -> Iterator[str]:
    if not record.active:
        return
    limit = ctx.policy.swap.max_per_month
    month = record.shift.date.strftime("%Y-%m")
    swaps = [s for s in plain_active(ctx) if s.shift.date.strftime("%Y-%m") == month]
    for party in record.parties():
        ids = [s.id for s in swaps if party in s.parties()]
        if record.id in ids and ids.index(record.id) >= limit:
            yield f"{party} {ids.index(record.id) + 1} {', '.join(ids[:limit])}"


def plain_consecutive(record: Swap, ctx: Context) -> Iterator[str]:
    if not record.active or record.requested_at is None:
        return
    asked_on = ctx.calendar.local(record.requested_at).date()
    for other in plain_active(ctx):
        if other.id == record.id or other.requested_at is None or other.requested_at >= record.requested_at:
            continue
        last_day = max(other.shift.date, other.repay.date)
        for party in dict.fromkeys(p for p in record.parties() if p in other.parties()):
            if last_day >= asked_on:
                yield f"{_name(ctx, party)}'s previous swap {other.id} is not repaid until {last_day.isoformat()}"


def days_of(ctx: Context) -> list[date]:
    first = min(h.date for h in ctx.of(Handover))
    return [first + timedelta(days=n) for n in range((ctx.now.date() - first).days + 10)]


# -- the indexed versions against them --------------------------------------------------------


def test_hov_swp_01_effective_roster_matches_a_scan_of_every_swap(ctx: Context) -> None:
    swaps = list(ctx.of(Swap))
    assert any(s.fold() is SwapStatus.approved for s in swaps)
    moved = 0
    for day in days_of(ctx):
        expected = plain_day_slots(ctx, day)
        assert shifts.day_slots(ctx, day) == expected, day
        moved += sum(s.origin != "roster" for s in expected)
        for record in swaps[::7]:
            without = [s for s in plain_approved(ctx) if s.id != record.id]
            assert shifts.day_slots(ctx, day, shifts.approved(ctx, without=[record.id])) == plain_day_slots(
                ctx, day, without)
            assert shifts.day_slots(ctx, day, shifts.approved(ctx, extra=[record])) == plain_day_slots(
                ctx, day, plain_approved(ctx, [record]))
    assert moved, "some approved swap should change the roster"
    assert shifts.approved_swaps(ctx) == plain_approved(ctx)


def test_hov_swp_01_handover_and_swap_findings_are_the_rosters(ctx: Context) -> None:
    """The rules' own findings, with the effective roster computed the plain way (by patching shifts)."""
    got_handovers = [shown(handover_matches_roster(h, ctx)) for h in ctx.of(Handover)]
    got_swaps = [shown(swap_consent_and_approval(s, ctx)) for s in ctx.of(Swap)]
    saved = shifts.day_slots, shifts.approved
    try:
        shifts.day_slots = plain_day_slots  # type: ignore[assignment]
        shifts.approved = lambda c, *, without=(), extra=(): [  # type: ignore[assignment]
            s for s in plain_approved(c, extra) if s.id not in set(without)]
        assert [shown(handover_matches_roster(h, ctx)) for h in ctx.of(Handover)] == got_handovers
        assert [shown(swap_consent_and_approval(s, ctx)) for s in ctx.of(Swap)] == got_swaps
    finally:
        shifts.day_slots, shifts.approved = saved
    assert any(got_handovers) and any(got_swaps)


def test_hov_swp_02_monthly_limit_matches_a_scan(ctx: Context) -> None:
    found = 0
    for record in ctx.of(Swap):
        got = [p.message for p in swap_monthly_limit(record, ctx)]
        expected = list(plain_monthly_limit(record, ctx))
        assert len(got) == len(expected), record.id
        for message, brief in zip(got, expected, strict=True):
            party, n, ids = brief.split(" ", 2)
            assert f"would have {n} swaps" in message and message.endswith(f"already filed: {ids}")
            assert ctx.name(party) in message
        found += len(got)
    assert found


def test_hov_swp_03_consecutive_swaps_match_a_scan(ctx: Context) -> None:
    found = 0
    for record in ctx.of(Swap):
        got = [p.message.split(": consecutive")[0] for p in swap_no_back_to_back(record, ctx)
               if "consecutive" in p.message]
        assert got == list(plain_consecutive(record, ctx)), record.id
        found += len(got)
    assert found


def test_hov_rev_01_and_hov_sec_01_02_match_their_definitions(ctx: Context) -> None:
    by_day: dict[date, list[Handover]] = {}
    for h in ctx.of(Handover):
        by_day.setdefault(h.date, []).append(h)
    today = ctx.calendar.local(ctx.now).date()
    review = [p for p in daily_review(ctx) if "not reviewed" in p.message]
    expected = [(d, sorted(h.id for h in hs if not h.first("reviewed")), min(hs, key=lambda h: h.id).id)
                for d, hs in sorted(by_day.items()) if d < today and any(not h.first("reviewed") for h in hs)]
    assert [(p.message.split(":")[0], p.target.id) for p in review] == [(d.isoformat(), t) for d, _, t in expected]
    assert all(", ".join(ids) in p.message for p, (_, ids, _) in zip(review, expected, strict=True))
    first = min(ctx.of(Handover), key=lambda h: h.id)
    for rule, kind in ((morning_handover_due, "security_to_cs"), (evening_handover_due, "cs_to_security")):
        have = {h.date for h in ctx.of(Handover) if h.type.value == kind}
        problems = list(rule(ctx))
        assert all(p.target is first for p in problems)
        assert {p.message[:10] for p in problems} <= {d.isoformat() for d in days_of(ctx) if d not in have}
    assert review
