"""The records tree: where files are, how they are read, and how new ids are allocated.

Files are read from the working tree, or from the git index (what a pre-commit hook must check:
the staged state, not the working files). Reading never raises for bad content: each problem a
file has on the way in (bytes, emptiness, conflict markers, YAML syntax) becomes a finding.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csops import git
from csops.findings import Finding, Severity

# The models (pydantic) and the YAML modules are imported where used: ``listing()`` and the
# warm answer of ``csops validate`` (csops/summary.py) must not pay ~0.3 s of imports.

RECORDS = "records"
CACHE_DIR = ".csops-cache"
SCHEMA_HEADER = "# yaml-language-server: $schema="
_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7})(\s|$)", re.MULTILINE)


@dataclass
class LoadedFile:
    """One record file as read: its text and raw data, or the findings that stopped it."""

    rel: str  # relative to the repository root, posix, e.g. records/tickets/2026/11/T-2611-A001.yaml
    kind: str | None
    text: str | None = None
    data: Any = None
    #: The file's bytes as read; a write expects to find exactly these (no lost updates).
    raw: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    #: git's blob id of ``raw`` (what the result cache is keyed by).
    blob: str = ""

    @property
    def records_rel(self) -> str:
        return self.rel[len(RECORDS) + 1 :]

    def finding(
        self, rule: str, message: str, *, line: int = 1, col: int = 1, hint: str | None = None,
        severity: Severity = Severity.error,
    ) -> Finding:
        found = Finding(self.rel, line, col, severity, rule, message, hint)
        self.findings.append(found)
        return found


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``records/policy.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / RECORDS / "policy.yaml").is_file():
            return folder
    return None


def _is_record_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return rel.startswith(RECORDS + "/") and name.endswith((".yaml", ".yml")) and not name.startswith(".")


def list_worktree(root: Path) -> dict[str, bytes]:
    base = root / RECORDS
    files: dict[str, bytes] = {}
    if not base.is_dir():
        return files
    for path in sorted(base.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if _is_record_file(rel):
            files[rel] = path.read_bytes()
    return files


def blob_id(raw: bytes) -> str:
    """git's object id of a blob with these bytes (``git hash-object``), without asking git."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def listing(root: Path, *, from_index: bool = False) -> dict[str, str] | None:
    """rel → blob id of every record file, from the git index without reading unchanged files.

    For the working tree, files git sees as changed (by its stat data) or untracked are read and
    hashed. None when git cannot answer cheaply (no repository, a conflict in the index): the caller
    then reads every file.
    """
    try:
        index, conflicted, changed = git.index_listing(root, RECORDS, worktree=not from_index)
    except git.GitError:
        return None
    if conflicted:
        return None
    prefix = RECORDS + "/"
    # _is_record_file inline: a function call per path is a third of this at 100,000 records.
    blobs = {rel: sha for rel, sha in index.items()
             if rel.startswith(prefix) and rel.endswith((".yaml", ".yml")) and rel[rel.rfind("/") + 1] != "."}
    if from_index:
        return blobs
    for rel in changed:
        if not _is_record_file(rel):
            continue
        path = root / rel
        if path.is_file():
            blobs[rel] = blob_id(path.read_bytes())
        else:
            blobs.pop(rel, None)
    return dict(sorted(blobs.items()))


def ensure_cache_dir(folder: Path) -> None:
    """The cache folder, ignoring itself (like pytest's), so a repo set up by hand never sees it."""
    from csops.yamlio import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, b"# created by csops: caches, safe to delete\n*\n")


def keep(path: Path, value: Any) -> None:
    """Write a cache file (marshal) atomically in its cache folder; a failure only makes the next
    command slower, never wrong, so it is not an error."""
    from csops.yamlio import atomic_write

    try:
        ensure_cache_dir(path.parent)
        atomic_write(path, marshal.dumps(value))
    except (OSError, ValueError):
        pass


def list_index(root: Path) -> dict[str, bytes]:
    """Record files as staged in the git index; a path in conflict shows its conflicted stages."""
    entries = [e for e in git.ls_index(root, RECORDS) if _is_record_file(e.path)]
    blobs = git.cat_blobs(root, (e.sha for e in entries))
    files: dict[str, bytes] = {}
    for entry in entries:
        if entry.stage == 0:
            files[entry.path] = blobs.get(entry.sha, b"")
        else:  # unmerged: surface it as conflict markers so the check names it
            files.setdefault(entry.path, b"<<<<<<< unmerged in the git index\n")
    return files


