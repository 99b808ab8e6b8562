"""The result cache gives exactly what a full cold check gives: same findings, same order.

Real git repositories in temporary folders; the demo office and random changes to it (edits,
broken files, deleted and copied records, staged-only changes), checked at many moments, each
incremental answer compared with a cold check of the same tree at the same moment.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from csops.checker import check
from csops.tracking import TrackedNow, Tracker
from tests.fixtures import demo_repo, git

DEMO_NOW = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return demo_repo(tmp_path / "demo")


def same_as_cold(root: Path, now: datetime, *, from_index: bool = False) -> dict[str, int]:
    stats: dict[str, int] = {}
    warm = check(root, now, from_index=from_index, stats=stats)
    cold = check(root, now, from_index=from_index, use_cache=False)
    assert [f.as_text() for f in warm.findings] == [f.as_text() for f in cold.findings]
    assert warm.files_checked == cold.files_checked
    return stats


MOMENTS = [0, 0, 59, 3600, 6 * 3600, 86400, 3 * 86400, -10 * 86400, -40 * 86400, 45 * 86400, 45 * 86400 + 1]


def test_unchanged_tree_at_many_moments_equals_cold(demo: Path) -> None:
    for seconds in MOMENTS:
        same_as_cold(demo, DEMO_NOW + timedelta(seconds=seconds))


def test_unchanged_tree_is_answered_from_the_cache(demo: Path) -> None:
    check(demo, DEMO_NOW)
    stats: dict[str, int] = {}
    check(demo, DEMO_NOW, stats=stats)
    # Only what really depends on the clock's reading (an overdue loan's "N hours overdue") is re-run.
    assert stats["partial"] and stats["read"] <= 120  # the policy, keys, loans and staff: no ticket read
    assert stats["evaluated"] == 0
    assert stats["reused"] > 300


def test_a_ticket_change_reads_only_that_ticket_and_what_links_it(demo: Path) -> None:
    """A handover that links a ticket (HOV-SEC-01) depends on that ticket by id, not on every ticket:
    editing another ticket reads a handful of files, not the ticket kind."""
    check(demo, DEMO_NOW)
    ticket = _ticket_files(demo)[0]
    ticket.write_text(ticket.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    stats = same_as_cold(demo, DEMO_NOW)
    files = len(list((demo / "records").rglob("*.yaml")))
    # (when the handovers depended on the whole ticket kind this read 256 of the demo's 417 files)
    assert stats["partial"] and stats["read"] < files / 10 and stats["evaluated"] <= 4


def test_a_link_to_a_missing_ticket_is_mended_when_the_ticket_appears(demo: Path) -> None:
    """HOV-SEC-01 by id: the link's finding comes and goes with the one ticket it names."""
    book = demo / "records/handovers/2026/11/2026-11-11-cs_office-early.yaml"
    linked = next((demo / "records/tickets").rglob("T-2611-A014.yaml"))
    saved = linked.read_bytes()
    check(demo, DEMO_NOW)
    linked.unlink()
    gone = same_as_cold(demo, DEMO_NOW)
    assert gone.get("partial"), gone  # the id vanished: its referrers are read again, not the tree
    assert any("T-2611-A014" in t and "HOV-SEC-01" in t for t in _texts(check(demo, DEMO_NOW)))
    linked.write_bytes(saved)
    same_as_cold(demo, DEMO_NOW)
    assert not any("HOV-SEC-01" in t and "T-2611-A014" in t for t in _texts(check(demo, DEMO_NOW)))
    assert book.exists() and gone is not None


def _id_groups(root: Path) -> list[str]:
    """The STORE-ID-01 groups the result cache holds an evaluation of."""
    from csops.incremental import ResultCache, code_fingerprint
    from csops.policy_history import cache_key
    from csops.store import blob_id

    policy = blob_id((root / "records" / "policy.yaml").read_bytes())
    cache = ResultCache(root, f"{code_fingerprint()}:{cache_key(root, policy)}")
    cache.load_evaluations()
    return [k.split("|", 1)[1] for k in cache.trees if ":STORE-ID-01:" in k and "|" in k]


