"""The hazardous-materials register (危险品使用登记表, RULES.md §4.1).

One file per movement: a stock-in (``entry: stock_in``) or one use (``entry: use``: drawn, then the
unused remainder returned). The stock balance per item is computed over the whole register in time
order and may never go negative (REG-HAZ-05, a tree rule).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from csops.models.common import Confirmed, Event, EventedRecord, StaffId

#: REG-HAZ-01: the controlled materials named by 制度11 (policy ``hazmat.extra_items`` adds more).
HAZMAT_ITEMS: dict[str, str] = {
    "rat_poison": "鼠药",
    "dichlorvos": "敌敌畏",
    "cockroach_poison": "灭螂药",
    "alcohol": "酒精",
    "thinner": "稀料",
}


class StockIn(Event):
    action: Literal["stock_in"] = "stock_in"
    qty: float = Field(gt=0)
    storage: Literal["locked_separate"] | None = Field(None, description="REG-HAZ-03")


class Draw(Event):
    """REG-HAZ-02/04: ``by`` drew the material; the approver issued it in person."""

    action: Literal["draw"] = "draw"
    qty: float = Field(gt=0)
    purpose: str = Field(min_length=1)
    approved_by: StaffId
    issued_by: StaffId
    lend_out_to: str | None = Field(None, description="REG-HAZ-07: lent outside, needs permission")
    lend_out_approved_by: StaffId | None = None


class Return(Event):
    """REG-HAZ-05: what was used and what went back to the store."""

    action: Literal["return"] = "return"
    qty_used: float = Field(ge=0)
    qty_returned: float = Field(ge=0)
    received_by: StaffId | None = None


class HazIncident(Event):
    """REG-HAZ-06: an abnormality or accident during use, reported to a shift lead or supervisor."""

    action: Literal["incident"] = "incident"
    reported_to: StaffId
    account: str = Field(min_length=1)


HazEvent = Annotated[StockIn | Draw | Return | HazIncident | Confirmed, Field(discriminator="action")]


class HazmatEntry(EventedRecord):
    KIND: ClassVar[str] = "hazmat"
    FOLDER: ClassVar[str] = "hazmat"
    ID_PREFIX: ClassVar[str] = "HZ"
    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ("status",)

    entry: Literal["stock_in", "use"]
    item: str = Field(min_length=1, description="REG-HAZ-01: a controlled material identifier")
    unit: str = Field(min_length=1, description="瓶, 包, ml ...")
    status: Literal["stocked", "drawn", "closed"] = "stocked"
    events: list[HazEvent] = Field(default_factory=list)

    def draw(self) -> Draw | None:
        return next((e for e in self.events if isinstance(e, Draw)), None)

    def returned(self) -> Return | None:
        return next((e for e in self.events if isinstance(e, Return)), None)

    def derived_summary(self) -> dict[str, Any]:
        if self.entry == "stock_in":
            return {"status": "stocked"}
        return {"status": "closed" if self.returned() else "drawn"}

    def movements(self) -> list[tuple[Any, float, int]]:
        """(time, signed quantity, event index) of every stock movement in this record."""
        out: list[tuple[Any, float, int]] = []
        for i, event in enumerate(self.events):
            if isinstance(event, StockIn):
                out.append((event.at, event.qty, i))
            elif isinstance(event, Draw):
                out.append((event.at, -event.qty, i))
            elif isinstance(event, Return):
                out.append((event.at, event.qty_returned, i))
        return out