class ParseCache:
    """Parsed YAML by content digest, kept in ``.csops-cache/`` (git-ignored).

    Keyed by the file's bytes, csops's version and ruamel's, so an entry can never be stale; an
    unreadable or foreign cache file is treated as empty. Only entries used by the last run are kept.
    """

    def __init__(self, root: Path | None, shard: str = "records") -> None:
        """One cache file per record folder (``shard``), so a command that reads one kind loads only its part."""
        import ruamel.yaml

        from csops import __version__

        self.path = root / CACHE_DIR / f"parsed-{shard}.marshal" if root is not None else None
        self.tag = f"csops {__version__} ruamel {ruamel.yaml.__version__} v1"
        self.entries: dict[bytes, Any] = {}
        self.used: dict[bytes, Any] = {}
        self.dirty = False
        if self.path is not None:
            try:
                tag, entries = marshal.loads(self.path.read_bytes())
                if tag == self.tag and isinstance(entries, dict):
                    self.entries = entries
            except (OSError, EOFError, ValueError, TypeError):
                self.entries = {}

    @staticmethod
    def digest(raw: bytes) -> bytes:
        return hashlib.blake2b(raw, digest_size=16).digest()

    def get(self, key: bytes) -> Any:
        data = self.entries.get(key)
        if data is not None:
            self.used[key] = data
        return data

    def put(self, key: bytes, data: Any) -> None:
        self.used[key] = data
        self.dirty = True

    def save(self, prune: bool = False) -> None:
        """Write new entries; with ``prune`` (a run that read the whole folder) keep only those used."""
        if self.path is None or not (self.dirty or (prune and len(self.used) != len(self.entries))):
            return
        try:
            from csops.yamlio import atomic_write

            ensure_cache_dir(self.path.parent)
            kept = self.used if prune else self.entries | self.used
            atomic_write(self.path, marshal.dumps((self.tag, kept)))
        except (OSError, ValueError):
            pass  # a cache that cannot be written is only slower