def test_a_duplicate_id_is_found_and_mended_by_the_partial_check(demo: Path) -> None:
    """STORE-ID-01 runs only on ids held by two records or more (min_members=2): a copy of a ticket
    makes its one group, found by the partial check; deleting the copy mends it; the cache never
    holds a group per record."""
    check(demo, DEMO_NOW)
    assert _id_groups(demo) == []  # 417 records, not one evaluation per id
    ticket = _ticket_files(demo)[3]
    copy = ticket.with_name("X" + ticket.name)
    shutil.copy(ticket, copy)
    stats = same_as_cold(demo, DEMO_NOW)
    assert stats.get("partial")
    duplicate = [t for t in _texts(check(demo, DEMO_NOW)) if "STORE-ID-01" in t]
    assert duplicate and ticket.stem in duplicate[0]
    assert _id_groups(demo) == [f"ticket:{ticket.stem}"]
    copy.unlink()
    assert same_as_cold(demo, DEMO_NOW).get("partial")
    assert not any("STORE-ID-01" in t for t in _texts(check(demo, DEMO_NOW)))
    assert _id_groups(demo) == []


def test_a_record_gone_is_answered_from_the_snapshot(demo: Path) -> None:
    """A ticket deleted (or a `git reset` past a new one): the files that referenced its id are
    validated again, not the whole tree; a person gone still means a full check."""
    check(demo, DEMO_NOW)
    files = len(list((demo / "records").rglob("*.yaml")))
    for ticket in _ticket_files(demo)[-3:]:
        ticket.unlink()
        stats = same_as_cold(demo, DEMO_NOW)
        assert stats.get("partial") and stats["read"] < files / 10, stats
    key = next((demo / "records" / "keys").rglob("OF-ST01.yaml"))  # eight loans reference it
    key.unlink()
    stats = same_as_cold(demo, DEMO_NOW)  # the rules over keys and loans re-run: those kinds are read
    assert stats.get("partial") and stats["read"] < files / 2, stats
    assert any(f.rule == "STORE-REF-02" and "OF-ST01" in f.message for f in check(demo, DEMO_NOW).findings)
    staff = sorted((demo / "records" / "staff").glob("*.yaml"))[-1]
    staff.unlink()
    assert not same_as_cold(demo, DEMO_NOW).get("partial")


def _texts(result: object) -> list[str]:
    return [f.as_text() for f in result.findings]  # type: ignore[attr-defined]


