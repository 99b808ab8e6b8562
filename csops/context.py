"""What every rule may consult: policy, staff, the whole tree of records, the calendar, and "now".

"Now" is injected (``--now`` or the clock, read once by the CLI), never read inside a rule, so the
same records and policy give the same findings and deadlines on any machine, on any date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, TypeVar

from csops.calendar import BusinessCalendar
from csops.labels import OFFICE_NAMES
from csops.models.common import Record
from csops.models.policy import Policy
from csops.models.staff import Staff
from csops.policy_history import PolicyVersion, Timeline
from csops.store import LoadedFile
from csops.tracking import ALL_KINDS, TrackedNow, Tracker, id_read

R = TypeVar("R", bound=Record)
T = TypeVar("T")


class Source(Protocol):
    """Records not loaded yet: a whole kind, or one record by id."""

    def kinds(self) -> list[str]: ...

    def load_kind(self, kind: str, ctx: Context) -> list[tuple[Record, LoadedFile]]: ...

    def load_one(self, kind: str, record_id: str, ctx: Context) -> tuple[Record, LoadedFile] | None: ...

    def load_rel(self, rel: str, kind: str, ctx: Context) -> tuple[Record, LoadedFile] | None: ...

    def listing(self) -> dict[str, str] | None: ...

    def folder_listing(self, folder: str) -> dict[str, str] | None: ...

    def flush(self) -> None: ...

    @property
    def root(self) -> Path: ...


@dataclass
class Context:
    policy: Policy
    now: datetime
    root: Path | None = None
    #: The git blob of the tree's policy file, when it is not among the context's files (a context
    #: made for one rule); it ties ``policy`` to its version in the policy's history.
    policy_blob: str | None = None
    _staff: dict[str, Staff] = field(default_factory=dict, repr=False)
    #: kind → id → record (the first file wins when an id is duplicated; STORE-ID-01 reports it).
    _records: dict[str, dict[str, Record]] = field(default_factory=dict, repr=False)
    #: Every valid record with the file it came from, duplicates included.
    _entries: list[tuple[Record, LoadedFile]] = field(default_factory=list, repr=False)
    _files: dict[int, LoadedFile] = field(default_factory=dict)
    #: (kind, id) → path of a record file that could not be loaded (the id is the file name, which
    #: STORE-PATH-01 ties to the id); a command asked for that id says the file is broken instead of
    #: "no such record".
    unusable: dict[tuple[str, str], str] = field(default_factory=dict)
    #: rel → (kind, id) of every file read as a record of a known kind in its folder (valid or not).
    readable: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    #: "kind#id" → the files that reference that record (``record_ref`` fields; not staff ids).
    refs: dict[str, list[str]] = field(default_factory=dict, repr=False)
    #: Indexes built once per tree (by id, by person, by key copy, by day ...), see ``memo``:
    #: key → (value, what building it read).
    _memo: dict[str, tuple[Any, Tracker]] = field(default_factory=dict, repr=False)
    #: While a rule runs for the result cache: what it reads (csops.tracking).
    _tracker: Tracker | None = field(default=None, repr=False)
    #: Where records not loaded yet come from (a command's context loads what it reads, see
    #: ``csops.lazy``); None when every record was loaded up front (``csops validate``).
    _source: Source | None = field(default=None, repr=False)
    _loaded_kinds: set[str] = field(default_factory=set, repr=False)
    _loaded_rels: set[str] = field(default_factory=set, repr=False)
    #: file → the record read from it (the first, when a file was read twice).
    by_rel: dict[str, Record] = field(default_factory=dict, repr=False)

    # -- loading on demand ------------------------------------------------------------------

    def _ensure(self, kind: str) -> None:
        if self._source is None or kind in self._loaded_kinds:
            return
        self._loaded_kinds.add(kind)
        for record, loaded in self._source.load_kind(kind, self):
            self._take(record, loaded)

    def _ensure_all(self) -> None:
        if self._source is not None:
            for kind in self._source.kinds():
                self._ensure(kind)

    def _take(self, record: Record, loaded: LoadedFile) -> None:
        """Add a record loaded on demand (indexes stay: they were built from loaded kinds only)."""
        if loaded.rel in self._loaded_rels:
            return
        self._loaded_rels.add(loaded.rel)
        self.by_rel.setdefault(loaded.rel, record)
        self._records.setdefault(record.KIND, {}).setdefault(record.id, record)
        self._entries.append((record, loaded))
        self._files[id(record)] = loaded
        if isinstance(record, Staff):
            self._staff.setdefault(record.id, record)

    # -- what a rule reads, tracked ---------------------------------------------------------

    @property
    def staff(self) -> dict[str, Staff]:
        if self._tracker is not None:
            self._tracker.read("staff")
        self._ensure("staff")
        return self._staff

    @property
    def records(self) -> dict[str, dict[str, Record]]:
        if self._tracker is not None:
            self._tracker.read(ALL_KINDS)
        self._ensure_all()
        return self._records

    @property
    def entries(self) -> list[tuple[Record, LoadedFile]]:
        if self._tracker is not None:
            self._tracker.read(ALL_KINDS)
        self._ensure_all()
        return self._entries

    @contextmanager
    def tracking(self, tracker: Tracker) -> Iterator[Tracker]:
        """Run a rule with its reads noted in ``tracker`` and "now" a TrackedNow (csops.tracking)."""
        outer, real_now = self._tracker, self.now
        self._tracker = tracker
        self.now = TrackedNow.wrap(real_now, tracker)
        try:
            yield tracker
        finally:
            self._tracker, self.now = outer, real_now
            if outer is not None:
                outer.merge(tracker)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """An index over the tree, built on first use and kept until the tree changes.

        Rules look records up here instead of scanning one kind of record for each record of
        another, so a check stays linear in the number of records. ``key`` names the index
        (e.g. ``"keys.loans_by_copy"``); every ``add``/``replace`` drops all indexes. What building
        the index read counts as read by every rule that uses it.
        """
        hit = self._memo.get(key)
        if hit is None:
            with self.tracking(Tracker()) as tracker:
                value = build()
            hit = self._memo[key] = (value, tracker)
        elif self._tracker is not None:
            self._tracker.merge(hit[1])
        return hit[0]

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from csops.store import CACHE_DIR

        return BusinessCalendar(self.policy, self.root / CACHE_DIR if self.root is not None else None)

    # -- the policy in force at a moment (issue 10, item 6; csops.policy_history) -------------

    @cached_property
    def policy_timeline(self) -> Timeline | None:
        """The committed versions of the policy; None outside git or before any valid one."""
        from csops.policy_history import timeline

        found = timeline(self.root, self.own_policy_blob)
        return found if found is not None and found.versions else None

    @property
    def own_policy_blob(self) -> str | None:
        loaded = self.file_of(self.policy)
        return loaded.blob if loaded is not None else self.policy_blob

    def policy_version_at(self, instant: datetime) -> PolicyVersion | None:
        """The committed version in force at ``instant`` (None: the tree's own policy, see above)."""
        found = self.policy_timeline
        return found.at(instant) if found is not None else None

    def policy_at(self, instant: datetime) -> Policy:
        """The policy a ticket received at ``instant`` is held to (the tree's own when it is that version)."""
        version = self.policy_version_at(instant)
        return self.policy if version is None or version.blob == self.own_policy_blob else version.policy

    def calendar_at(self, instant: datetime) -> BusinessCalendar:
        """The business calendar of ``policy_at(instant)``."""
        version = self.policy_version_at(instant)
        return self.calendar if version is None or version.blob == self.own_policy_blob else version.calendar

    def add(self, record: Record, loaded: LoadedFile) -> None:
        self._memo.clear()
        self.by_rel.setdefault(loaded.rel, record)
        self._records.setdefault(record.KIND, {}).setdefault(record.id, record)
        self._entries.append((record, loaded))
        self._files[id(record)] = loaded
        if isinstance(record, Staff):
            self._staff.setdefault(record.id, record)

    def replace(self, old: Record | None, new: Record | None) -> None:
        """Put ``new`` in place of ``old`` (a command's candidate change) for rule checks.

        ``new=None`` takes ``old`` out again (undoing a refused new record).
        """
        self._memo.clear()
        if new is None:
            if old is not None:
                self._entries = [(r, f) for r, f in self._entries if r is not old]
                self.by_rel = {rel: r for rel, r in self.by_rel.items() if r is not old}
                if self._records.get(old.KIND, {}).get(old.id) is old:
                    del self._records[old.KIND][old.id]
            return
        loaded = self._files.get(id(old)) if old is not None else None
        if loaded is None:
            loaded = LoadedFile(rel=f"records/{new.expected_relpath()}", kind=new.KIND)
        self._records.setdefault(new.KIND, {})[new.id] = new
        self.by_rel[loaded.rel] = new
        self._entries = [(r, f) for r, f in self._entries if r is not old] + [(new, loaded)]
        self._files[id(new)] = loaded

    def file_of(self, record: Record) -> LoadedFile | None:
        return self._files.get(id(record))

    def get(self, kind: str, record_id: str) -> Record | None:
        if self._tracker is not None:
            self._tracker.read(id_read(kind, record_id))
        found = self._records.get(kind, {}).get(record_id)
        if found is None and self._source is not None and kind not in self._loaded_kinds:
            # The file's path follows from the id: read just that one.
            one = self._source.load_one(kind, record_id, self)
            if one is not None:
                self._take(*one)
            found = self._records.get(kind, {}).get(record_id)
        return found

    def unusable_file(self, record_id: str, kind: str | None = None) -> str | None:
        """The path of the broken file behind ``record_id`` (of ``kind``, or of any kind), if there is one."""
        return next((rel for (k, i), rel in self.unusable.items() if i == record_id and kind in (None, k)), None)

    def why_missing(self, record_id: str, kind: str | None = None) -> str:
        """A hint for a record id that is not loaded: the broken file behind it, if there is one."""
        rel = self.unusable_file(record_id, kind)
        return f"; {rel} exists but has errors: csops validate {rel}" if rel else ""

    def of(self, model: type[R]) -> Iterator[R]:
        if self._tracker is not None:
            self._tracker.read(model.KIND)
        self._ensure(model.KIND)
        for record in self._records.get(model.KIND, {}).values():
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
