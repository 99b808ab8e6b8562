"""Small facts of every record of a kind, kept by content, for read commands.

``csops status`` needs, of each of 100,000 tickets, whether it is open and whether any deadline of it
can still move; ``csops sla`` needs the deadline rows of the closed ones, which never change. A
*fact* is such an answer: a pure function of one record (and of what its ``key`` names: the policy
file, the roster), kept under the file's git blob id in ``.csops-cache/facts-<name>.marshal`` with
csops's code fingerprint, so it is never stale and the cache is safe to delete. A command then
loads only the records whose facts are not known yet, or that it needs whole (the open tickets).

A file that does not load has no fact: it is read again every time, so it is still reported as
unreadable (``Context.unusable``) by every command that meets it.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csops.store import CACHE_DIR, keep

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.common import Record

FORMAT = 1


class FactCache:
    """blob id → fact, for one fact of one kind; only the facts of the files seen are written back."""

    def __init__(self, root: Path, name: str, key: str) -> None:
        from csops.incremental import code_fingerprint

        self.path = root / CACHE_DIR / f"facts-{name}.marshal"
        self.tag = (FORMAT, code_fingerprint(), key)
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        try:
            tag, entries = marshal.loads(self.path.read_bytes())
            if tag == self.tag and isinstance(entries, dict):
                self.entries = entries
        except (OSError, EOFError, ValueError, TypeError):
            pass  # none yet, unreadable or of another version: computed again

    def save(self) -> None:
        if self.used.keys() != self.entries.keys():
            keep(self.path, (self.tag, self.used))


def facts(ctx: Context, kind: str, name: str, compute: Callable[[Any, Context], Any],
          key: str = "") -> dict[str, Any]:
    """rel → ``compute(record, ctx)`` for every record of ``kind`` that loads.

    From the fact cache where the file's blob has the fact; the others are loaded and computed. ``key`` is what else the facts depend on (see ``policy_key`` and
    ``roster_key``); a context without a tree behind it (``csops validate``'s) computes them all.
    """
    from csops.models import kinds

    source = ctx._source
    folder = kinds()[kind].FOLDER
    listing = source.folder_listing(folder) if source is not None and folder and kind not in ctx._loaded_kinds else None
    if source is None or listing is None:
        model = kinds()[kind]
        out = {}
        for record in ctx.of(model):
            loaded = ctx.file_of(record)
            out[loaded.rel if loaded is not None else record.id] = compute(record, ctx)
        return out
    cache = FactCache(source.root, f"{kind}-{name}", key)
    out = {}
    for rel, blob in listing.items():
        if blob in cache.entries:
            out[rel] = cache.used[blob] = cache.entries[blob]
            continue
        found = source.load_rel(rel, kind, ctx)
        if found is None:
            continue  # unusable: noted on the context, reported by the CLI
        # Not added to the context: a first run over 100,000 files would hold them all.
        out[rel] = cache.used[blob] = compute(found[0], ctx)
    cache.save()
    source.flush()
    return out


def records_at(ctx: Context, kind: str, rels: list[str]) -> list[Record]:
    """The records in files ``rels``, in that order (loaded now unless the context has them)."""
    source = ctx._source
    out = []
    for rel in rels:
        record = ctx.by_rel.get(rel)
        if record is None and source is not None:
            found = source.load_rel(rel, kind, ctx)
            if found is not None:
                ctx._take(*found)
                record = found[0]
        if record is not None:
            out.append(record)
    if source is not None:
        source.flush()
    return out


def policy_key(ctx: Context) -> str:
    """The policy file's blob and the versions before it that tickets were received under
    (csops.policy_history): facts that use the policy (deadlines) are kept per policy."""
    from csops.policy_history import cache_key

    blob = ctx.own_policy_blob
    return cache_key(ctx.root, blob) if blob is not None else "default-policy"


def roster_key(ctx: Context) -> str:
    """The staff files' blobs: facts that name people are kept per roster."""
    import hashlib

    source = ctx._source
    listing = source.folder_listing("staff") if source is not None else None
    if listing is None:
        return "no-listing"
    text = "\n".join(f"{rel}\0{blob}" for rel, blob in sorted(listing.items()))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# -- facts of tickets, shared by the read commands ------------------------------------------------


def _received(t: Any, ctx: Context) -> float | None:
    return t.received_at.timestamp() if t.events else None


def tickets_received(ctx: Context, start: datetime, end: datetime) -> list[Any]:
    """The tickets received in ``[start, end)``, in (received_at, id) order: a month's report loads
    its month, not the office's past."""
    lo, hi = start.timestamp(), end.timestamp()
    received = facts(ctx, "ticket", "received", _received)
    chosen = [rel for rel, at in received.items() if at is not None and lo <= at < hi]
    loaded: list[Any] = records_at(ctx, "ticket", chosen)
    found = [t for t in loaded if t.events and start <= t.received_at < end]
    return sorted(found, key=lambda t: (t.received_at, t.id))


def _contact(t: Any, ctx: Context) -> str | None:
    from csops.rules.tickets import contact_group

    return contact_group(t)


class _ContactLine:
    """What TKT-FCR-05 reads of a ticket (``rules.tickets.first_open_earlier``), from its fact."""

    __slots__ = ("id", "received_at", "_rows")

    def __init__(self, fact: tuple[str, float, list[tuple[float, bool]]]) -> None:
        from csops.models.ticket import Status

        self.id, self.received_at, rows = fact
        self._rows = [(at, Status.closed if closed else None) for at, closed in rows]

    def timeline(self) -> list[tuple[float, Any]]:
        return self._rows


def _contact_line(t: Any, ctx: Context) -> tuple[str, float, list[tuple[float, bool]]] | None:
    if not t.events:
        return None
    return t.id, t.received_at.timestamp(), [(at.timestamp(), status.value == "closed") for at, status, _ in t.timeline()]


def repeat_contacts_of(ctx: Context, groups: set[str]) -> list[tuple[str, str]]:
    """(later, earlier) ticket ids of TKT-FCR-05's repeat contacts in the contact groups ``groups``,
    as ``rules.tickets.repeat_contacts_among`` finds them over those groups' tickets, computed from
    a fact per ticket: a month's report no longer loads every earlier ticket of its callers (a
    switchboard number has thousands)."""
    from csops.rules.tickets import first_open_earlier

    contacts = facts(ctx, "ticket", "contact", _contact)
    lines = facts(ctx, "ticket", "contact-line", _contact_line)
    members: dict[str, list[_ContactLine]] = {}
    for rel, group in contacts.items():
        fact = lines.get(rel)
        if group in groups and fact is not None:
            members.setdefault(group, []).append(_ContactLine(fact))
    out: list[tuple[str, str]] = []
    for group_members in members.values():
        group_members.sort(key=lambda x: (x.received_at, x.id))
        out.extend((later.id, earlier.id) for later, earlier in first_open_earlier(group_members))
    return out


def _kesu_closes(t: Any, ctx: Context) -> list[float] | None:
    from csops.models.ticket import TicketType

    return [e.at.timestamp() for e in t.of_action("close")] if t.type is TicketType.kesu else None


def kesu_closed_between(ctx: Context, start: datetime, end: datetime) -> list[Any]:
    """The 客诉 tickets with a close event in ``[start, end)``."""
    lo, hi = start.timestamp(), end.timestamp()
    closes = facts(ctx, "ticket", "kesu-closes", _kesu_closes)
    return records_at(ctx, "ticket", [rel for rel, at in closes.items() if at and any(lo <= x < hi for x in at)])
