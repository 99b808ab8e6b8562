"""Benchmarks (make bench): the scale issue's table, measured. Timing claims live here, never in unit tests.

For each size, a realistic office is generated once (``csops generate`` / ``csops.generate.generate_office``)
and cached under ``.bench-offices/<size>-<seed>-<csops version>-<generator hash>/``; every run works on a
fresh copy of it. Each row of the issue's table then runs as a real subprocess of the installed
``csops`` (the one next to this interpreter), several times, and reports the median.

What is measured, per run of a command:
  wall   time.perf_counter() around the child, from spawn to its exit;
  cpu    user + system time of the child and every descendant it waited for (git, the hook's python);
  rss    peak resident set size of the largest of those processes.
cpu and rss come from ``os.wait4()`` on that one child: the same ``struct rusage`` that
``resource.getrusage(RUSAGE_CHILDREN)`` accumulates, but for this child alone, so a peak RSS is never
that of an earlier, larger command (RUSAGE_CHILDREN's ru_maxrss only ever grows). /usr/bin/time is
not used.

Write rows (hook commit, ticket new, ticket resolve, the staged edits) run on the copy and are reset
after every repeat (``git reset --hard`` to the office's head + ``git clean -fd``, which keeps the
git-ignored .csops-cache), so each repeat starts from the same state. Every command's exit status is
checked (0, or 1 where findings are expected); a crash, a refusal or a timeout is reported in the
table and makes ``make bench`` exit non-zero.

Floor and peers run in the same process: the floor is one Python process reading every byte of every
record file; the peers are check-jsonschema over the tickets (against schemas/ticket.schema.json)
and beancount's bean-check over a generated ledger with as many transactions as the office has
records, both from .venv-bench (``make bench`` creates it; never a project dependency).

Usage:
  python scripts/bench.py --sizes 2000 10000 [--repeat 3] [--cold-repeat N] [--timeout 600]
                          [--rows validate-cold,ticket-show] [--json out.json] [--md out.md]
  python scripts/bench.py --stand-in       # the demo office of records/ instead of the generator
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSOPS = str(BIN / "csops")
DEMO_NOW = "2026-11-23T09:00:00+08:00"  # keep in step with the Makefile and scripts/demo
TARGET_SIZE = 100_000
SCHEMA = PROJECT / "schemas" / "ticket.schema.json"

FLOOR_CODE = """\
import os, sys
files = size = 0
for folder, _dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name), "rb") as fh:
                size += len(fh.read())
            files += 1
