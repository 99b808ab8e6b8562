"""Finding records by phone, customer, unit or any text, across families (``csops search``; issue 14).

What a record can be found by is a *fact* of it (csops.facts): its moment, its text and the digits
of that text, kept by the file's blob, so a search reads the record files only the first time and
then only what changed; the records it prints are loaded by path. A number is matched on its
digits alone, so 138-0000-0000, 138 0000 0000 and 13800000000 find the same customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.common import Record

#: Kinds not searched: the policy holds no one's data.
SKIP_KINDS = ("policy",)
_NON_DIGIT = re.compile(r"\D+")
#: Dates and times are not numbers anyone searches for (their digits would match any query).
_ISO_TIME = re.compile(r"\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?)?")
#: A query of at least this many digits (spaces and dashes aside) is a number.
NUMBER_DIGITS = 4


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def moment(record: Record, tz: Any = None) -> float | None:
    """When the record happened: its first event, else its own date (a handover's day, a roster's
    month, taken at midnight in the office's zone ``tz``)."""
    events = getattr(record, "events", None)
    if events:
        return float(events[0].at.timestamp())
    for name in ("at", "date", "month"):
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=tz).timestamp()
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
            return datetime(int(value[:4]), int(value[5:]), 1, tzinfo=tz).timestamp()
    return None


def search_fact(record: Record, ctx: Context) -> tuple[float | None, str, str]:
    """(moment, text in lower case, its digits, one value per line) of ``record``."""
    values = _strings(record.model_dump(mode="json", exclude_none=True))
    text = "\n".join(values)
    digits = "\n".join(d for d in (_NON_DIGIT.sub("", v) for v in values if not _ISO_TIME.fullmatch(v))
                       if len(d) >= NUMBER_DIGITS)
    return moment(record, ctx.calendar.tz), text.lower(), digits


@dataclass(frozen=True)
class Query:
    text: str

    @property
    def digits(self) -> str | None:
        """The number asked for, when the query is one (digits with spaces, dashes, a leading +)."""
        if re.fullmatch(r"[\d\s()+-]+", self.text):
            digits = _NON_DIGIT.sub("", self.text)
            if len(digits) >= NUMBER_DIGITS:
                return digits
        return None

    def matches(self, fact: tuple[float | None, str, str]) -> bool:
        number = self.digits
        if number is not None:
            return number in fact[2]
        return all(word in fact[1] for word in self.text.lower().split())


def find(ctx: Context, query: Query, kinds: list[str], since: datetime | None = None,
         until: datetime | None = None) -> list[tuple[str, str, float | None]]:
    """(kind, file, moment) of every record of ``kinds`` matching ``query`` in ``[since, until)``,
    newest first."""
    from csops.facts import facts

    lo = since.timestamp() if since else None
    hi = until.timestamp() if until else None
    found = []
    for kind in kinds:
        for rel, fact in facts(ctx, kind, "search", search_fact).items():
            when = fact[0]
            if (lo is not None or hi is not None) and when is None:
                continue
            if lo is not None and when is not None and when < lo:
                continue
            if hi is not None and when is not None and when >= hi:
                continue
            if query.matches(fact):
                found.append((kind, rel, when))
    found.sort(key=lambda f: (-(f[2] or 0.0), f[1]))
    return found


def title(record: Record) -> str:
    """One line saying what the record is about (its subject, content, name or place)."""
    for name in ("subject", "content", "name", "location", "reason", "shift_summary", "item"):
        value = getattr(record, name, None)
        if isinstance(value, str) and value.strip():
            line = value.strip().splitlines()[0]
            return line if len(line) <= 40 else line[:39] + "…"
    return ""


def snippet(record: Record, query: Query) -> str:
    """The first value that matched, for the reader to see why."""
    number = query.digits
    words = query.text.lower().split()
    for value in _strings(record.model_dump(mode="json", exclude_none=True)):
        hit = number in _NON_DIGIT.sub("", value) if number else any(w in value.lower() for w in words)
        if hit:
            line = " ".join(value.split())
            return line if len(line) <= 60 else line[:59] + "…"
    return ""
