"""Three-way merge of one record file, for git's merge driver (``csops merge-driver``, issue 11).

Why: events are append-only, so two desks that each append to the same record made changes that
compose. git's line merge sees two insertions at one place (the end of ``events:``) and reports a
conflict; this merge joins them by structure instead. What does not compose (a field both sides
changed differently, a rewritten old event, a file that is no record) is a :class:`Conflict`, left
to git's own text merge so the user sees ordinary conflict markers. What the union of events breaks
in the business sense (two closes, a copy lent twice) is not a conflict here: ``csops validate``
reports it on the merged tree with the rule that applies.

Reads go through the C-backed loader; only OURS, the file written, is parsed round-trip, so its
header, comments and spelling survive like any csops write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from csops.store import RECORDS

#: A key one version does not have (None is a value a YAML file can hold).
_MISSING: Any = object()


@dataclass(frozen=True)
class Merged:
    """The merged file's text."""

    text: str


@dataclass(frozen=True)
class Conflict:
    """Why the file cannot be merged by structure (Chinese, for the person resolving it).

    ``plain`` marks a file that is not an evented record at all: git's text merge decides alone,
    as it would without the driver (policy.yaml, staff).
    """

    reason: str
    plain: bool = False


def merge_files(base: Path, ours: Path, theirs: Path, path: str) -> Merged | Conflict:
    """:func:`merge_record` of the three files git hands its driver; any failure is a conflict."""
    try:
        texts = [p.read_bytes().decode("utf-8") for p in (base, ours, theirs)]
    except (OSError, UnicodeDecodeError) as exc:
        return Conflict(f"无法读取 (cannot read): {exc}")
    try:
        return merge_record(texts[0], texts[1], texts[2], path)
    except Exception as exc:  # git must get a conflict it can show, never a traceback
        return Conflict(f"内部错误 (internal error): {type(exc).__name__}: {exc}")


def merge_record(base: str, ours: str, theirs: str, path: str) -> Merged | Conflict:
    """Merge the three versions of the record file at ``path`` (relative to the repository root)."""
    model = _evented_model(path)
    if model is None:
        return Conflict(f"{path} 不是带事件的记录 (not an evented record)", plain=True)
    versions = _load_all(base, ours, theirs)
    if isinstance(versions, Conflict):
        return versions
    b, o, t = versions
    events = merge_events(b["events"], o["events"], t["events"])
    if isinstance(events, Conflict):
        return events
    fields = merge_fields(b, o, t, skip={"events", *model.SUMMARY_FIELDS})
    if isinstance(fields, Conflict):
        return fields
    summary = _summary(model, {**fields, "events": events})
    if isinstance(summary, Conflict):
        return summary
    return Merged(_render(ours, o["events"], fields, events, summary, model.SUMMARY_FIELDS))


def _evented_model(path: str) -> Any:
    from csops.models import kind_for_relpath, kinds
    from csops.models.common import EventedRecord

    prefix = RECORDS + "/"
    if not path.startswith(prefix):
        return None
    kind = kind_for_relpath(path[len(prefix):])
    model = kinds().get(kind) if kind else None
    return model if model is not None and issubclass(model, EventedRecord) else None


def _load_all(base: str, ours: str, theirs: str) -> tuple[dict[str, Any], ...] | Conflict:
    from csops.yamlio import YamlSyntaxError, load_fast

    if not base.strip():
        # add/add: both sides made a file at one path, i.e. two records got the same id.
        return Conflict("两边各自新建了同一编号的记录 (both sides created this record)")
    loaded = []
    for side, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        try:
            data = load_fast(text)
        except YamlSyntaxError as exc:
            return Conflict(f"{side} 不是有效的 YAML (invalid YAML), 第 {exc.line} 行: {exc}")
        if not isinstance(data, dict) or not isinstance(data.get("events"), list):
            return Conflict(f"{side} 不是带 events 列表的记录 (no events list)")
        loaded.append(data)
    return tuple(loaded)


