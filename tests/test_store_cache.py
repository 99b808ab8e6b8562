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