def read_file(rel: str, raw: bytes, cache: ParseCache | None = None) -> LoadedFile:
    from csops.models import kind_for_relpath

    loaded = LoadedFile(rel=rel, kind=kind_for_relpath(rel[len(RECORDS) + 1 :]), raw=raw, blob=blob_id(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        loaded.finding(
            "STORE-ENC-01", f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", line=line, col=col,
            hint="save the file as UTF-8 (GBK/GB2312 text must be converted: iconv -f GBK -t UTF-8)",
        )
        return loaded
    if text.startswith("\ufeff"):
        text = text[1:]
    loaded.text = text
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        loaded.finding("STORE-EMPTY-01", "the file is empty", hint="restore it from git (git checkout -- FILE) or delete it")
        return loaded
    marker = _CONFLICT_RE.search(text)
    if marker:
        line = text.count("\n", 0, marker.start()) + 1
        loaded.finding(
            "STORE-CONFLICT-01", "unresolved git conflict markers", line=line,
            hint="resolve the merge: keep both sides' events in time order, then remove the <<<<<<< ======= >>>>>>> lines",
        )
        return loaded
    from csops.yamlio import YamlSyntaxError, load_fast

    key = ParseCache.digest(raw) if cache is not None else b""
    cached = cache.get(key) if cache is not None else None
    try:
        data = cached if cached is not None else load_fast(text)
    except YamlSyntaxError as exc:
        loaded.finding("STORE-YAML-01", f"malformed YAML: {exc}", line=exc.line, col=exc.col,
                       hint="fix the YAML syntax at this position (indentation, a missing ':' or an unclosed quote)")
        return loaded
    if not isinstance(data, dict):
        loaded.finding("STORE-YAML-02", f"a record must be a mapping of fields, not {type(data).__name__}",
                       hint="start the file with `id: ...` and one field per line")
        return loaded
    loaded.data = data
    if cache is not None and cached is None:
        cache.put(key, data)
    if loaded.kind is None:
        loaded.finding(
            "STORE-PATH-02", "file is not in a known record folder",
            hint="move it under the folder of its kind (records/tickets/, records/staff/, ...)",
        )
    return loaded


#: Below this many files to parse, a process pool costs more than it saves.
POOL_MIN = 1500
CHUNK = 400


def _parse_chunk(items: list[tuple[str, bytes]]) -> bytes:
    """In a worker: parse files, return (data, findings) per file, marshalled (cheaper than pickle)."""
    out = []
    for rel, raw in items:
        loaded = read_file(rel, raw)
        out.append((loaded.data, [(f.rule, f.message, f.line, f.col, f.hint, f.severity.value)
                                  for f in loaded.findings]))
    return marshal.dumps(out)


def _progress(done: int, total: int) -> None:
    import sys

    sys.stderr.write(f"\r读取记录 (reading records) {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _parse_in_pool(items: list[tuple[str, bytes]], workers: int) -> list[tuple[Any, list[Any]]]:
    import multiprocessing
    import sys

    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    show = sys.stderr.isatty()
    results: list[tuple[Any, list[Any]]] = []
    # fork: the workers start with csops already imported, at no cost.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for n, blob in enumerate(pool.imap(_parse_chunk, chunks), start=1):
            results.extend(marshal.loads(blob))
            if show:
                _progress(min(n * CHUNK, len(items)), len(items))
    return results


def read_tree(root: Path, *, from_index: bool = False, use_cache: bool = True,
              workers: int | None = None) -> list[LoadedFile]:
    """Every record file, parsed; what the parse cache lacks is parsed on every core when it is a lot."""
    import os

    files = list_index(root) if from_index else list_worktree(root)
    cache = ShardedCache(root) if use_cache else None
    workers = workers if workers is not None else (os.cpu_count() or 1)
    misses: list[tuple[str, bytes]] = []
    if cache is not None:
        misses = [(rel, raw) for rel, raw in files.items() if not cache.has(rel, raw)]
    else:
        misses = list(files.items())
    if workers > 1 and len(misses) >= POOL_MIN:
        try:
            parsed = dict(zip((rel for rel, _ in misses), _parse_in_pool(misses, workers), strict=True))
        except (OSError, ValueError):  # no fork or no processes here: one core, same answers
            parsed = {}
        if parsed:
            loaded = []
            for rel, raw in files.items():
                hit = parsed.get(rel)
                if hit is None:
                    loaded.append(read_file(rel, raw, cache.shard(rel) if cache else None))
                    continue
                loaded.append(_from_worker(rel, raw, hit, cache.shard(rel) if cache else None))
            if cache is not None:
                cache.save(prune=True, whole_tree=True)
            return loaded
    loaded = [read_file(rel, raw, cache.shard(rel) if cache else None) for rel, raw in files.items()]
    if cache is not None:
        cache.save(prune=True, whole_tree=True)
    return loaded


def shard_of(rel: str) -> str:
    """The parse cache shard of a record file: the folder it lies in under records/
    (``tickets-2026-11``), so a command that reads a few records of a big kind loads their
    month, not every ticket the office ever had (85 MB at 100,000 records)."""
    parts = rel.split("/")
    return "-".join(parts[1:-1]) if len(parts) > 2 else "records"


class ShardedCache:
    """The parse caches of every folder, opened as files of that folder are read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.shards: dict[str, ParseCache] = {}

    def shard(self, rel: str) -> ParseCache:
        name = shard_of(rel)
        if name not in self.shards:
            self.shards[name] = ParseCache(self.root, name)
        return self.shards[name]

    def has(self, rel: str, raw: bytes) -> bool:
        return ParseCache.digest(raw) in self.shard(rel).entries

    def save(self, prune: bool = False, *, whole_tree: bool = False) -> None:
        """Write the shards; after a read of the whole tree (``whole_tree``) also delete the shards
        of folders that are gone (or of an older layout)."""
        for cache in self.shards.values():
            cache.save(prune)
        if whole_tree:
            kept = {f"parsed-{name}.marshal" for name in self.shards}
            for path in (self.root / CACHE_DIR).glob("parsed-*.marshal"):
                if path.name not in kept:
                    path.unlink(missing_ok=True)


def _from_worker(rel: str, raw: bytes, hit: tuple[Any, list[Any]], cache: ParseCache | None) -> LoadedFile:
    data, found = hit
    from csops.models import kind_for_relpath

    loaded = LoadedFile(rel=rel, kind=kind_for_relpath(rel[len(RECORDS) + 1 :]), raw=raw, blob=blob_id(raw))
    try:
        text = raw.decode("utf-8")
        loaded.text = text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError:
        pass
    loaded.data = data
    for rule, message, line, col, hint, severity in found:
        loaded.finding(rule, message, line=line, col=col, hint=hint, severity=Severity(severity))
    if cache is not None and data is not None:
        cache.put(ParseCache.digest(raw), data)
    return loaded


class IdError(ValueError):
    pass


def check_station(station: str) -> str:
    from csops.models.common import STATION_RE

    if not STATION_RE.match(station):
        raise IdError(f"station code {station!r} must be 1 to 3 capital letters, e.g. A or BJ")
    return station


def allocate_id(root: Path, folder: str, prefix: str, yymm: str, station: str, taken: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """Next free ``PREFIX-YYMM-STATIONnnn`` in ``records/<folder>/20YY/MM``.

    Serials are per station, so two clones with different stations never pick the same id.
    """
    from csops.models.common import ID_RE

    check_station(station)
    month_dir = root / RECORDS / folder / f"20{yymm[:2]}" / yymm[2:]
    serials = [0]
    names = {p.stem for p in month_dir.glob("*.y*ml")} if month_dir.is_dir() else set()
    for name in names | set(taken):
        match = ID_RE.match(name)
        if match and match.group("prefix") == prefix and match.group("yymm") == yymm and match.group("station") == station:
            serials.append(int(match.group("serial")))
    return f"{prefix}-{yymm}-{station}{max(serials) + 1:03d}"
