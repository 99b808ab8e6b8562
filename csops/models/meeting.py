"""Meeting minutes (会议纪要): decisions with an owner and a deadline (RPT-13), meeting cadence (RPT-14).

``records/meetings/20YY/MM/MT-YYMM-Snnn.yaml``. The history is an append-only list of events:
the meeting is held, decisions are recorded, each decision is later marked done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from csops.labels import LabeledEnum
from csops.models.common import Event, EventedRecord, Instant, StaffId


class MeetingType(LabeledEnum):
    weekly = "weekly", "周会"
    monthly = "monthly", "月度总结会"
    quarterly = "quarterly", "季度战略会"
    other = "other", "其他会议"


class Held(Event):
    action: Literal["held"] = "held"
    type: MeetingType
    chair: StaffId
    attendees: list[StaffId] = Field(default_factory=list)
    content: str = Field(min_length=1, description="会议内容")


class Decided(Event):
    action: Literal["decided"] = "decided"
    text: str = Field(min_length=1, description="决议")
    owner: StaffId = Field(description="责任人")
    due: Instant = Field(description="完成时限")


class Done(Event):
    action: Literal["done"] = "done"
    decision: int = Field(ge=1, description="number of the decision (1 = first recorded)")


MeetingEvent = Annotated[Held | Decided | Done, Field(discriminator="action")]


class Decision:
    def __init__(self, number: int, event: Decided, done_at: datetime | None) -> None:
        self.number = number
        self.text = event.text
        self.owner = event.owner
        self.due = event.due
        self.done_at = done_at


class Meeting(EventedRecord):
    KIND: ClassVar[str] = "meeting"
    FOLDER: ClassVar[str] = "meetings"
    ID_PREFIX: ClassVar[str] = "MT"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("open_decisions",)

    id: str = Field(pattern=r"^MT-\d{4}-[A-Z]{1,3}\d{3,}$")
    open_decisions: int = 0
    events: list[MeetingEvent] = Field(min_length=1)

    @property
    def held(self) -> Held | None:
        return next((e for e in self.events if isinstance(e, Held)), None)

    def decisions(self) -> list[Decision]:
        decided = [e for e in self.events if isinstance(e, Decided)]
        done = {e.decision: e.at for e in self.events if isinstance(e, Done)}
        return [Decision(i, e, done.get(i)) for i, e in enumerate(decided, start=1)]

    def derived_summary(self) -> dict[str, Any]:
        return {"open_decisions": sum(1 for d in self.decisions() if d.done_at is None)}