print(files, size)
"""


class BenchError(RuntimeError):
    """A command of the benchmark did not do what it should: the numbers would mean nothing."""


class Timeout(RuntimeError):
    """A set-up command (a warm-up, a trial) ran past --timeout: the row cannot be measured."""


# -- running one command -----------------------------------------------------------------------------


@dataclass
class Run:
    argv: list[str]
    rc: int | None  # None: killed at the timeout
    wall: float
    cpu: float
    rss_mb: float
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.rc is None


def run_cmd(argv: Sequence[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to completion (or kill its process group at ``timeout``) and measure it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env or child_env(), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        done: dict[str, Any] = {}

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            done.update(end=time.perf_counter(), status=status, usage=usage)

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        timed_out = waiter.is_alive()
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            waiter.join()
        rc = os.waitstatus_to_exitcode(done["status"])
        proc.returncode = rc  # reaped by wait4: keep Popen from waiting again
        usage = done["usage"]
        out.seek(0)
        err.seek(0)
        return Run(list(argv), None if timed_out else rc, done["end"] - start, usage.ru_utime + usage.ru_stime,
                   usage.ru_maxrss / 1024, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def child_env() -> dict[str, str]:
    # Without PYTHONDONTWRITEBYTECODE: an installed csops has its bytecode; compiling ~40 modules
    # on every run (0.2 s) would be measured as csops's own cost.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSOPS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("LANG", "C.UTF-8")
    return env


def git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=child_env())
    if check and result.returncode != 0:
        raise BenchError(f"git {' '.join(args)} in {root}: {result.stderr.strip()}")
    return result.stdout.strip()


# -- the offices -------------------------------------------------------------------------------------


def csops_version() -> str:
    from importlib.metadata import version

    try:
        return version("csops")
    except Exception:  # noqa: BLE001 - not installed: the source tree's
        return "src"


def generator_source(src: Path) -> Path | None:
    path = src / "csops" / "generate.py"
    return path if path.exists() else None


def office_key(size: int, seed: int, gen_src: Path, stand_in: bool) -> str:
    if stand_in:
        digest = hashlib.sha256()
        for path in sorted((PROJECT / "records").rglob("*.yaml")):
            digest.update(path.read_bytes())
        return f"demo{STAND_IN_VERSION}-{size}-{csops_version()}-{digest.hexdigest()[:8]}"
    generator = generator_source(gen_src)
    assert generator is not None
    return f"{size}-{seed}-{csops_version()}-{hashlib.sha256(generator.read_bytes()).hexdigest()[:8]}"


STAMP_RE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2})?)?")
SPAN = timedelta(weeks=9)  # longer than the demo's two months; whole weeks keep weekdays
SPANS = 24
STAND_IN_VERSION = 2  # bump when make_stand_in changes: the cached offices are then rebuilt


def make_stand_in(root: Path, size: int) -> dict[str, Any]:
    """The demo office of records/ as a git repo, read as of DEMO_NOW (until the generator exists).

    Asked for more records than the demo has, it adds copies of the demo's closed tickets moved back
    in time by whole 9-week spans, at most 24 of them (new ids at station X, several copies per span
    when needed, one commit per span), so the tree grows the way a long-running office's does. A stand-in: the generator's offices are the real thing.
    """
    result = run_cmd([CSOPS, "init", str(root), "--station", "A", "--no-hook"], PROJECT, 120)
    if result.rc != 0:
        raise BenchError(f"csops init failed: {result.stderr}")
    shutil.rmtree(root / "records")
    shutil.copytree(PROJECT / "records", root / "records")
    identity = ["-c", "user.name=csops-bench", "-c", "user.email=bench@csops.invalid"]
    git(root, "add", "-A")
    git(root, *identity, "commit", "-q", "-m", "demo office (bench stand-in)")
    total = sum(1 for _ in (root / "records").rglob("*.yaml"))
    demo_total = total
    sources = []
    for path in sorted((PROJECT / "records" / "tickets").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^status: closed$", text, re.M) and "kesu" not in text:
            sources.append(text)
    serials: dict[str, int] = {}
    # at most SPANS spans back (4 years, the calendar's range); denser spans for larger offices
    per_span = -(-(size - total) // (max(len(sources), 1) * SPANS))
    span = 0
    while total < size and sources:
        span += 1
        shift = SPAN * span
        for text in sources * per_span:
            if total >= size:
                break

            def moved(match: re.Match[str], shift: timedelta = shift) -> str:
                day = datetime.strptime(match.group(1), "%Y-%m-%d") - shift
                return f"{day:%Y-%m-%d}{match.group(2) or ''}"

            new = STAMP_RE.sub(moved, text)
            received = re.search(r"^  - at: (\d{4})-(\d{2})", new, re.M)
            assert received
            yymm = received.group(1)[2:] + received.group(2)
            serials[yymm] = serials.get(yymm, 0) + 1
            old_id = re.search(r"^id: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
            new_id = f"T-{yymm}-X{serials[yymm]:03d}"
            new = new.replace(old_id, new_id)
            target = root / "records" / "tickets" / f"20{yymm[:2]}" / yymm[2:] / f"{new_id}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(new, encoding="utf-8")
            total += 1
        git(root, "add", "-A")
        git(root, *identity, "commit", "-q", "-m", f"stand-in: demo tickets {span * 9} weeks earlier")
    return {"now": DEMO_NOW, "total": total, "stand_in": f"demo office of records/ ({demo_total} records)"
            + (f" + {total - demo_total} closed demo tickets moved back in 9-week spans" if total > demo_total else "")}


def generate(root: Path, size: int, seed: int, commits: str, gen_src: Path, timeout: float) -> dict[str, Any]:
    """Run the generator in its own process (its source tree may be another checkout than this one)."""
    code = ("import json, sys; from pathlib import Path; from csops.generate import generate_office; "
            "meta = generate_office(Path(sys.argv[1]), int(sys.argv[2]), seed=int(sys.argv[3]), commits=sys.argv[4]); "
            "print(json.dumps(meta, default=str))")
    env = child_env()
    python = [sys.executable]
    if gen_src.resolve() != PROJECT:
        # another checkout's csops: -S keeps the editable install of this one (a .pth) out,
        # the venv's site-packages still give it its dependencies
        import sysconfig

        paths = sysconfig.get_paths()
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(gen_src), paths["purelib"], paths["platlib"]]))
        python.append("-S")
    # cwd is the generator's tree: `python -c` puts the cwd first on sys.path
    result = run_cmd([*python, "-c", code, str(root), str(size), str(seed), commits], gen_src,
                     timeout, env)
    if result.rc != 0:
        raise BenchError(f"generating {size} records failed (rc {result.rc}):\n{result.stderr[-3000:]}")
    meta = json.loads(result.stdout.strip().splitlines()[-1])
    meta["generated_in_s"] = round(result.wall, 1)
    return meta


def ensure_office(cache: Path, size: int, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The pristine office for ``size`` (generated once, then reused) and its metadata."""
    key = office_key(size, args.seed, args.generator_src, args.stand_in)
    home = cache / key
    meta_file = home / "meta.json"
    if meta_file.exists():
        return home / "office", json.loads(meta_file.read_text())
    if home.exists():
        shutil.rmtree(home)  # a generation that did not finish
    home.mkdir(parents=True)
    say(f"  generating office {key} ...")
    if args.stand_in:
        meta = make_stand_in(home / "office", size)
    else:
        meta = generate(home / "office", size, args.seed, args.commits, args.generator_src, args.gen_timeout)
    meta_file.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    return home / "office", meta