def test_the_summary_answers_an_unchanged_tree_as_a_cold_check_would(demo: Path) -> None:
    """The one-file summary: same findings as a cold check; dropped by any change of file, code or
    by "now" leaving the interval on which every finding holds (here: a loan falls due at 17:00)."""
    from csops.incremental import summary_answer
    from csops.store import listing

    check(demo, DEMO_NOW)
    kept = summary_answer(demo, "worktree", listing(demo) or {}, DEMO_NOW)
    assert kept is not None
    cold = check(demo, DEMO_NOW, use_cache=False)
    assert _texts(kept) == _texts(cold) and kept.files_checked == cold.files_checked
    # the clock crosses the loan's due time: the kept answer no longer holds, and a check says why
    later = DEMO_NOW + timedelta(hours=9)
    assert summary_answer(demo, "worktree", listing(demo) or {}, later) is None
    after = check(demo, later)
    assert _texts(after) == _texts(check(demo, later, use_cache=False))
    assert _texts(after) != _texts(cold)  # KEY-LOAN-02: the loan is now overdue
    # a changed file: the listing differs, so the summary is not used
    ticket = _ticket_files(demo)[0]
    ticket.write_text(ticket.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    assert summary_answer(demo, "worktree", listing(demo) or {}, later) is None


def test_a_new_csops_version_drops_the_summary(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csops.incremental
    from csops.store import listing

    check(demo, DEMO_NOW)
    csops.incremental.code_fingerprint.cache_clear()
    monkeypatch.setattr(csops.incremental, "code_fingerprint", lambda: "another version")
    assert csops.incremental.summary_answer(demo, "worktree", listing(demo) or {}, DEMO_NOW) is None


def test_validate_of_an_unchanged_tree_imports_no_model_or_rule(demo: Path) -> None:
    """The warm path of `csops validate`: listing + one file, same output as the full check."""
    from tests.fixtures import csops_subprocess

    first = csops_subprocess("--now", DEMO_NOW.isoformat(), "validate", cwd=demo)
    now = DEMO_NOW.isoformat()
    probe = (f"import sys, runpy; sys.argv = ['csops', '--now', {now!r}, 'validate'];\n"
             "try: runpy.run_module('csops', run_name='__main__')\n"
             "except SystemExit as e: print('EXIT', e.code, 'csops.checker' in sys.modules, 'pydantic' in sys.modules)")
    import subprocess
    import sys

    second = subprocess.run([sys.executable, "-c", probe], cwd=demo, capture_output=True, text=True)
    assert second.stdout.rsplit("EXIT", 1)[0] == first.stdout
    assert second.stdout.rsplit("EXIT", 1)[1].split() == [str(first.returncode), "False", "False"]


def _ticket_files(root: Path) -> list[Path]:
    return sorted((root / "records" / "tickets").rglob("*.yaml"))


def _mutations(root: Path, rng: random.Random) -> list[str]:
    """Apply one random change; returns what was done (for the assertion message)."""
    files = sorted((root / "records").rglob("*.yaml"))
    target = rng.choice([f for f in files if f.name != "policy.yaml"])
    text = target.read_text(encoding="utf-8")
    choice = rng.randrange(7)
    if choice == 0:  # a comment: same data, another blob
        target.write_text(text + "# note\n", encoding="utf-8")
    elif choice == 1:  # broken YAML
        target.write_text(text + "  bad: [\n", encoding="utf-8")
    elif choice == 2:  # a record gone (references to it break)
        target.unlink()
    elif choice == 3:  # a copy under another name (duplicate id, misfiled)
        shutil.copy(target, target.with_name("X" + target.name))
    elif choice == 4:  # a time without its offset
        target.write_text(text.replace("+08:00", "", 1), encoding="utf-8")
    elif choice == 5:  # a staff member gone: every reference to them breaks
        staff = sorted((root / "records" / "staff").glob("*.yaml"))
        rng.choice(staff).unlink()
    else:  # an event's time moved a day later
        import re

        match = re.search(r"at: (2026-\d\d-\d\d)T", text)
        if match:
            day = datetime.fromisoformat(match.group(1)) + timedelta(days=1)
            text = text.replace(match.group(0), f"at: {day:%Y-%m-%d}T", 1)
        target.write_text(text, encoding="utf-8")
    return [f"{choice} {target.relative_to(root)}"]


def test_random_changes_equal_cold(demo: Path) -> None:
    rng = random.Random(20261202)
    done: list[str] = []
    same_as_cold(demo, DEMO_NOW)
    partial = 0
    for step in range(8):
        done += _mutations(demo, rng)
        moment = DEMO_NOW + timedelta(hours=rng.randrange(-200, 200))
        try:
            partial += same_as_cold(demo, moment).get("partial", 0)
            partial += same_as_cold(demo, moment + timedelta(minutes=rng.randrange(1, 600))).get("partial", 0)
        except AssertionError as exc:  # pragma: no cover - the message names the changes
            raise AssertionError(f"after step {step}: {done}") from exc
    assert partial >= 4, "the changes were all answered by a full check: the partial path went untested"


def test_generated_office_after_random_changes_equals_cold(tmp_path: Path) -> None:
    """A realistic office (every family, a busy switchboard number, a git history), changed at random."""
    from csops.generate import generate_office

    root = tmp_path / "office"
    made = generate_office(root, 700, seed=7)
    now = datetime.fromisoformat(str(made["now"]))
    rng = random.Random(7)
    same_as_cold(root, now)
    partial = 0
    for _ in range(6):
        _mutations(root, rng)
        partial += same_as_cold(root, now + timedelta(hours=rng.randrange(0, 72))).get("partial", 0)
    assert partial >= 3


def test_staged_changes_equal_cold(demo: Path) -> None:
    """The hook's view (the index) has its own snapshot; staging a change is seen."""
    same_as_cold(demo, DEMO_NOW, from_index=True)
    ticket = _ticket_files(demo)[3]
    ticket.write_text(ticket.read_text(encoding="utf-8").replace("+08:00", "", 1), encoding="utf-8")
    same_as_cold(demo, DEMO_NOW, from_index=True)  # not staged yet: the index is unchanged
    git(demo, "add", str(ticket))
    stats = same_as_cold(demo, DEMO_NOW, from_index=True)
    assert stats["read"] > 0
    assert any(f.rule == "STORE-TIME-01" for f in check(demo, DEMO_NOW, from_index=True).findings)


def test_the_hook_s_first_run_starts_from_the_worktree_snapshot(demo: Path) -> None:
    """No index snapshot yet (only the working tree was checked): the hook reads the staged changes,
    not the whole index, and answers as a cold check of the index does."""
    check(demo, DEMO_NOW)  # the working tree only
    for ticket in _ticket_files(demo)[:3]:
        ticket.write_text(ticket.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    git(demo, "add", "-A", "records")
    files = len(list((demo / "records").rglob("*.yaml")))
    stats = same_as_cold(demo, DEMO_NOW, from_index=True)
    assert stats.get("partial") and stats["read"] < files / 10, stats
    rng = random.Random(11)  # and after changes of every sort, still the cold answer
    for _ in range(4):
        _mutations(demo, rng)
        git(demo, "add", "-A", "records")
        same_as_cold(demo, DEMO_NOW, from_index=True)


def test_a_new_csops_version_drops_the_cache(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csops.checker

    check(demo, DEMO_NOW)
    monkeypatch.setattr(csops.checker, "code_fingerprint", lambda: "another version")
    stats: dict[str, int] = {}
    check(demo, DEMO_NOW, stats=stats)
    assert stats["reused"] == 0


def test_a_corrupt_cache_is_only_slower(demo: Path) -> None:
    check(demo, DEMO_NOW)
    for path in (demo / ".csops-cache").glob("*.marshal"):
        path.write_bytes(b"\x00garbage")
    same_as_cold(demo, DEMO_NOW)


# -- the tracked clock -------------------------------------------------------------------


def test_tracked_now_keeps_the_interval_of_same_answers() -> None:
    now = DEMO_NOW
    due = now + timedelta(hours=3)
    tracker = Tracker()
    tracked = TrackedNow.wrap(now, tracker)
    assert (tracked > due) is False and (due <= tracked) is False
    assert tracker.holds_at(now + timedelta(hours=2, minutes=59))
    assert not tracker.holds_at(now + timedelta(hours=3))  # at due, `due <= now` turns true
    assert tracker.holds_at(now - timedelta(days=30))


def test_tracked_now_follows_sums_differences_and_days() -> None:
    tracker = Tracker()
    tracked = TrackedNow.wrap(DEMO_NOW, tracker)
    since = DEMO_NOW - timedelta(hours=23)
    assert (tracked - since > timedelta(hours=24)) is False
    assert tracker.holds_at(DEMO_NOW + timedelta(minutes=59))
    assert not tracker.holds_at(DEMO_NOW + timedelta(hours=1, seconds=1))
    day = Tracker()
    assert TrackedNow.wrap(DEMO_NOW, day).date().isoformat() == "2026-11-23"
    assert day.holds_at(DEMO_NOW.replace(hour=23, minute=59))
    assert not day.holds_at(DEMO_NOW.replace(hour=0) - timedelta(seconds=1))
    assert not day.opaque


def test_any_other_use_of_now_is_opaque() -> None:
    for use in (lambda n: n.isoformat(), lambda n: f"{n:%H}", lambda n: n.hour + 1 if n.weekday() else 0,
                lambda n: (n - DEMO_NOW).total_seconds(), lambda n: hash(n)):
        tracker = Tracker()
        use(TrackedNow.wrap(DEMO_NOW, tracker))
        assert tracker.opaque


def test_an_index_built_inside_a_rule_passes_its_reads_on_without_touching_now() -> None:
    from csops.context import Context
    from csops.models.policy import Policy

    ctx = Context(policy=Policy(), now=DEMO_NOW)
    with ctx.tracking(Tracker()) as outer:
        ctx.memo("test.due", lambda: ctx.now > DEMO_NOW - timedelta(hours=1))
    assert not outer.opaque and outer.lo is not None  # the index's comparison, replayed to the rule
    with ctx.tracking(Tracker()) as again:
        ctx.memo("test.due", lambda: None)  # built already: its reads are replayed
    assert again.lo == outer.lo


def test_a_write_leaves_the_summary_of_the_tree_it_made(tmp_path: Path) -> None:
    """After `csops ticket new`, `validate` of the new tree is answered from the summary the write
    kept, and that answer is the cold check's."""
    from csops.incremental import summary_answer
    from csops.store import listing
    from tests.fixtures import Office, init_repo

    office = Office(init_repo(tmp_path / "office"))
    now = datetime.fromisoformat("2026-11-02T09:00:00+08:00")
    office.ok("validate", now=now)
    office.ok("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
              "--contact", "13900000000", "--content", "停车月卡怎么办理", as_="CS001", now=now)
    kept = summary_answer(office.root, "worktree", listing(office.root) or {}, now)
    assert kept is not None
    cold = check(office.root, now, use_cache=False)
    assert _texts(kept) == _texts(cold) and kept.files_checked == cold.files_checked



def test_writes_on_a_clean_tree_take_the_listing_from_the_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk's write after a write (or after `validate` of a clean checkout) does not ask git for the
    listing: the summary names HEAD's tree and the cache's snapshot of it. The answers stay the cold
    check's; a tree that moved in between (a hand commit, an edit) is listed by git again."""
    import csops.checker
    from csops import git as csops_git
    from csops.incremental import summary_answer
    from tests.fixtures import Office, init_repo

    office = Office(init_repo(tmp_path / "office"))
    now = datetime.fromisoformat("2026-11-02T09:00:00+08:00")
    new_ticket = ("ticket", "new", "--type", "consultation", "--channel", "phone", "--customer", "刘女士",
                  "--contact", "13900000000", "--content", "停车月卡怎么办理")
    office.ok("validate", now=now)
    # The first ticket commit ends the office's set-up (csops.policy_history): the caches keyed by
    # the policy's history start anew once, so the second write checks in full and the third lists
    # the tree and leaves the summary the fourth starts from.
    for _ in range(3):
        office.ok(*new_ticket, as_="CS001", now=now)
    calls: list[str] = []
    real_listing = csops.checker.listing

    def counted(root: Path, **kwargs: bool) -> dict[str, str] | None:
        calls.append(str(root))
        return real_listing(root, **kwargs)

    monkeypatch.setattr(csops.checker, "listing", counted)
    for _ in range(2):
        office.ok(*new_ticket, as_="CS002", now=now)
        tree = csops_git.clean_tree(office.root, "records")
        kept = summary_answer(office.root, "worktree", None, now, tree=tree)
        assert kept is not None, "the write left the summary of the tree it committed"
        assert _texts(kept) == _texts(check(office.root, now, use_cache=False))
    assert calls == [], "a write on a clean tree after a write listed the tree through git"
    # A commit made by hand moves HEAD's tree: the next write lists the tree again, and is right.
    ticket = sorted((office.root / "records" / "tickets").rglob("T-*.yaml"))[0]
    ticket.write_text(ticket.read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8")
    office.git("commit", "-qam", "hand edit")
    office.ok(*new_ticket, as_="CS001", now=now)
    assert len(calls) == 1
    assert _texts(check(office.root, now)) == _texts(check(office.root, now, use_cache=False))

def test_a_clean_checkout_is_answered_from_git_s_tree_id(demo: Path) -> None:
    """The second `validate` of a clean checkout is answered from `git.clean_tree` and the summary;
    a change anywhere under records/ (edited, staged, untracked) falls back to the listing."""
    from csops import git
    from csops.incremental import summary_answer
    from tests.fixtures import csops_subprocess

    now = DEMO_NOW.isoformat()
    first = csops_subprocess("--now", now, "validate", cwd=demo)
    tree = git.clean_tree(demo, "records")
    assert tree is not None
    kept = summary_answer(demo, "worktree", None, DEMO_NOW, tree=tree)
    assert kept is not None and _texts(kept) == _texts(check(demo, DEMO_NOW, use_cache=False))
    assert csops_subprocess("--now", now, "validate", cwd=demo).stdout == first.stdout
    extra = demo / "records" / "tickets" / "note.yaml"
    extra.write_text("id: [\n", encoding="utf-8")  # untracked: not clean
    assert git.clean_tree(demo, "records") is None
    broken = csops_subprocess("--now", now, "validate", cwd=demo)
    assert broken.returncode == 1 and "note.yaml" in broken.stdout
    extra.unlink()
    ticket = _ticket_files(demo)[0]
    ticket.write_text(ticket.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    assert git.clean_tree(demo, "records") is None  # edited
    git_cmd = ["git", "-C", str(demo)]
    import subprocess

    subprocess.run([*git_cmd, "add", "-A"], check=True)
    assert git.clean_tree(demo, "records") is None  # staged
    subprocess.run([*git_cmd, "commit", "-qm", "note"], check=True)
    assert git.clean_tree(demo, "records") not in (None, tree)  # a new tree: the old summary is not it


def test_staged_edits_checked_then_discarded_leave_the_worktree_answer_incremental(demo: Path) -> None:
    """The hook checks staged hand edits (index view); they are discarded (git reset --hard): the
    working tree's next check still has its evaluations, and equals a cold check."""
    import subprocess

    check(demo, DEMO_NOW)
    for ticket in _ticket_files(demo)[:5]:
        ticket.write_text(ticket.read_text(encoding="utf-8") + "# hand note\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(demo), "add", "records"], check=True)
    same_as_cold(demo, DEMO_NOW, from_index=True)
    subprocess.run(["git", "-C", str(demo), "reset", "-q", "--hard"], check=True)
    stats = same_as_cold(demo, DEMO_NOW)
    assert stats["partial"] and stats["evaluated"] <= 20  # the 5 tickets and their groups, not all


def test_the_hook_s_second_look_at_the_same_staged_files_is_answered_from_the_index_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`validate --staged` names the staged view by git's tree id of records/ in the index
    (`git write-tree`): the same staged files again are answered from the summary without listing
    the index; other staged files are listed and checked."""
    import csops.store
    from tests.fixtures import Office

    office = Office(demo_repo(tmp_path / "demo"))
    ticket = _ticket_files(office.root)[0]
    ticket.write_text(ticket.read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8")
    office.git("add", "-A")
    first = office.run("validate", "--staged", now=DEMO_NOW)
    real = csops.store.listing
    calls: list[bool] = []

    def counted(root: Path, *, from_index: bool = False) -> dict[str, str] | None:
        calls.append(from_index)
        return real(root, from_index=from_index)

    monkeypatch.setattr(csops.store, "listing", counted)
    again = office.run("validate", "--staged", now=DEMO_NOW)
    assert again.output == first.output and again.exit_code == first.exit_code and calls == []
    other = _ticket_files(office.root)[1]
    other.write_text(other.read_text(encoding="utf-8") + "# 另一个备注\n", encoding="utf-8")
    office.git("add", "-A")
    third = office.run("validate", "--staged", now=DEMO_NOW)
    assert calls == [True] and third.exit_code == first.exit_code
    cold = check(office.root, DEMO_NOW, from_index=True, use_cache=False)
    assert third.output.splitlines()[-1] == f"{cold.files_checked} 个文件已检查: {len(cold.errors)} 个错误, " \
        f"{len(cold.warnings)} 个警告 ({cold.files_checked} files checked: {len(cold.errors)} errors, {len(cold.warnings)} warnings)"
