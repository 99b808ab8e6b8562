"""The duty roster (排班表) and shift swaps (换班登记表).

One roster file per month, ``records/rosters/<YYYY-MM>.yaml``: the posts and their shifts (start and
end, a night shift may run past midnight) and, for every day, the duty manager and who is on which
shift. Changing the roster is a commit like any other (``csops roster set``). A shift swap is an
evented record ``records/swaps/<YYYY>/<MM>/SW-....yaml``; once approved it changes the *effective*
roster (see :mod:`csops.shifts`), which handovers are checked against.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from csops.labels import LabeledEnum
from csops.models.common import Confirmed, Event, EventedRecord, Instant, Model, Record, StaffId
from csops.models.staff import once_per_events

_SHIFT_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_KEY_RE = r"^[a-z][a-z0-9_]*$"


def parse_shift(text: str) -> tuple[time, time]:
    """"08:00-13:00" → (08:00, 13:00); "18:00-08:00" ends the next morning."""
    match = _SHIFT_RE.match(text)
    if not match:
        raise ValueError(f"shift {text!r} must look like 08:00-13:00 (18:00-08:00 runs past midnight)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h1, m1) == (h2, m2):
        raise ValueError(f"shift {text!r} has no length")
    return time(h1, m1), time(h2, m2)


class DayPlan(Model):
    """One day of the roster."""

    duty_manager: StaffId | None = Field(None, description="值班经理 (HOV-DUTY-01)")
    #: post → shift → 工号.
    on: dict[str, dict[str, StaffId]] = Field(default_factory=dict)
    #: Staff on approved leave that day (HOV-SWP-04: not on a swap or repay day).
    leave: list[StaffId] = Field(default_factory=list)


class Roster(Record):
    KIND: ClassVar[str] = "roster"
    FOLDER: ClassVar[str] = "rosters"

    id: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month, YYYY-MM")
    #: post → shift → "HH:MM-HH:MM".
    shifts: dict[Annotated[str, Field(pattern=_KEY_RE)], dict[Annotated[str, Field(pattern=_KEY_RE)], str]]
    days: dict[date, DayPlan] = Field(default_factory=dict)
    approved_by: StaffId = Field(description="排班表 drawn up by the CS supervisor (ROLE-01)")

    @field_validator("shifts")
    @classmethod
    def _shifts_parse(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for shifts in value.values():
            for text in shifts.values():
                parse_shift(text)
        return value

    @property
    def month(self) -> tuple[int, int]:
        return int(self.id[:4]), int(self.id[5:])

    def window(self, post: str, shift: str) -> tuple[time, time] | None:
        text = self.shifts.get(post, {}).get(shift)
        return parse_shift(text) if text else None


class SwapStatus(LabeledEnum):
    requested = "requested", "待对方同意"
    agreed = "agreed", "待经理批准"
    approved = "approved", "已批准"
    declined = "declined", "未同意"
    withdrawn = "withdrawn", "已撤回"


class SwapRequested(Event):
    action: Literal["requested"] = "requested"


class SwapAgreed(Event):
    action: Literal["agreed"] = "agreed"


class SwapApproved(Event):
    action: Literal["approved"] = "approved"


class SwapDeclined(Event):
    """Not agreed by the counterpart, or not approved by the manager (HOV-SWP-01)."""

    action: Literal["declined"] = "declined"


class SwapWithdrawn(Event):
    """The requester takes the request back before it is approved."""

    action: Literal["withdrawn"] = "withdrawn"


SwapEvent = Annotated[SwapRequested | SwapAgreed | SwapApproved | SwapDeclined | SwapWithdrawn | Confirmed,
                      Field(discriminator="action")]


class ShiftRef(Model):
    date: date
    post: str
    shift: str

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.post}.{self.shift}"

    def text(self, label: Callable[[str], str]) -> str:
        """For people: the date and the post and shift by their names, e.g. 2026-11-03 客服中心早班."""
        return f"{self.date.isoformat()} {label(self.post)}{label(self.shift)}"


class Swap(EventedRecord):
    """换班登记表: the requester gives ``shift`` to the counterpart and works ``repay`` (还班) in return."""

    KIND: ClassVar[str] = "swap"
    FOLDER: ClassVar[str] = "swaps"
    ID_PREFIX: ClassVar[str] = "SW"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status",)

    requester: StaffId = Field(description="换班者")
    counterpart: StaffId = Field(description="还班者")
    shift: ShiftRef = Field(description="the requester's shift, worked by the counterpart")
    repay: ShiftRef = Field(description="the counterpart's shift, worked by the requester (还班)")
    reason: str = Field(min_length=1, description="HOV-SWP-08")
    status: SwapStatus = SwapStatus.requested
    events: list[SwapEvent] = Field(default_factory=list)

    @once_per_events
    def fold(self) -> SwapStatus:
        state = SwapStatus.requested
        for event in self.events:
            if event.action != "confirm":  # a confirmation leaves the status where it was
                state = SwapStatus(event.action)
        return state

    def derived_summary(self) -> dict[str, Any]:
        return {"status": self.fold()}

    def event(self, action: str) -> Event | None:
        return next((e for e in self.events if e.action == action), None)

    @property
    def requested_at(self) -> Instant | None:
        first = self.event("requested")
        return first.at if first else None

    @property
    def active(self) -> bool:
        return self.fold() not in (SwapStatus.declined, SwapStatus.withdrawn)

    def parties(self) -> tuple[str, str]:
        return self.requester, self.counterpart
