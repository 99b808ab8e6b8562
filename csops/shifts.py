"""The effective roster: the month's roster with approved swaps applied (HOV-SWP-01).

Pure functions over the Context. Handovers check their outgoing and incoming staff against this,
and the swap rules use it to find back-to-back shifts (连班).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from csops.models.roster import Roster, Swap, SwapStatus

if TYPE_CHECKING:
    from csops.context import Context


@dataclass(frozen=True)
class Slot:
    """One person's shift: a post and shift on a day, with its start and end instants."""

    day: date
    post: str
    shift: str
    staff: str
    start: datetime
    end: datetime
    origin: str = "roster"  # roster | swap | repay

    @property
    def label(self) -> str:
        return f"{self.day.isoformat()} {self.post}.{self.shift} {self.start:%H:%M}-{self.end:%H:%M}"


def roster_for(ctx: Context, day: date) -> Roster | None:
    record = ctx.get("roster", f"{day.year:04d}-{day.month:02d}")
    return record if isinstance(record, Roster) else None


def span(ctx: Context, roster: Roster, day: date, post: str, shift: str) -> tuple[datetime, datetime] | None:
    window = roster.window(post, shift)
    if window is None:
        return None
    tz = ctx.calendar.tz
    start = datetime.combine(day, window[0], tz)
    end_day = day + timedelta(days=1) if window[1] <= window[0] else day
    return start, datetime.combine(end_day, window[1], tz)


def _approved(ctx: Context) -> list[Swap]:
    return ctx.memo("keys.approved_swaps", lambda: sorted(
        (s for s in ctx.of(Swap) if s.fold() is SwapStatus.approved), key=lambda s: s.id))


def approved_swaps(ctx: Context, extra: Iterable[Swap] = ()) -> list[Swap]:
    found = {s.id: s for s in _approved(ctx)}
    for s in extra:
        found[s.id] = s
    return sorted(found.values(), key=lambda s: s.id)


#: One change a swap makes to a day: (swap id, 0 for its shift or 1 for its repay, post, shift, who, origin).
Move = tuple[str, int, str, str, str, str]


def _moves(swap: Swap) -> list[tuple[date, Move]]:
    return [(ref.date, (swap.id, n, ref.post, ref.shift, to, origin)) for n, (ref, to, origin) in enumerate(
        ((swap.shift, swap.counterpart, "swap"), (swap.repay, swap.requester, "repay")))]


def _moves_by_day(swaps: Iterable[Swap]) -> dict[date, list[Move]]:
    out: dict[date, list[Move]] = {}
    for swap in swaps:
        for day, move in _moves(swap):
            out.setdefault(day, []).append(move)
    return out


@dataclass(frozen=True)
class Approved:
    """The tree's approved swaps without those of ``dropped`` ids, plus ``extra``, applied day by day.

    What ``approved_swaps(ctx, extra)`` (or that list less some ids) gives ``day_slots``, without a
    list of every swap per lookup: each day reads only its own swaps from an index built once.
    """

    by_day: dict[date, list[Move]]
    dropped: frozenset[str] = frozenset()
    extra: dict[date, list[Move]] | None = None

    def on(self, day: date) -> list[Move]:
        moves = [m for m in self.by_day.get(day, ()) if m[0] not in self.dropped]
        if self.extra:
            moves = sorted(moves + self.extra.get(day, []), key=lambda m: (m[0], m[1]))
        return moves


def approved(ctx: Context, *, without: Iterable[str] = (), extra: Iterable[Swap] = ()) -> Approved:
    """``approved_swaps(ctx, extra)`` less the swaps ``without`` names, as an :class:`Approved`."""
    added = list(extra)
    by_day = ctx.memo("keys.swaps_by_day", lambda: _moves_by_day(_approved(ctx)))
    return Approved(by_day, frozenset(without) | {s.id for s in added}, _moves_by_day(added) if added else None)


def day_slots(ctx: Context, day: date, swaps: list[Swap] | Approved | None = None) -> list[Slot]:
    """Every staffed shift of ``day`` in the effective roster."""
    if swaps is not None:
        return _day_slots(ctx, day, swaps)
    known: dict[date, list[Slot]] = ctx.memo("keys.day_slots", dict)
    if day not in known:
        known[day] = _day_slots(ctx, day, None)
    return list(known[day])


def _day_slots(ctx: Context, day: date, swaps: list[Swap] | Approved | None) -> list[Slot]:
    roster = roster_for(ctx, day)
    if roster is None or day not in roster.days:
        return []
    assigned: dict[tuple[str, str], tuple[str, str]] = {
        (post, shift): (staff, "roster") for post, shifts in roster.days[day].on.items() for shift, staff in shifts.items()
    }
    if swaps is None:
        moves = approved(ctx).on(day)
    elif isinstance(swaps, Approved):
        moves = swaps.on(day)
    else:
        moves = [move for swap in swaps for d, move in _moves(swap) if d == day]
    for _, _, post, shift, to, origin in moves:
        if (post, shift) in assigned:
            assigned[(post, shift)] = (to, origin)
    out = []
    for (post, shift), (staff, origin) in sorted(assigned.items()):
        when = span(ctx, roster, day, post, shift)
        if when:
            out.append(Slot(day, post, shift, staff, when[0], when[1], origin))
    return out


def who(ctx: Context, day: date, post: str, shift: str, swaps: list[Swap] | Approved | None = None) -> Slot | None:
    return next((s for s in day_slots(ctx, day, swaps) if (s.post, s.shift) == (post, shift)), None)


def outgoing_slot(ctx: Context, day: date, post: str, shift: str, from_post: str | None = None) -> Slot | None:
    """The shift on ``from_post`` (default: the same post) that ends when ``post.shift`` starts."""
    incoming = who(ctx, day, post, shift)
    roster = roster_for(ctx, day)
    if roster is None:
        return None
    start = span(ctx, roster, day, post, shift)
    if start is None:
        return None
    for d in (day, day - timedelta(days=1)):
        for slot in day_slots(ctx, d):
            if slot.post == (from_post or post) and slot.end == start[0] and slot is not incoming:
                return slot
    return None


def back_to_back(slots: list[Slot]) -> list[tuple[Slot, Slot]]:
    """Pairs of one person's shifts where one ends exactly when (or after) the next starts: 连班."""
    ordered = sorted(slots, key=lambda s: s.start)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if a.end >= b.start]


def person_slots(ctx: Context, staff: str, days: Iterable[date],
                 swaps: list[Swap] | Approved | None = None) -> list[Slot]:
    return [s for d in sorted(set(days)) for s in day_slots(ctx, d, swaps) if s.staff == staff]


def shift_start(ctx: Context, day: date, post: str, shift: str) -> datetime | None:
    roster = roster_for(ctx, day)
    when = span(ctx, roster, day, post, shift) if roster else None
    return when[0] if when else None


def at_time(ctx: Context, day: date, hhmm: time) -> datetime:
    return datetime.combine(day, hhmm, ctx.calendar.tz)
