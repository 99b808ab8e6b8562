"""What a rule evaluation depended on, so that its findings can be reused on the next run.

A rule reads the records (``ctx.of``, ``ctx.get``, ``ctx.staff`` ...) and "now". While a rule runs
under a :class:`Tracker`, the context notes which kinds of record it read, and ``ctx.now`` is a
:class:`TrackedNow`: a real ``datetime`` that also notes every comparison made with it. A deadline
check ``ctx.now > due`` gives the same answer for every "now" on the same side of ``due``, so the
tracker keeps the interval of instants around the run's "now" on which every comparison the rule
made comes out the same. The findings are reused while the records the rule read are unchanged and
the new "now" lies in that interval; any other use of "now" (printing it, its hour, hashing it)
makes the evaluation *opaque*: it is re-run every time.

This is what lets ``csops validate`` re-check only what a change touched and what a moving clock
crossed, instead of the office's whole past (see ARCHITECTURE.md, "Incremental checks").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

#: A bound of the validity interval: (instant as a POSIX timestamp, inclusive?).
Bound = tuple[float, bool]
ALL_KINDS = "*"


def id_read(kind: str, record_id: str) -> str:
    """The read of one record by its id (``ticket#T-2611-A0001``): ``ctx.get`` depends on that
    record alone, so a handover that links a ticket is not re-run when another ticket changes."""
    return f"{kind}#{record_id}"


def read_kind(read: str) -> str:
    """The kind a read is of: ``ticket`` for ``ticket`` and for ``ticket#T-2611-A0001``."""
    return read.partition("#")[0]


@dataclass
class Tracker:
    """The dependencies of one evaluation: kinds read and the validity interval of "now"."""

    kinds: set[str] = field(default_factory=set)
    lo: Bound | None = None  # now must be after this (or at it, when inclusive)
    hi: Bound | None = None  # now must be before this (or at it, when inclusive)
    opaque: bool = False

    def read(self, kind: str) -> None:
        self.kinds.add(kind)

    def above(self, instant: float, inclusive: bool) -> None:
        """The answers hold only while now > instant (>= when inclusive)."""
        if self.lo is None or instant > self.lo[0] or (instant == self.lo[0] and not inclusive):
            self.lo = (instant, inclusive)

    def below(self, instant: float, inclusive: bool) -> None:
        if self.hi is None or instant < self.hi[0] or (instant == self.hi[0] and not inclusive):
            self.hi = (instant, inclusive)

    def compared(self, now: float, threshold: float) -> None:
        """``now`` was compared with ``threshold``: the answer holds while now stays on the same side."""
        if now > threshold:
            self.above(threshold, False)
        elif now < threshold:
            self.below(threshold, False)
        else:
            self.above(threshold, True)
            self.below(threshold, True)

    def merge(self, other: Tracker) -> None:
        self.kinds |= other.kinds
        if other.lo is not None:
            self.above(*other.lo)
        if other.hi is not None:
            self.below(*other.hi)
        self.opaque = self.opaque or other.opaque

    def holds_at(self, now: datetime) -> bool:
        """Whether every comparison with "now" recorded here comes out the same at ``now``."""
        if self.opaque:
            return False
        t = now.timestamp()
        if self.lo is not None and not (t > self.lo[0] or (self.lo[1] and t == self.lo[0])):
            return False
        return self.hi is None or t < self.hi[0] or (self.hi[1] and t == self.hi[0])

    def state(self) -> tuple[Any, ...]:
        """A marshal-friendly form, for the result cache."""
        return (sorted(self.kinds), self.lo, self.hi, self.opaque)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Tracker:
        kinds, lo, hi, opaque = state
        return cls(set(kinds), tuple(lo) if lo else None, tuple(hi) if hi else None, bool(opaque))


def _stamp(value: datetime) -> float:
    return value.timestamp()


class _ComparedWithNow:
    """The comparison operators of a tracked value: ``_compare`` notes the threshold (or makes the
    evaluation opaque and returns None), then the plain values are compared."""

    _tracker: Tracker

    def _compare(self, other: Any) -> Any:
        raise NotImplementedError

    def _plain(self) -> Any:
        raise NotImplementedError

    def __lt__(self, other: Any) -> bool:
        o = self._compare(other)
        return self._plain() < o if o is not None else NotImplemented

    def __le__(self, other: Any) -> bool:
        o = self._compare(other)
        return self._plain() <= o if o is not None else NotImplemented

    def __gt__(self, other: Any) -> bool:
        o = self._compare(other)
        return self._plain() > o if o is not None else NotImplemented

    def __ge__(self, other: Any) -> bool:
        o = self._compare(other)
        return self._plain() >= o if o is not None else NotImplemented

    def __eq__(self, other: object) -> bool:
        o = self._compare(other)
        return bool(self._plain() == o) if o is not None else False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        self._tracker.opaque = True
        return hash(self._plain())


class TrackedNow(_ComparedWithNow, datetime):
    """``datetime`` for "now" that reports each comparison to a tracker.

    ``offset`` is what has been added to the real now (``now + timedelta(minutes=5)`` is still
    tracked, against thresholds moved back by the same amount).
    """

    _tracker: Tracker
    _offset: float

    @classmethod
    def wrap(cls, value: datetime, tracker: Tracker, offset: float = 0.0) -> TrackedNow:
        if isinstance(value, TrackedNow):  # nested tracking: wrap the real instant, unobserved
            value = value._plain()
        made = cls(value.year, value.month, value.day, value.hour, value.minute, value.second,
                   value.microsecond, value.tzinfo, fold=value.fold)
        object.__setattr__(made, "_tracker", tracker)
        object.__setattr__(made, "_offset", offset)
        object.__setattr__(made, "_p", value)
        return made

    def _plain(self) -> datetime:
        """The plain instant (kept at wrap time: comparisons are the hot path of every rule)."""
        return object.__getattribute__(self, "_p")

    def _compare(self, other: Any) -> datetime | None:
        if isinstance(other, datetime) and other.tzinfo is not None and self.tzinfo is not None:
            if isinstance(other, TrackedNow):  # now vs now: always the same answer
                return other._plain()
            plain = self._plain()
            # The real now is plain - offset; the answer flips where it crosses other - offset.
            self._tracker.compared(_stamp(plain) - self._offset, _stamp(other) - self._offset)
            return other
        self._tracker.opaque = True
        return None


    def __add__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return TrackedNow.wrap(self._plain() + other, self._tracker, self._offset + other.total_seconds())
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return TrackedNow.wrap(self._plain() - other, self._tracker, self._offset - other.total_seconds())
        if isinstance(other, datetime):
            if isinstance(other, TrackedNow):
                return self._plain() - other._plain()
            return TrackedDelta.wrap(self._plain() - other, self._tracker, _stamp(other) + self._offset, 1)
        return NotImplemented

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, datetime):
            return TrackedDelta.wrap(other - self._plain(), self._tracker, _stamp(other) - self._offset, -1)
        return NotImplemented

    def astimezone(self, tz: tzinfo | None = None) -> TrackedNow:
        return TrackedNow.wrap(self._plain().astimezone(tz), self._tracker, self._offset)

    def date(self) -> date:
        """The calendar day of this instant in its own zone: the same for the whole of that day."""
        plain = self._plain()
        start = plain.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
        self._tracker.above(_stamp(start) - self._offset, True)
        self._tracker.below(_stamp(end) - self._offset, False)
        return plain.date()

    def timestamp(self) -> float:
        return TrackedStamp.wrap(self._plain().timestamp(), self._tracker, self._offset)

    def __getattribute__(self, name: str) -> Any:
        if name in _PASS_THROUGH or name.startswith("__"):
            return object.__getattribute__(self, name)
        # Anything else (hour, weekday(), isoformat(), strftime() ...) makes the answer depend on
        # "now" in a way we do not follow: the evaluation is re-run every time.
        object.__getattribute__(self, "_tracker").opaque = True
        return object.__getattribute__(self, name)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self._plain().__reduce_ex__(protocol)


