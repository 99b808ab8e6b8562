"""The parse cache never changes what validate sees: keyed by content, an unreadable cache is empty."""

from __future__ import annotations

import subprocess

from csops.store import CACHE_DIR, ParseCache, read_tree
from tests.fixtures import Office

REL = "records/staff/CS099.yaml"
GOOD = "schema_version: 1\nid: CS099\nname: 测试\ndepartment: cs\nroles: [agent]\n"


def test_cache_is_keyed_by_content(office: Office) -> None:
    office.write(REL, GOOD)
    first = {f.rel: f.data for f in read_tree(office.root)}
    assert (office.root / CACHE_DIR / "parsed-staff.marshal").is_file()
    office.write(REL, GOOD.replace("测试", "测试二"))
    second = {f.rel: f.data for f in read_tree(office.root)}
    assert first[REL]["name"] == "测试"
    assert second[REL]["name"] == "测试二"


def test_corrupt_cache_is_treated_as_empty(office: Office) -> None:
    office.write(REL, GOOD)
    read_tree(office.root)
    (office.root / CACHE_DIR / "parsed-staff.marshal").write_bytes(b"\x00garbage")
    files = {f.rel: f for f in read_tree(office.root)}
    assert files[REL].data["id"] == "CS099"
    assert files[REL].findings == []


def test_a_warm_cache_is_read_instead_of_parsing(office: Office) -> None:
    import marshal

    office.write(REL, GOOD)
    read_tree(office.root)
    path = office.root / CACHE_DIR / "parsed-staff.marshal"
    tag, entries = marshal.loads(path.read_bytes())
    key = ParseCache.digest(GOOD.encode("utf-8"))
    entries[key] = {**entries[key], "name": "来自缓存"}  # only a cache hit can produce this value
    path.write_bytes(marshal.dumps((tag, entries)))
    files = {f.rel: f for f in read_tree(office.root)}
    assert files[REL].data["name"] == "来自缓存"
    assert {f.rel: f.data for f in read_tree(office.root, use_cache=False)}[REL]["name"] == "测试"


def test_the_cache_folder_ignores_itself(office: Office) -> None:
    """A records repo set up by hand (no .csops-cache line in .gitignore) never sees the cache as new files."""
    (office.root / ".gitignore").write_text("", encoding="utf-8")
    office.write(REL, GOOD)
    read_tree(office.root)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=office.root,
                            capture_output=True, text=True, check=True).stdout
    assert (office.root / CACHE_DIR / "parsed-staff.marshal").is_file()
    assert CACHE_DIR not in status


def test_shards_follow_folders_and_a_full_read_drops_stale_ones(office: Office) -> None:
    """One shard per folder (a ticket month is its own file), so a command reading a few records of a
    big kind loads their month only; a full read deletes shards of folders that are gone or of an
    older layout (one file per kind)."""
    from csops.store import ShardedCache, shard_of

    assert shard_of("records/tickets/2026/11/T-2611-A001.yaml") == "tickets-2026-11"
    assert shard_of("records/staff/CS001.yaml") == "staff"
    assert shard_of("records/policy.yaml") == "records"
    office.write(REL, GOOD)
    office.write("records/tickets/2026/11/T-2611-A901.yaml", "id: T-2611-A901\n")
    old_layout = office.root / CACHE_DIR / "parsed-tickets.marshal"
    old_layout.parent.mkdir(exist_ok=True)
    old_layout.write_bytes(b"\x00old")
    read_tree(office.root)
    names = {p.name for p in (office.root / CACHE_DIR).glob("parsed-*.marshal")}
    assert {"parsed-staff.marshal", "parsed-tickets-2026-11.marshal"} <= names
    assert "parsed-tickets.marshal" not in names
    cache = ShardedCache(office.root)
    assert cache.has("records/tickets/2026/11/T-2611-A901.yaml", b"id: T-2611-A901\n")
    assert list(cache.shards) == ["tickets-2026-11"]  # only that month's shard was opened
