"""What a member of staff still owes, computed from the records: the handover's pending matters.

Each family registers a provider ``"module:function"`` in ``PROVIDERS``; a provider takes
``(ctx, staff_id, at)`` and returns the :class:`PendingItem` values open *as of* ``at`` for that
person (``staff_id=None``: for anyone), ignoring events after ``at``. Handovers list them; nothing
here is stored, so a closed ticket or a returned key drops out by itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csops.context import Context

#: Providers, "module:function". Tickets and key loans add theirs.
PROVIDERS: list[str] = [
    "csops.sla:pending",
    "csops.keystatus:pending",
]


@dataclass(frozen=True)
class PendingItem:
    kind: str  # record kind, e.g. "ticket", "key_loan"
    record_id: str
    summary: str  # one line in Chinese, e.g. "投诉 T-2611-A003 待回访"
    owner: str | None = None  # staff id who owes it
    due: datetime | None = None  # next deadline, if any
    overdue: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "record_id": self.record_id, "summary": self.summary, "owner": self.owner,
            "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
        }


def pending_for(ctx: Context, staff_id: str | None, at: datetime) -> list[PendingItem]:
    items: list[PendingItem] = []
    for spec in PROVIDERS:
        module, attr = spec.split(":")
        items.extend(getattr(importlib.import_module(module), attr)(ctx, staff_id, at))
    return sorted(items, key=lambda i: (i.due is None, i.due or at, i.kind, i.record_id))