_PASS_THROUGH = frozenset({
    "_tracker", "_offset", "_p", "wrap", "_plain", "_compare", "astimezone", "date", "timestamp",
    "tzinfo",  # the zone of "now" is the office's, not the time
})



class TrackedDelta(_ComparedWithNow, timedelta):
    """``now - t`` (sign 1) or ``t - now`` (sign -1): comparisons with a duration are thresholds on now."""

    _tracker: Tracker
    _base: float  # the real now's timestamp where this delta is zero
    _sign: int

    @classmethod
    def wrap(cls, value: timedelta, tracker: Tracker, base: float, sign: int) -> TrackedDelta:
        made = cls(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
        made._tracker, made._base, made._sign = tracker, base, sign
        return made

    def _compare(self, other: Any) -> timedelta | None:
        if isinstance(other, timedelta) and not isinstance(other, TrackedDelta):
            now = self._base + self._sign * self._plain().total_seconds()
            self._tracker.compared(now, self._base + self._sign * other.total_seconds())
            return other
        self._tracker.opaque = True
        return None

    def _plain(self) -> timedelta:
        get = timedelta.days.__get__, timedelta.seconds.__get__, timedelta.microseconds.__get__
        return timedelta(days=get[0](self), seconds=get[1](self), microseconds=get[2](self))


    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_") or name in ("wrap",):
            return object.__getattribute__(self, name)
        object.__getattribute__(self, "_tracker").opaque = True  # total_seconds(), days ...: not followed
        return object.__getattribute__(self, name)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self._plain().__reduce_ex__(protocol)


class TrackedStamp(_ComparedWithNow, float):
    """``now.timestamp()``: comparisons with a number are thresholds on now; arithmetic is opaque."""

    _tracker: Tracker
    _offset: float

    @classmethod
    def wrap(cls, value: float, tracker: Tracker, offset: float) -> TrackedStamp:
        made = cls(value)
        made._tracker, made._offset = tracker, offset
        return made

    def _plain(self) -> float:
        return float(self)

    def _compare(self, other: Any) -> float | None:
        if isinstance(other, (int, float)) and not isinstance(other, (bool, TrackedStamp)):
            self._tracker.compared(float(self) - self._offset, float(other) - self._offset)
            return float(other)
        self._tracker.opaque = True
        return None

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (float, (float(self),))


def _opaque_op(name: str) -> Any:
    base = getattr(float, name)

    def op(self: TrackedStamp, *args: Any) -> Any:
        self._tracker.opaque = True
        return base(float(self), *args)

    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__mod__", "__neg__", "__int__", "__round__", "__str__",
              "__repr__", "__format__"):
    setattr(TrackedStamp, _name, _opaque_op(_name))


def _opaque_delta_op(name: str) -> Any:
    base = getattr(timedelta, name)

    def op(self: TrackedDelta, *args: Any) -> Any:
        object.__getattribute__(self, "_tracker").opaque = True
        return base(self._plain(), *args)

    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__divmod__",
              "__neg__", "__pos__", "__abs__", "__bool__", "__str__", "__repr__", "__format__"):
    setattr(TrackedDelta, _name, _opaque_delta_op(_name))


def _opaque_now_op(name: str) -> Any:
    base = getattr(datetime, name)

    def op(self: TrackedNow, *args: Any) -> Any:
        object.__getattribute__(self, "_tracker").opaque = True
        return base(self._plain(), *args)

    return op


for _name in ("__str__", "__repr__", "__format__"):
    setattr(TrackedNow, _name, _opaque_now_op(_name))
