"""What every rule may consult: policy, staff, the whole tree of records, the calendar, and "now".

"Now" is injected (``--now`` or the clock, read once by the CLI), never read inside a rule, so the
same records and policy give the same findings and deadlines on any machine, on any date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from csops.calendar import BusinessCalendar
from csops.labels import OFFICE_NAMES
from csops.models.common import Record
from csops.models.policy import Policy
from csops.models.staff import Staff
from csops.store import LoadedFile

R = TypeVar("R", bound=Record)
T = TypeVar("T")


@dataclass
class Context:
    policy: Policy
    now: datetime
    root: Path | None = None
    staff: dict[str, Staff] = field(default_factory=dict)
    #: kind → id → record (the first file wins when an id is duplicated; STORE-ID-01 reports it).
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    #: Every valid record with the file it came from, duplicates included.
    entries: list[tuple[Record, LoadedFile]] = field(default_factory=list)
    _files: dict[int, LoadedFile] = field(default_factory=dict)
    #: (kind, id) → path of a record file that could not be loaded (the id is the file name, which
    #: STORE-PATH-01 ties to the id); a command asked for that id says the file is broken instead of
    #: "no such record".
    unusable: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Indexes built once per tree (by id, by person, by key copy, by day ...), see ``memo``.
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """An index over the tree, built on first use and kept until the tree changes.

        Rules look records up here instead of scanning one kind of record for each record of
        another, so a check stays linear in the number of records. ``key`` names the index
        (e.g. ``"keys.loans_by_copy"``); every ``add``/``replace`` drops all indexes.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.policy)

    def add(self, record: Record, loaded: LoadedFile) -> None:
        self._memo.clear()
        self.records.setdefault(record.KIND, {}).setdefault(record.id, record)
        self.entries.append((record, loaded))
        self._files[id(record)] = loaded
        if isinstance(record, Staff):
            self.staff.setdefault(record.id, record)

    def replace(self, old: Record | None, new: Record | None) -> None:
        """Put ``new`` in place of ``old`` (a command's candidate change) for rule checks.

        ``new=None`` takes ``old`` out again (undoing a refused new record).
        """
        self._memo.clear()
        if new is None:
            if old is not None:
                self.entries = [(r, f) for r, f in self.entries if r is not old]
                if self.records.get(old.KIND, {}).get(old.id) is old:
                    del self.records[old.KIND][old.id]
            return
        loaded = self._files.get(id(old)) if old is not None else None
        if loaded is None:
            loaded = LoadedFile(rel=f"records/{new.expected_relpath()}", kind=new.KIND)
        self.records.setdefault(new.KIND, {})[new.id] = new
        self.entries = [(r, f) for r, f in self.entries if r is not old] + [(new, loaded)]
        self._files[id(new)] = loaded

    def file_of(self, record: Record) -> LoadedFile | None:
        return self._files.get(id(record))

    def get(self, kind: str, record_id: str) -> Record | None:
        return self.records.get(kind, {}).get(record_id)

    def unusable_file(self, record_id: str, kind: str | None = None) -> str | None:
        """The path of the broken file behind ``record_id`` (of ``kind``, or of any kind), if there is one."""
        return next((rel for (k, i), rel in self.unusable.items() if i == record_id and kind in (None, k)), None)

    def why_missing(self, record_id: str, kind: str | None = None) -> str:
        """A hint for a record id that is not loaded: the broken file behind it, if there is one."""
        rel = self.unusable_file(record_id, kind)
        return f"; {rel} exists but has errors: csops validate {rel}" if rel else ""

    def of(self, model: type[R]) -> Iterator[R]:
        for record in self.records.get(model.KIND, {}).values():
            if isinstance(record, model):
                yield record

    def person(self, staff_id: str | None) -> Staff | None:
        return self.staff.get(staff_id) if staff_id else None

    def label(self, ident: str | None) -> str:
        """The Chinese name of an office identifier (post, shift, checklist item); the identifier else."""
        if not ident:
            return ""
        return self.policy.names.get(ident) or OFFICE_NAMES.get(ident) or ident

    def when(self, instant: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """An instant (or its ISO text) as office-local time for people; "" for none."""
        if not instant:
            return ""
        value = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
        return (self.calendar.local(value) if value.tzinfo else value).strftime(fmt)

    def name(self, staff_id: str | None) -> str:
        person = self.person(staff_id)
        return person.display if person else (staff_id or "")
