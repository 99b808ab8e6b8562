"""A command's records, read as the command asks for them.

``csops ticket show T-2611-A007`` needs that ticket, the roster of staff and the policy, not the
100,000 other files of an office's past. A command's :class:`~csops.context.Context` starts with the
policy only; ``ctx.get(kind, id)`` reads the one file the id names, ``ctx.of(Model)`` reads that
kind's folder (through its parse cache shard), and only ``ctx.records``/``ctx.entries`` read all.

Records read this way are checked against their schema but not for references to other records:
that is a question about the whole tree, which ``csops validate`` and the hook answer; a command's
change is checked by the result cache over the tree with the change applied (``Session.save``).
A file that does not validate is remembered as unusable, so a command asked for it says which file
is broken instead of "no such record".
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from csops.context import Context
from csops.models import kind_for_relpath, kinds
from csops.models.common import Record
from csops.store import RECORDS, LoadedFile, ParseCache, ShardedCache, read_file


class TreeSource:
    """Reads record files of the working tree on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listing: dict[str, str] | None | bool = False
        self._shards: ShardedCache | None = None
        self._folders: dict[str, dict[str, str]] | None = None

    def listing(self) -> dict[str, str] | None:
        """rel → blob id of every record file of the working tree, from git (once per command);
        None when git cannot say cheaply."""
        if self._listing is False:
            from csops.store import listing

            self._listing = listing(self.root)
        return self._listing  # type: ignore[return-value]

    def folder_listing(self, folder: str) -> dict[str, str] | None:
        """``listing()`` of the files under ``records/<folder>/`` (grouped once per command)."""
        listing = self.listing()
        if listing is None:
            return None
        if self._folders is None:
            folders: dict[str, dict[str, str]] = {}
            for rel, blob in listing.items():
                parts = rel.split("/", 2)
                folders.setdefault(parts[1] if len(parts) > 2 else "", {})[rel] = blob
            self._folders = folders
        return self._folders.get(folder, {})

    def load_rel(self, rel: str, kind: str, ctx: Context) -> tuple[Record, LoadedFile] | None:
        """The record in the file ``rel`` (through its parse cache shard), or None if it does not load."""
        try:
            raw = (self.root / rel).read_bytes()
        except OSError:
            return None
        if self._shards is None:
            self._shards = ShardedCache(self.root)
        return self._load(rel, raw, kind, ctx, self._shards.shard(rel))

    def flush(self) -> None:
        """Write back what ``load_rel`` parsed (once, after a batch of reads)."""
        if self._shards is not None:
            self._shards.save()

    def kinds(self) -> list[str]:
        return [k for k in kinds() if k != "policy"]

    def _load(self, rel: str, raw: bytes, kind: str, ctx: Context, cache: ParseCache | None) -> tuple[Record, LoadedFile] | None:
        loaded = read_file(rel, raw, cache)
        data = loaded.data
        if data is None or kind_for_relpath(loaded.records_rel) != kind:
            ctx.unusable.setdefault((kind, PurePosixPath(rel).stem), rel)
            return None
        try:
            record = kinds()[kind].model_validate(data, context={})
        except ValidationError:
            ctx.unusable.setdefault((kind, PurePosixPath(rel).stem), rel)
            return None
        if kind != record.KIND:
            return None
        return record, loaded

    def load_kind(self, kind: str, ctx: Context) -> list[tuple[Record, LoadedFile]]:
        model = kinds()[kind]
        folder = self.root / RECORDS / model.FOLDER
        if not model.FOLDER or not folder.is_dir():
            return []
        cache = ShardedCache(self.root)
        out = []
        for path in sorted(folder.rglob("*")):
            name = path.name
            if not name.endswith((".yaml", ".yml")) or name.startswith(".") or not path.is_file():
                continue
            rel = path.relative_to(self.root).as_posix()
            found = self._load(rel, path.read_bytes(), kind, ctx, cache.shard(rel))
            if found is not None:
                out.append(found)
        cache.save(prune=True)  # the whole folder was read
        return out

    def load_one(self, kind: str, record_id: str, ctx: Context) -> tuple[Record, LoadedFile] | None:
        model = kinds().get(kind)
        if model is None:
            return None
        rel = f"{RECORDS}/{model.relpath_for(record_id)}"
        path = self.root / rel
        if not path.is_file():
            # A natural id whose file is elsewhere (handovers, rosters), or a misplaced file: read the kind.
            ctx._ensure(kind)
            return None
        found = self._load(rel, path.read_bytes(), kind, ctx, None)
        if found is not None and found[0].id != record_id:
            return None
        return found
