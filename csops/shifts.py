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


def approved_swaps(ctx: Context, extra: Iterable[Swap] = ()) -> list[Swap]:
    found = {s.id: s for s in ctx.of(Swap) if s.fold() is SwapStatus.approved}
    for s in extra:
        found[s.id] = s
    return sorted(found.values(), key=lambda s: s.id)


def day_slots(ctx: Context, day: date, swaps: list[Swap] | None = None) -> list[Slot]:
    """Every staffed shift of ``day`` in the effective roster."""
    roster = roster_for(ctx, day)
    if roster is None or day not in roster.days:
        return []
    assigned: dict[tuple[str, str], tuple[str, str]] = {
        (post, shift): (staff, "roster") for post, shifts in roster.days[day].on.items() for shift, staff in shifts.items()
    }
    for swap in approved_swaps(ctx) if swaps is None else swaps:
        for ref, to, origin in ((swap.shift, swap.counterpart, "swap"), (swap.repay, swap.requester, "repay")):
            if ref.date == day and (ref.post, ref.shift) in assigned:
                assigned[(ref.post, ref.shift)] = (to, origin)
    out = []
    for (post, shift), (staff, origin) in sorted(assigned.items()):
        when = span(ctx, roster, day, post, shift)
        if when:
            out.append(Slot(day, post, shift, staff, when[0], when[1], origin))
    return out


def who(ctx: Context, day: date, post: str, shift: str, swaps: list[Swap] | None = None) -> Slot | None:
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


def person_slots(ctx: Context, staff: str, days: Iterable[date], swaps: list[Swap] | None = None) -> list[Slot]:
    return [s for d in sorted(set(days)) for s in day_slots(ctx, d, swaps) if s.staff == staff]


def shift_start(ctx: Context, day: date, post: str, shift: str) -> datetime | None:
    roster = roster_for(ctx, day)
    when = span(ctx, roster, day, post, shift) if roster else None
    return when[0] if when else None


def at_time(ctx: Context, day: date, hhmm: time) -> datetime:
    return datetime.combine(day, hhmm, ctx.calendar.tz)
