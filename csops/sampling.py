"""The quarterly sampling callback (TKT-CB-06, KPI-07, RPT-06): which repair records the CS-centre
director calls back, drawn so that anyone can draw the same sample again.

The population is the quarter's handled repairs (received in the quarter, resolved at least once).
They are drawn per department that handled them, so the sample covers every service area the
quarter had (维修服务、前台接待、保洁绿化、治安管理 ...), at ``kpi.sampling_rate`` (20%) of each,
rounded up. The draw is no random generator: each ticket's rank is the SHA-256 of the seed commit,
the quarter and its id, and the lowest ranks are taken. The seed is by default the last commit on
the first-parent line at the quarter's end, so the sample of a past quarter never changes and
needs nothing but the history to check (``--seed`` names another commit).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csops.context import Context


@dataclass(frozen=True)
class Drawn:
    ticket: str
    stratum: str
    rank: str  # the hex digest that placed it: a reviewer can recompute it


def quarter_bounds(tz: Any, quarter: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``2026Q4`` in the office's zone; ValueError for anything else."""
    text = quarter.strip().upper()
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        raise ValueError(f"{quarter!r} is not a quarter like 2026Q4")
    year, q = int(text[:4]), int(text[5])
    start = datetime(year, 3 * q - 2, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz) if q == 4 else datetime(year, 3 * q + 1, 1, tzinfo=tz)
    return start, end


def rank(seed: str, quarter: str, ticket_id: str) -> str:
    return hashlib.sha256(f"{seed}:{quarter}:{ticket_id}".encode()).hexdigest()


def draw(population: dict[str, str], rate: float, seed: str, quarter: str) -> list[Drawn]:
    """``rate`` of each stratum of ``population`` (ticket id → stratum), rounded up, by lowest rank;
    in stratum, then rank order."""
    by_stratum: dict[str, list[str]] = {}
    for ticket_id, stratum in population.items():
        by_stratum.setdefault(stratum, []).append(ticket_id)
    out: list[Drawn] = []
    for stratum in sorted(by_stratum):
        ranked = sorted((rank(seed, quarter, t), t) for t in by_stratum[stratum])
        take = math.ceil(rate * len(ranked) - 1e-9)
        out += [Drawn(t, stratum, r) for r, t in ranked[:take]]
    return out


def _handled_repair(t: Any, ctx: Context) -> tuple[float, str] | None:
    """The fact: (received, who handled it) of a repair resolved at least once; None otherwise."""
    if t.type.value != "repair" or not t.events or not t.of_action("resolve"):
        return None
    return t.received_at.timestamp(), t.of_action("resolve")[-1].by


def population(ctx: Context, start: datetime, end: datetime) -> dict[str, tuple[str, str]]:
    """rel → (handler, department) of the repairs received in ``[start, end)`` and handled."""
    from csops.facts import facts

    lo, hi = start.timestamp(), end.timestamp()
    found = facts(ctx, "ticket", "handled-repair", _handled_repair)
    out = {}
    for rel, fact in found.items():
        if fact is not None and lo <= fact[0] < hi:
            person = ctx.staff.get(fact[1])
            out[rel] = (fact[1], person.department.label if person is not None else "未知部门")
    return out


def seed_commit(root: Any, end: datetime) -> str | None:
    """The last commit on HEAD's first-parent line made before ``end`` (the quarter's end)."""
    from csops import git

    return git.last_commit_before(root, end - timedelta(seconds=1))