def merge_events(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any] | Conflict:
    """The base's events, then the union of both sides' appended events in time order.

    An event both sides appended identically counts once; on equal times ours come before theirs
    (the sort is stable). History is never reordered: a late entry (``--at`` in the past) still
    follows every base event.
    """
    n = len(base)
    for side, events in (("ours", ours), ("theirs", theirs)):
        if events[:n] != base:
            return Conflict(f"{side} 改写或删除了已有事件 (changed earlier events); events are append-only")
    added = list(ours[n:])
    unmatched = list(added)
    for event in theirs[n:]:
        if event in unmatched:
            unmatched.remove(event)  # the same event on both sides (e.g. one cherry-picked commit)
        else:
            added.append(event)
    times: list[datetime] = []
    for event in added:
        at = _instant(event)
        if at is None:
            return Conflict("新增事件的时间 at 无法识别 (an appended event has no `at` with a UTC offset)")
        times.append(at)
    order = sorted(range(len(added)), key=times.__getitem__)
    return [*base, *(added[i] for i in order)]


def _instant(event: Any) -> datetime | None:
    value = event.get("at") if isinstance(event, dict) else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None  # naive and aware times do not compare


def merge_fields(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any],
                 skip: Iterable[str]) -> dict[str, Any] | Conflict:
    """Every top-level field but ``skip``, three-way: a change on one side wins, the same change on
    both is taken once, different changes on both sides conflict. Key order is ours, then theirs."""
    skipped = set(skip)
    out: dict[str, Any] = {}
    clashes: list[str] = []
    for key in [*ours, *(k for k in theirs if k not in ours), *(k for k in base if k not in ours and k not in theirs)]:
        if key in skipped:
            continue
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        if o == t or t == b:
            value = o
        elif o == b:
            value = t
        else:
            clashes.append(key)
            continue
        if value is not _MISSING:  # else deleted (by one side, or by both)
            out[key] = value
    if clashes:
        return Conflict(f"两边把同一字段改成了不同的值 (changed differently on both sides): {', '.join(clashes)}")
    return out


def _summary(model: Any, data: dict[str, Any]) -> dict[str, Any] | Conflict:
    """The summary fields folded from the merged events, as a csops write spells them."""
    from pydantic import ValidationError

    from csops.session import record_data

    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return Conflict(f"合并结果不是有效的记录 (the merged record does not validate): {where}: {first['msg']}")
    folded = record_data(record.model_copy(update=record.derived_summary()))
    return {name: folded.get(name, _MISSING) for name in model.SUMMARY_FIELDS}


def _render(ours: str, ours_events: list[Any], fields: dict[str, Any], events: list[Any],
            summary: dict[str, Any], summary_order: Iterable[str]) -> str:
    """OURS's round-trip tree updated to the merge: untouched parts keep their exact text."""
    from csops.yamlio import dump_round_trip, load_round_trip

    tree = load_round_trip(ours)
    summary_order = tuple(summary_order)
    for key in [k for k in tree if k != "events" and k not in fields and k not in summary]:
        del tree[key]  # deleted by theirs
    for key, value in fields.items():
        _put(tree, key, value, before=(*summary_order, "events"))
    for key in summary_order:
        if summary[key] is _MISSING:
            tree.pop(key, None)
        else:
            _put(tree, key, summary[key], before=("events",))
    _put_events(tree["events"], events, list(ours_events))
    return dump_round_trip(tree)


def _put_events(seq: Any, merged: list[Any], ours: list[Any]) -> None:
    """Make the round-trip ``events`` list ``merged``: ours' events keep their nodes (and text),
    theirs' are added as plain values, spelled as csops spells a new event."""
    nodes = list(seq)
    wanted: list[Any] = []
    for event in merged:
        i = next((j for j, mine in enumerate(ours) if mine is not None and mine == event), None)
        if i is None:
            wanted.append(event)
        else:
            ours[i] = None  # each of ours' events is used once
            wanted.append(nodes[i])
    keep = 0
    while keep < len(nodes) and keep < len(wanted) and wanted[keep] is nodes[keep]:
        keep += 1
    while len(seq) > keep:
        del seq[len(seq) - 1]
    seq.extend(wanted[keep:])


def _put(tree: Any, key: str, value: Any, before: tuple[str, ...]) -> None:
    """Set ``key``; a new key goes before the first of ``before`` present (summary, then history)."""
    from csops.yamlio import merge_into

    if key in tree:
        tree[key] = merge_into(tree[key], value)
        return
    keys = list(tree)
    at = next((keys.index(k) for k in before if k in keys), len(keys))
    tree.insert(at, key, value)
