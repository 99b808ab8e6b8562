"""What a branch changes, field by field, in business words (``csops review``; issue 11).

Pure functions over the record data before and after the range (plain dicts as YAML gives them):
the fields that differ, with their Chinese names and values (严重程度 轻微 → 重大), and the events the
branch appended. A policy change is listed parameter by parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Fields that say nothing to a reviewer on their own: the history is listed event by event.
_SKIP = {"events", "schema_version"}
_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    path: tuple[str, ...]
    old: Any
    new: Any

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def label(self) -> str:
        return " › ".join(word(part) for part in self.path)

    def as_text(self) -> str:
        return f"{self.label()}: {value_text(self.old)} → {value_text(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.key, "label": self.label(), "old": _plain(self.old), "new": _plain(self.new),
                "old_text": value_text(self.old), "new_text": value_text(self.new)}


def _plain(value: Any) -> Any:
    return None if value is _MISSING else value


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
                  prefix: tuple[str, ...] = ()) -> list[FieldChange]:
    """Every leaf that differs between ``before`` and ``after`` (mappings are walked, lists compared whole)."""
    old_map, new_map = before or {}, after or {}
    out: list[FieldChange] = []
    for key in list(dict.fromkeys([*old_map, *new_map])):
        if not prefix and key in _SKIP:
            continue
        old, new = old_map.get(key, _MISSING), new_map.get(key, _MISSING)
        if old == new:
            continue
        path = (*prefix, str(key))
        if isinstance(old, dict) and isinstance(new, dict):
            out.extend(field_changes(old, new, path))
        else:
            out.append(FieldChange(path, old, new))
    return out


def new_events(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The events ``after`` appends to ``before`` (all of them when the old ones were rewritten)."""
    old = (before or {}).get("events") or []
    new = (after or {}).get("events") or []
    if not isinstance(old, list) or not isinstance(new, list):
        return []
    start = len(old) if new[: len(old)] == old else 0
    return [e for e in new[start:] if isinstance(e, dict)]


def event_text(event: dict[str, Any], names: dict[str, str]) -> str:
    """转呈 (李娜): 部门 工程部, 对象 王强 — an appended event in business words."""
    from csops.models.ticket import ACTION_LABELS

    action = str(event.get("action", "?"))
    who = str(event.get("by", "?"))
    details = [f"{word(k)} {value_text(v, names)}" for k, v in event.items()
               if k not in ("at", "by", "action", "entered_by") and v not in (None, "", [], {})]
    head = f"{ACTION_LABELS.get(action, word(action))} ({names.get(who, who)}, {str(event.get('at', ''))[:16].replace('T', ' ')})"
    return head + (": " + ", ".join(details) if details else "")


def word(identifier: str) -> str:
    """The Chinese name of a field or an identifier, the identifier itself when csops has none."""
    from csops.labels import WORDS

    return WORDS.get(identifier) or _enum_label(identifier) or identifier


def _enum_label(value: str) -> str | None:
    from csops.labels import _all_enums

    for enum in _all_enums():
        for member in enum:
            if member.value == value:
                return str(member.label)
    return None


def value_text(value: Any, names: dict[str, str] | None = None) -> str:
    if value is _MISSING or value is None:
        return "(无)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if names and value in names:
            return names[value]
        return word(value)
    if isinstance(value, list):
        return "、".join(value_text(v, names) for v in value) or "(空)"
    if isinstance(value, dict):
        return ", ".join(f"{word(str(k))} {value_text(v, names)}" for k, v in value.items())
    return str(value)
