"""YAML in and out.

Bulk reads use ruamel's C-backed safe loader. Round-trip parsing is used only to write (so comments
and key order survive an edit) and to map a finding's location to a line and column.

Timestamps are deliberately *not* resolved: every time stays the exact string in the file and is
parsed by Pydantic, so a time without an offset is caught instead of silently becoming naive, and a
written time is never quoted.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import BaseResolver, VersionedResolver, implicit_resolvers
from ruamel.yaml.tag import Tag


class _NoTimestampResolver(VersionedResolver):
    def add_version_implicit_resolver(self, version: Any, tag: Any, regexp: Any, first: Any) -> None:
        if str(tag).endswith(":timestamp"):
            return
        super().add_version_implicit_resolver(version, tag, regexp, first)


class _FastResolver(BaseResolver):
    """YAML 1.2 implicit types without timestamps, resolved from a table built once.

    ruamel's resolvers look the YAML version up per scalar and concatenate resolver lists on every
    call; on bulk loads that was about a third of the time.
    """

    _by_first: dict[str | None, tuple[tuple[Tag, Any], ...]] = {}
    _fallback: tuple[tuple[Tag, Any], ...] = ()

    def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
        super().__init__(loadumper if loadumper is not None else loader)

    @classmethod
    def _build(cls) -> None:
        table: dict[str | None, list[tuple[Tag, Any]]] = {}
        for versions, tag, regexp, first in implicit_resolvers:
            if (1, 2) not in versions or str(tag).endswith(":timestamp"):
                continue
            starts: list[str | None] = list(first) if first else [None]
            for ch in starts:
                table.setdefault(ch, []).append((Tag(suffix=tag), regexp))
        fallback = tuple(table.pop(None, []))
        cls._fallback = fallback
        cls._by_first = {ch: tuple(items) + fallback for ch, items in table.items()}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in self._by_first.get(value[:1], self._fallback):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        if kind is SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG

    @property
    def processing_version(self) -> Any:
        return (1, 2)


_FastResolver._build()


def _fast() -> YAML:
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _FastResolver
    return yaml


def _round_trip() -> YAML:
    yaml = YAML()
    yaml.Resolver = _NoTimestampResolver
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


_FAST = _fast()


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


def uses_c_loader() -> bool:
    """True when bulk loads go through the C parser (ruamel.yaml.clib)."""
    return "CParser" in getattr(_FAST.Parser, "__name__", "")


def load_fast(text: str) -> Any:
    try:
        return _FAST.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlSyntaxError(str(exc.problem or exc), line, col) from exc
    except YAMLError as exc:
        raise YamlSyntaxError(str(exc), 1, 1) from exc


def load_round_trip(text: str) -> Any:
    return _round_trip().load(text)


def dump_round_trip(data: Any, header: str | None = None) -> str:
    buf = io.StringIO()
    if header:
        buf.write(header if header.endswith("\n") else header + "\n")
    _round_trip().dump(data, buf)
    return buf.getvalue()


@lru_cache(maxsize=32)
def _compose(text: str) -> Any:
    """The node tree of ``text`` with positions, composed by the C parser (nothing constructed)."""
    return _FAST.compose(text)


def locate(text: str, loc: Sequence[str | int]) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node of ``loc`` present in ``text``.

    Pydantic locations may contain tags of discriminated unions that are not keys in the data;
    those are skipped. A missing key resolves to the mapping that should hold it.
    """
    try:
        node = _compose(text)
    except YAMLError:
        return (1, 1)
    if node is None:
        return (1, 1)
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    for part in loc:
        if isinstance(node, MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
            if pair is None:
                continue  # a union tag or a missing key: stay on the enclosing mapping
            key, node = pair
            line, col = key.start_mark.line + 1, key.start_mark.column + 1
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        else:
            break
    return line, col


def merge_into(target: Any, new: Any) -> Any:
    """Update a round-trip structure in place to equal ``new``, keeping comments and key order.

    Returns the value to store (``target`` itself when it could be updated in place).
    """
    if isinstance(target, CommentedMap) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target:
                target[key] = merge_into(target[key], value)
            else:
                target[key] = value
        return target
    if isinstance(target, CommentedSeq) and isinstance(new, list):
        for i, value in enumerate(new):
            if i < len(target):
                target[i] = merge_into(target[i], value)
            else:
                target.append(value)
        del target[len(new) :]
        return target
    if _equivalent(target, new):
        return target  # keep the text as written: a rewrite would read as a changed history
    return new


def _equivalent(old: Any, new: Any) -> bool:
    """Same value, whatever the spelling: `2026-11-23T01:00:00+00:00` and `...Z` are one instant."""
    if old == new and type(old) is type(new):
        return True
    if isinstance(old, str) and isinstance(new, str):
        try:
            a, b = datetime.fromisoformat(old.replace(" ", "T")), datetime.fromisoformat(new.replace(" ", "T"))
        except ValueError:
            return False
        return a == b and a.utcoffset() == b.utcoffset()
    return False


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` atomically: temp file in the same folder, fsync, rename."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600; give it the mode the file had, or a new file's usual mode.
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