# -- one office under test ---------------------------------------------------------------------------


TOP = re.compile(r"^(id|type|status|owner|department): *(\S+)", re.M)
OPEN_TYPES = ["consultation", "assistance", "suggestion", "installation", "repair", "complaint"]
EDIT_LINE = "# bench: hand edit, a comment line that changes nothing\n"


@dataclass
class Office:
    root: Path
    now: str
    timeout: float
    base: str = ""
    _agent: str | None = None
    _open: tuple[str, str, str] | None = None
    hook_before: bytes | None = None

    def __post_init__(self) -> None:
        self.base = git(self.root, "rev-parse", "HEAD")
        # a hand commit needs an identity; the repository's own config, so csops's commits are untouched
        git(self.root, "config", "user.name", "csops-bench")
        git(self.root, "config", "user.email", "bench@csops.invalid")

    def csops(self, *args: str) -> list[str]:
        return [CSOPS, "--root", str(self.root), "--now", self.now, *args]

    def run(self, argv: Sequence[str], expect: Sequence[int] = (0,)) -> Run:
        """An untimed set-up command: it must exit as expected and in time."""
        result = run_cmd(argv, self.root, self.timeout)
        check_run(result, expect, setup=True)
        return result

    def reset(self) -> None:
        git(self.root, "reset", "-q", "--hard", self.base)
        git(self.root, "clean", "-fdq")  # not -x: the git-ignored .csops-cache stays
        lock = self.root / ".git" / "csops.lock"
        if lock.exists():
            lock.unlink()

    def drop_cache(self) -> None:
        shutil.rmtree(self.root / ".csops-cache", ignore_errors=True)

    def _tops(self, folder: str) -> list[dict[str, str]]:
        files = git(self.root, "ls-files", "--", f"records/{folder}").splitlines()
        out = []
        for rel in reversed(files):  # newest months last in path order: open ones first
            text = (self.root / rel).read_text(encoding="utf-8", errors="replace")
            fields = dict(TOP.findall(text.split("\nevents:", 1)[0]))
            fields["path"] = rel
            out.append(fields)
            if len(out) >= 3000:
                break
        return out

    def agent(self) -> str:
        """A front-desk agent of the roster, to take the new ticket."""
        if self._agent is None:
            staff = self._tops("staff")
            for person in staff:
                text = (self.root / person["path"]).read_text(encoding="utf-8")
                if person.get("department") == "cs" and re.search(r"^ *- agent$", text, re.M) \
                        and not re.search(r"^active: false", text, re.M):
                    self._agent = person["id"]
                    break
            else:
                raise BenchError("no active cs agent in records/staff to take a ticket")
        return self._agent

    def open_tickets(self) -> list[tuple[str, str, str]]:
        """(id, type, owner) of open tickets, the easiest to resolve first."""
        found = [t for t in self._tops("tickets") if t.get("status") in ("received", "in_progress") and t.get("owner")]
        found.sort(key=lambda t: OPEN_TYPES.index(t["type"]) if t.get("type") in OPEN_TYPES else 99)
        return [(t["id"], t.get("type", ""), t["owner"]) for t in found]

    def resolve_argv(self, ticket: tuple[str, str, str]) -> list[str]:
        ticket_id, kind, owner = ticket
        extra = ["--validity", "invalid", "--invalid-reason", "misunderstanding", "--findings", "误解收费标准",
                 "--evidence", "通话录音"] if kind == "complaint" else []
        if kind == "suggestion":
            extra = ["--decision", "adopt"]
        return self.csops("--as", owner, "ticket", "resolve", ticket_id, "--resolution", "已电话答复客户",
                          "--reply-text", "已为您处理完毕,感谢您的来电", *extra)

    def open_ticket(self) -> tuple[str, str, str]:
        """An open ticket that resolves cleanly: tried on the copy (then reset), a few candidates at most."""
        if self._open is None:
            refusals = []
            for ticket in self.open_tickets()[:6]:
                result = run_cmd(self.resolve_argv(ticket), self.root, self.timeout)
                self.reset()
                if result.rc == 0:
                    self._open = ticket
                    break
                check_run(result, (0, 1), setup=True)
                refusals.append(f"{ticket[0]}: {result.stderr.strip()[:300] or result.stdout.strip()[:300]}")
            else:
                raise BenchError("no open ticket resolves cleanly:\n  " + "\n  ".join(refusals or ["none open"]))
        return self._open

    def edit_records(self, count: int = 5) -> list[str]:
        """Hand-edit ``count`` records spread over the tree (a comment line: valid before and after)."""
        files = git(self.root, "ls-files", "--", "records/tickets").splitlines() or \
            git(self.root, "ls-files", "--", "records").splitlines()
        files = [f for f in files if f.endswith(".yaml")]
        step = max(1, len(files) // count)
        chosen = files[::step][:count]
        for rel in chosen:
            with open(self.root / rel, "a", encoding="utf-8") as fh:
                fh.write(EDIT_LINE)
        git(self.root, "add", "--", *chosen)
        return chosen


def check_run(result: Run, expect: Sequence[int], setup: bool = False) -> None:
    if result.timed_out:
        if setup:
            raise Timeout(f"set-up `{' '.join(short(a) for a in result.argv[:6])} ...` ran past the timeout")
        return
    if result.rc not in expect or "Traceback (most recent call last)" in result.stderr:
        tail = (result.stderr.strip() or result.stdout.strip())[-1500:]
        raise BenchError(f"`{' '.join(short(a) for a in result.argv)}` exited {result.rc} (expected "
                         f"{'/'.join(map(str, expect))}):\n{tail}")


def short(arg: str) -> str:
    return Path(arg).name if arg.startswith("/") else arg


# -- rows --------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    title: str
    target: float | None  # seconds, at 100k records
    metric: str = "wall"  # or "cpu"
    cold: bool = False  # repeats from --cold-repeat
    group: str = "csops"  # or "floor", "peer"


ROWS = [
    Row("help", "`csops --help` CPU time", 0.1, metric="cpu"),
    Row("validate-cold", "`validate`, cold (no .csops-cache)", 15, cold=True),
    Row("validate-warm", "`validate`, warm, nothing changed", 0.6),
    Row("validate-staged", "`validate --staged`, 5 staged records", 0.3),
    Row("hook-commit", "`git commit` of 5 hand-edited records via the hook", 0.3),
    Row("ticket-new", "`ticket new` incl. its commit", 0.5),
    Row("ticket-new-signed", "`ticket new` incl. its commit, SSH-signed (issue 10)", 0.5),
    Row("ticket-resolve", "`ticket resolve` (an open ticket)", 0.5),
    Row("sla", "`sla`, warm", 1),
    Row("status", "`status`, warm", 1),
    Row("ticket-show", "`ticket show`, warm", 0.3),
    Row("report-monthly", "`report monthly --month`, warm", 1),
    Row("audit-full", "`audit`, whole history", None, cold=True),
    Row("audit-incremental", "`audit` from the last audited head (2 new commits)", 1),
    Row("floor", "floor: read every record file's bytes (1 Python process)", None, group="floor"),
    Row("peer-jsonschema", "peer: check-jsonschema, tickets vs ticket.schema.json", None, group="peer"),
    Row("peer-beancount", "peer: bean-check, ledger of as many transactions", None, group="peer"),
]
ROW_KEYS = [r.key for r in ROWS]


@dataclass
class Cell:
    """One row at one size."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"  # ok | timeout | failed | unavailable | skipped
    note: str = ""

    def median(self, metric: str) -> float | None:
        values = [r[metric] for r in self.runs]
        return statistics.median(values) if values and self.status == "ok" else None


class SizeBench:
    """Every selected row against one office."""

    def __init__(self, office: Office, meta: dict[str, Any], args: argparse.Namespace, cache_home: Path) -> None:
        self.o = office
        self.meta = meta
        self.args = args
        self.cache_home = cache_home
        self.size = int(meta.get("total") or 0)

    def repeats(self, row: Row) -> int:
        if row.group == "peer":
            return self.args.peer_repeat
        if row.cold:
            return self.args.cold_repeat or (1 if self.size >= 50_000 else 3)
        return self.args.repeat

    def measure(self, row: Row, argv: Callable[[], list[str]], expect: Sequence[int] = (0,),
                before: Callable[[], None] | None = None, after: Callable[[Run], None] | None = None,
                warmup: bool = False) -> Cell:
        cell = Cell()
        if warmup:
            self.o.run(argv(), expect)
        for _ in range(self.repeats(row)):
            if before:
                before()
            result = run_cmd(argv(), self.o.root, self.args.timeout)
            if after:
                after(result)
            if result.timed_out:
                return Cell(cell.runs, "timeout", f"> {self.args.timeout:g} s")
            check_run(result, expect)
            cell.runs.append({"wall": result.wall, "cpu": result.cpu, "rss_mb": result.rss_mb, "rc": result.rc})
        return cell

    def warm(self) -> None:
        """Make sure the parse cache holds the tree (one untimed `validate`)."""
        if not (self.o.root / ".csops-cache").exists():
            self.o.run(self.o.csops("validate"), (0, 1))

    # each row: a method named after its key
    def row_help(self, row: Row) -> Cell:
        return self.measure(row, lambda: [CSOPS, "--help"], warmup=True)

    def row_validate_cold(self, row: Row) -> Cell:
        cell = self.measure(row, lambda: self.o.csops("validate"), (0, 1), before=self.o.drop_cache)
        if cell.runs:
            self.validate_rc = cell.runs[0]["rc"]
        return cell

    def _same_verdict(self, result: Run) -> None:
        """A warm or staged validate must reach the verdict the cold one did (a cache must not change it)."""
        expected = getattr(self, "validate_rc", None)
        if expected is not None and not result.timed_out and result.rc != expected:
            raise BenchError(f"`{' '.join(map(short, result.argv))}` exited {result.rc}, the cold validate "
                             f"{expected}:\n{result.stdout[-1500:]}")

    def row_validate_warm(self, row: Row) -> Cell:
        self.warm()
        return self.measure(row, lambda: self.o.csops("validate"), (0, 1), after=self._same_verdict)

    def row_validate_staged(self, row: Row) -> Cell:
        self.warm()
        edited = self.o.edit_records()
        try:
            cell = self.measure(row, lambda: self.o.csops("validate", "--staged"), (0, 1), after=self._same_verdict)
        finally:
            self.o.reset()
        cell.note = f"{len(edited)} staged"
        return cell

    def row_hook_commit(self, row: Row) -> Cell:
        self.warm()
        hook = Path(git(self.o.root, "rev-parse", "--git-path", "hooks/pre-commit"))
        hook = hook if hook.is_absolute() else self.o.root / hook
        saved = hook.read_bytes() if hook.exists() else None
        self.o.run(self.o.csops("hook", "install", "--force"))

        def committed(result: Run) -> None:
            head = git(self.o.root, "rev-parse", "HEAD")
            self.o.reset()
            if result.rc == 0 and head == self.o.base:
                raise BenchError("git commit exited 0 but made no commit")
            if result.rc not in (0, None):
                raise BenchError(f"the hook refused the commit of 5 comment-only edits (rc {result.rc}); it "
                                 f"validates with the real clock, the office's now is {self.o.now}:\n"
                                 f"{(result.stdout + result.stderr)[-1500:]}")

        try:
            return self.measure(row, lambda: ["git", "commit", "-q", "-m", "bench: hand edit of 5 records"],
                                before=self.o.edit_records, after=committed)
        finally:
            if saved is None:
                hook.unlink(missing_ok=True)
            else:
                hook.write_bytes(saved)

    def _ticket_new(self) -> list[str]:
        return self.o.csops("--as", self.o.agent(), "ticket", "new", "--type", "consultation", "--channel",
                            "phone", "--customer", "刘女士", "--contact", "13900000000", "--content", "停车月卡怎么办理")

    def _reset_after(self, result: Run) -> None:
        self.o.reset()

    def row_ticket_new(self, row: Row) -> Cell:
        """New tickets one after another, as a desk takes calls; the copy is reset after the row only.

        (A reset after each one would delete the ticket just made: a record gone is a full check for
        csops, measured then instead of the write.)"""
        self.warm()
        try:
            return self.measure(row, self._ticket_new)
        finally:
            self.o.reset()
            self.o.run(self.o.csops("validate"), (0, 1))  # untimed: the next row starts from a checked tree

    def row_ticket_new_signed(self, row: Row) -> Cell:
        """The same, with the repository signing commits with an SSH key (git's gpg.format=ssh)."""
        keys = Path(tempfile.mkdtemp(prefix="csops-bench-key-"))
        try:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "id")],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(keys, ignore_errors=True)
            return Cell(status="failed", note=f"ssh-keygen unavailable: {exc}"[:160])
        settings = {"gpg.format": "ssh", "user.signingkey": str(keys / "id"), "commit.gpgsign": "true"}
        for key, value in settings.items():
            git(self.o.root, "config", key, value)

        def signed(result: Run) -> None:
            if "\ngpgsig " not in git(self.o.root, "cat-file", "commit", "HEAD"):
                raise BenchError("csops made an unsigned commit although the repository signs")

        self.warm()
        try:
            return self.measure(row, self._ticket_new, after=signed)
        finally:
            self.o.reset()
            self.o.run(self.o.csops("validate"), (0, 1))
            for key in settings:
                git(self.o.root, "config", "--unset", key, check=False)
            shutil.rmtree(keys, ignore_errors=True)

    def row_ticket_resolve(self, row: Row) -> Cell:
        self.warm()
        ticket = self.o.open_ticket()
        cell = self.measure(row, lambda: self.o.resolve_argv(ticket), after=self._reset_after)
        cell.note = f"{ticket[0]} ({ticket[1]})"
        return cell

    def row_sla(self, row: Row) -> Cell:
        self.warm()
        return self.measure(row, lambda: self.o.csops("sla"), warmup=False)

    def row_status(self, row: Row) -> Cell:
        self.warm()
        return self.measure(row, lambda: self.o.csops("status"))

    def row_ticket_show(self, row: Row) -> Cell:
        self.warm()
        tickets = self.o.open_tickets() or [(t["id"], "", "") for t in self.o._tops("tickets")[:1]]
        if not tickets:
            raise BenchError("no ticket to show")
        cell = self.measure(row, lambda: self.o.csops("ticket", "show", tickets[0][0]))
        cell.note = tickets[0][0]
        return cell

    def month(self) -> str:
        now = datetime.fromisoformat(self.o.now)
        return (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    def row_report_monthly(self, row: Row) -> Cell:
        self.warm()
        month = self.month()
        cell = self.measure(row, lambda: self.o.csops("report", "monthly", "--month", month))
        cell.note = month
        return cell

    def row_audit_full(self, row: Row) -> Cell:
        cell = self.measure(row, lambda: self.o.csops("audit"), (0, 1))
        cell.note = f"{git(self.o.root, 'rev-list', '--count', 'HEAD')} commits"
        return cell

    def row_audit_incremental(self, row: Row) -> Cell:
        self.warm()
        last = self.o.base
        try:
            for _ in range(2):  # the office carries on after the last audit: two csops commits
                self.o.run(self._ticket_new())
            return self.measure(row, lambda: self.o.csops("audit", f"{last}..HEAD"), (0, 1))
        finally:
            self.o.reset()

    def row_floor(self, row: Row) -> Cell:
        cell = self.measure(row, lambda: [sys.executable, "-c", FLOOR_CODE, str(self.o.root / "records")],
                            warmup=True)
        files, size = self.o.run([sys.executable, "-c", FLOOR_CODE, str(self.o.root / "records")]).stdout.split()
        cell.note = f"{files} files, {int(size) / 1e6:.1f} MB"
        return cell

    def row_peer_jsonschema(self, row: Row) -> Cell:
        tool = self.args.peer_venv / "bin" / "check-jsonschema"
        if not tool.exists():
            return Cell(status="unavailable", note=f"peer unavailable: no {tool}")
        tickets = [f for f in git(self.o.root, "ls-files", "--", "records/tickets").splitlines() if f.endswith(".yaml")]
        listing = self.cache_home / "tickets.list"
        listing.write_text("\0".join(tickets))
        # xargs: the file list may not fit one command line at 100k; it waits for each check-jsonschema,
        # so their times and peak RSS are in its rusage. 123: some file did not validate.
        cell = self.measure(row, lambda: ["xargs", "-0", "-a", str(listing), str(tool), "--schemafile", str(SCHEMA)],
                            (0, 1, 123))
        cell.note = f"{len(tickets)} files, cold (no cache), exit {cell.runs[0]['rc'] if cell.runs else '?'}"
        return cell

    def row_peer_beancount(self, row: Row) -> Cell:
        tool = self.args.peer_venv / "bin" / "bean-check"
        if not tool.exists():
            return Cell(status="unavailable", note=f"peer unavailable: no {tool}")
        count = self.size
        ledger = self.cache_home / f"ledger-{count}.beancount"
        if not ledger.exists():
            write_ledger(ledger, count)
        cell = self.measure(row, lambda: [str(tool), "--no-cache", str(ledger)])
        cell.note = f"{count} transactions, --no-cache"
        return cell

    def run_row(self, row: Row) -> Cell:
        method = getattr(self, "row_" + row.key.replace("-", "_"))
        started = time.perf_counter()
        try:
            cell = method(row)
        except BenchError as exc:
            with contextlib.suppress(BenchError):
                self.o.reset()
            cell = Cell(status="failed", note=str(exc).splitlines()[0][:160])
            say(f"    FAILED {row.key}: {exc}")
        except Timeout as exc:
            with contextlib.suppress(BenchError):
                self.o.reset()
            cell = Cell(status="timeout", note=f"> {self.args.timeout:g} s ({exc})"[:160])
        say(f"    {row.key:<18} {fmt_cell(cell, row.metric):>12}  {cell.note}  "
            f"[{time.perf_counter() - started:.1f} s]")
        return cell


def write_ledger(path: Path, count: int) -> None:
    """A beancount ledger of ``count`` balanced transactions over a few accounts."""
    accounts = ["Assets:Bank:Checking", "Assets:Cash", "Expenses:Repairs", "Expenses:Office", "Income:Fees",
                "Liabilities:Deposits"]
    lines = ['option "operating_currency" "CNY"', ""]
    lines += [f"2020-01-01 open {a} CNY" for a in accounts]
    day = datetime(2020, 1, 2)
    for n in range(count):
        when = day + timedelta(days=n * 2000 // max(count, 1))
        debit, credit = accounts[2 + n % 4], accounts[n % 2]
        amount = 10 + (n * 37) % 5000
        lines += ["", f'{when:%Y-%m-%d} * "客户{n % 97}" "工单 {n}"', f"  {debit}  {amount}.00 CNY", f"  {credit}"]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


# -- the report --------------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def fmt_cell(cell: Cell | None, metric: str) -> str:
    if cell is None or cell.status == "skipped":
        return "-"
    if cell.status == "timeout":
        return cell.note.split(" (")[0] if cell.note else "> timeout"
    if cell.status in ("failed", "unavailable"):
        return cell.status.upper() if cell.status == "failed" else "unavailable"
    return fmt_s(cell.median(metric)) + (" cpu" if metric == "cpu" else "")


def verdict(row: Row, cells: dict[int, Cell], sizes: list[int]) -> str:
    if row.target is None or not sizes:
        return ""
    largest = sizes[-1]
    cell = cells.get(largest)
    at = "" if largest >= TARGET_SIZE else f" at {largest:,}"
    if cell is None or cell.status == "skipped":
        return "-"
    if cell.status == "timeout":
        return f"NOT met{at}"
    value = cell.median(row.metric)
    if value is None:
        return cell.status
    return ("met" if value <= row.target else "NOT met") + at


def growth(row: Row, cells: dict[int, Cell], sizes: list[int]) -> str:
    measured = [s for s in sizes if cells.get(s) and cells[s].median(row.metric) is not None]
    if len(measured) < 2:
        return ""
    small, large = cells[measured[0]].median(row.metric), cells[measured[-1]].median(row.metric)
    if not small:
        return ""
    return f"x{large / small:.1f}"  # type: ignore[operator]


def table(results: dict[str, dict[int, Cell]], sizes: list[int], labels: dict[int, str]) -> tuple[list[str], list[list[str]]]:
    ratio = f"growth (x{sizes[-1] / sizes[0]:.0f} records)" if len(sizes) > 1 else "growth"
    head = ["row", "target @100k", *[f"median @{labels[s]}" for s in sizes], ratio, "verdict"]
    body = []
    for row in ROWS:
        if row.key not in results:
            continue
        cells = results[row.key]
        target = "" if row.target is None else fmt_s(row.target) + (" cpu" if row.metric == "cpu" else "")
        notes = "; ".join(dict.fromkeys(c.note for c in cells.values() if c.note and c.status != "ok"))
        body.append([row.title, target, *[fmt_cell(cells.get(s), row.metric) for s in sizes],
                     growth(row, cells, sizes), verdict(row, cells, sizes) or notes[:60]])
    return head, body


def detail(results: dict[str, dict[int, Cell]], sizes: list[int], labels: dict[int, str]) -> tuple[list[str], list[list[str]]]:
    head = ["row", *[f"cpu / peak RSS / n @{labels[s]}" for s in sizes], "notes"]
    body = []
    for row in ROWS:
        if row.key not in results:
            continue
        cells = results[row.key]
        cols = []
        for s in sizes:
            c = cells.get(s)
            if c is None or not c.runs or c.status != "ok":
                cols.append(fmt_cell(c, row.metric))
            else:
                cols.append(f"{fmt_s(c.median('cpu'))} / {statistics.median(r['rss_mb'] for r in c.runs):.0f} MB / "
                            f"{len(c.runs)}")
        notes = "; ".join(dict.fromkeys(f"{labels[s]}: {c.note}" for s, c in cells.items() if c.note))
        body.append([row.key, *cols, notes[:110]])
    return head, body


def text_table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_table(head: list[str], body: list[list[str]]) -> str:
    def esc(cell: str) -> str:
        return str(cell).replace("|", "\\|")

    out = ["| " + " | ".join(map(esc, head)) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(map(esc, r)) + " |" for r in body]
    return "\n".join(out)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, csops {csops_version()}"


def say(text: str) -> None:
    print(text, flush=True)


# -- main --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="records per office")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commits", default="monthly", help="the generator's --commits")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median is reported")
    parser.add_argument("--cold-repeat", type=int, default=0,
                        help="runs of the slow cold rows (default 3, 1 from 50k records)")
    parser.add_argument("--peer-repeat", type=int, default=1,
                        help="runs of each peer (reference points, not targets; check-jsonschema is slow)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a command is killed")
    parser.add_argument("--gen-timeout", type=float, default=3600, help="seconds allowed to generate one office")
    parser.add_argument("--rows", default="", help=f"comma-separated subset of: {','.join(ROW_KEYS)}")
    parser.add_argument("--rows-at", action="append", default=[], metavar="SIZE=ROWS",
                        help="a different subset at one size, e.g. 100000=validate-staged,ticket-show")
    parser.add_argument("--offices", type=Path, default=PROJECT / ".bench-offices", help="cache of generated offices")
    parser.add_argument("--generator-src", type=Path, default=PROJECT,
                        help="source tree whose csops/generate.py makes the offices (e.g. another worktree)")
    parser.add_argument("--stand-in", action="store_true",
                        help="until the generator exists: the demo office of records/, grown to each size with "
                             "copies of its closed tickets moved back in time (--sizes 0: the demo alone)")
    parser.add_argument("--peer-venv", type=Path, default=PROJECT / ".venv-bench")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--md", type=Path, help="write the tables as Markdown here")
    args = parser.parse_args(argv)
    args.generator_src = args.generator_src.resolve()
    for spec in [args.rows, *(s.split("=", 1)[-1] for s in args.rows_at)]:
        unknown = {k for k in spec.split(",") if k} - set(ROW_KEYS)
        if unknown:
            parser.error(f"unknown rows {sorted(unknown)}; known: {', '.join(ROW_KEYS)}")
    if not args.stand_in and generator_source(args.generator_src) is None:
        parser.error(f"no generator at {args.generator_src}/csops/generate.py: pass --generator-src DIR "
                     "(a checkout that has it) or --stand-in")
    args.sizes = sorted(set(args.sizes))
    return args


def rows_for(size: int, args: argparse.Namespace) -> list[Row]:
    chosen = args.rows
    for spec in args.rows_at:
        at, _, keys = spec.partition("=")
        if int(at) == size:
            chosen = keys
    keys = {k for k in chosen.split(",") if k}
    return [r for r in ROWS if not keys or r.key in keys]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(CSOPS).exists():
        raise SystemExit(f"no csops next to {sys.executable}: run make bench (it installs the project)")
    say(f"csops bench: {machine()}")
    results: dict[str, dict[int, Cell]] = {}
    labels: dict[int, str] = {}
    offices: dict[int, dict[str, Any]] = {}
    failed = False
    skip_larger: set[str] = set()
    for size in args.sizes:
        say(f"\n== {size:,} records" + (" (stand-in from the demo office)" if args.stand_in else ""))
        pristine, meta = ensure_office(args.offices, size, args)
        total = int(meta.get("total") or size)
        labels[size] = f"{total / 1000:g}k" if total >= 1000 else str(total)
        offices[size] = meta
        say(f"  office: {pristine} ({total} records, now {meta['now']})")
        work = pristine.parent / "run"
        if work.exists():
            shutil.rmtree(work)
        subprocess.run(["cp", "-a", str(pristine), str(work)], check=True)
        try:
            bench = SizeBench(Office(work, str(meta["now"]), args.timeout), meta, args, pristine.parent)
            for row in rows_for(size, args):
                if row.key in skip_larger:
                    cell = Cell(status="timeout", note=f"> {args.timeout:g} s at a smaller size: not run")
                else:
                    cell = bench.run_row(row)
                results.setdefault(row.key, {})[size] = cell
                failed |= cell.status == "failed"
                if cell.status == "timeout":
                    skip_larger.add(row.key)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    sizes = list(args.sizes)
    head, body = table(results, sizes, labels)
    dhead, dbody = detail(results, sizes, labels)
    say("\nWhole-process wall time, median (csops --help: CPU time); targets are for 100k records.\n")
    say(text_table(head, body))
    say("\nPer run: CPU (user+sys of the command and its children), peak RSS (largest process), runs\n")
    say(text_table(dhead, dbody))
    doc = {
        "machine": machine(), "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git(PROJECT, "rev-parse", "--short", "HEAD", check=False),
        "settings": {"repeat": args.repeat, "cold_repeat": args.cold_repeat or "3 (1 from 50k)",
                     "peer_repeat": args.peer_repeat, "timeout_s": args.timeout, "stand_in": args.stand_in, "seed": args.seed, "commits": args.commits},
        "measure": "wall: perf_counter around the child; cpu and peak RSS: os.wait4() rusage of the child "
                   "(ru_utime+ru_stime, ru_maxrss) including the descendants it waited for",
        "offices": {str(s): offices[s] for s in sizes},
        "rows": [{**asdict(r), "results": {str(s): {"median_s": c.median(r.metric), "status": c.status,
                                                     "note": c.note, "runs": c.runs}
                                            for s, c in results[r.key].items()},
                  "verdict": verdict(r, results[r.key], sizes)}
                 for r in ROWS if r.key in results],
        "table": {"head": head, "body": body},
    }
    if args.json:
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
        say(f"\nwrote {args.json}")
    if args.md:
        args.md.write_text(f"# csops bench\n\n{doc['machine']}; commit {doc['commit']}; {doc['when']}.\n"
                           f"Whole-process wall time, median of {args.repeat} (cold rows: {doc['settings']['cold_repeat']}); "
                           f"`csops --help`: CPU time. Targets are for 100k records.\n\n{md_table(head, body)}\n\n"
                           f"{doc['measure']}.\n\n{md_table(dhead, dbody)}\n", encoding="utf-8")
        say(f"wrote {args.md}")
    if failed:
        say("\nbench: some rows FAILED (see above); their numbers would mean nothing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
