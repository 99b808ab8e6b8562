"""The record kinds csops knows, and where each lives under ``records/``."""

from __future__ import annotations

from functools import cache

from csops.models.common import ID_RE, Record


@cache
def kinds() -> dict[str, type[Record]]:
    """Kind name → model. Domain modules register here (one line each)."""
    from csops.models.handover import DutyLog, Handover
    from csops.models.hazmat import HazmatEntry
    from csops.models.key import Key, KeyCheck, KeyLoan, KeyShift
    from csops.models.meeting import Meeting
    from csops.models.policy import Policy
    from csops.models.roster import Roster, Swap
    from csops.models.staff import Staff
    from csops.models.ticket import Ticket

    models: list[type[Record]] = [Policy, Staff, Meeting]
    models += [Key, KeyLoan, KeyCheck, KeyShift, HazmatEntry]
    models += [Roster, Swap, Handover, DutyLog]
    models += [Ticket]
    return {model.KIND: model for model in models}


def kind_for_relpath(rel: str) -> str | None:
    """Kind of the record file at ``rel`` (relative to the records folder), by its folder."""
    if rel == "policy.yaml":
        return "policy"
    folder = rel.split("/", 1)[0]
    for name, model in kinds().items():
        if model.FOLDER and folder == model.FOLDER:
            return name
    return None


def kind_for_id(record_id: object) -> str | None:
    """Kind whose allocated ids look like ``record_id`` (``T-2611-A001`` → ticket), if any."""
    match = ID_RE.match(record_id) if isinstance(record_id, str) else None
    if match is None:
        return None
    return next((name for name, model in kinds().items() if match.group("prefix") == model.ID_PREFIX), None)
