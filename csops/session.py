"""A command's view of the records repo: root, now, the acting member of staff, load and save.

Commands parse options, then call the domain through a Session: ``load()`` gives the validated
tree as a Context, ``save()`` checks a change against the same rule registry ``validate`` uses,
refuses it when it would add an error, and otherwise writes and commits it in one step.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from csops import git
from csops.findings import Finding, Severity, new_findings
from csops.rules import Problem
from csops.store import RECORDS, SCHEMA_HEADER, LoadedFile, allocate_id, check_station, find_root, read_file

if TYPE_CHECKING:
    from csops.context import Context
    from csops.incremental import ResultCache
    from csops.models.common import Record
    from csops.models.staff import Staff
    from csops.writer import Change

# The models (pydantic), the checker, the writer and ruamel are imported where they are used:
# ``csops validate`` answers an unchanged tree from its summary before any of them is needed.


class Refused(click.ClickException):
    """A change the rules do not allow; nothing was written."""

    exit_code = 1

    def __init__(self, problems: Sequence[Problem], what: str = "") -> None:
        self.problems = list(problems)
        # Decided now, while the command's context exists (show() runs after it is gone).
        ctx = click.get_current_context(silent=True)
        self.as_json = getattr(ctx.find_root().obj if ctx is not None else None, "format", "text") == "json"
        lines = [f"拒绝 (refused){': ' + what if what else ''}"]
        for p in self.problems:
            lines.append(f"  {p.rule}: {p.message}")
            if p.hint:
                lines.append(f"    fix: {p.hint}")
        super().__init__("\n".join(lines))

    def show(self, file: Any = None) -> None:
        if self.as_json:  # machines get the refusal as data too
            click.echo(json.dumps({"refused": True, "problems": [
                {"rule": p.rule, "message": p.message, "hint": p.hint} for p in self.problems]},
                ensure_ascii=False, indent=2))
            return
        click.echo(self.format_message(), err=True)


def prune(full: Any, non_default: Any) -> Any:
    """Drop empty lists and mappings that are only the model's default, so files stay short.

    An empty container that differs from its default (an emptied list) is kept.
    """
    if isinstance(full, dict):
        nd = non_default if isinstance(non_default, dict) else {}
        out = {}
        for key, value in full.items():
            if value in ([], {}) and key not in nd:
                continue
            out[key] = prune(value, nd.get(key))
        return out
    if isinstance(full, list):
        nd_list = non_default if isinstance(non_default, list) and len(non_default) == len(full) else [None] * len(full)
        return [prune(v, n) for v, n in zip(full, nd_list, strict=True)]
    return full


def record_data(record: Record) -> dict[str, Any]:
    full = record.model_dump(mode="json", exclude_none=True)
    data: dict[str, Any] = prune(full, record.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    return data


def schema_header(rel: str, kind: str) -> str:
    depth = rel.count("/")
    return f"{SCHEMA_HEADER}{'../' * depth}schemas/{kind}.schema.json\n"


def render(record: Record, rel: str, old_text: str | None) -> str:
    from csops.yamlio import dump_round_trip, load_round_trip, merge_into

    data = record_data(record)
    if old_text:
        tree = load_round_trip(old_text)
        return dump_round_trip(merge_into(tree, data))
    return dump_round_trip(data, header=schema_header(rel, record.KIND))


@dataclass(frozen=True)
class Keyboard:
    name: str
    email: str
    staff: Staff | None

    @property
    def who(self) -> str:
        """How events and commits name the person at the keyboard: their staff id, else git email."""
        return self.staff.id if self.staff is not None else self.email


def stamp_entered_by(pairs: Sequence[tuple[Record | None, Record]], keyboard: str) -> list[tuple[Record | None, Record]]:
    """Mark each event a command appends for someone other than the person at the keyboard with
    ``entered_by``: the audit then knows the commit's author typed it for them (not forged it)."""
    out: list[tuple[Record | None, Record]] = []
    for old, new in pairs:
        events = getattr(new, "events", None)
        if not events or not keyboard:
            out.append((old, new))
            continue
        start = len(getattr(old, "events", None) or ()) if old is not None else 0
        stamped = [e if i < start or e.by == keyboard or e.entered_by else e.model_copy(update={"entered_by": keyboard})
                   for i, e in enumerate(events)]
        out.append((old, new if stamped == events else new.model_copy(update={"events": stamped})))
    return out


@dataclass
class Session:
    root_option: Path | None = None
    as_staff: str | None = None
    format: str = "text"
    no_commit: bool = False
    now_option: datetime | None = None
    station_option: str | None = None
    _warned_policy: bool = False
    #: Where the CLI keeps what the command holds until it ends (the write lock, see take_turn).
    turns: ExitStack | None = None
    _has_turn: bool = False
    #: Whether this command wrote a record (its exit code then says how the write went).
    wrote: bool = False
    _keyboard: Keyboard | None = None

    @property
    def json(self) -> bool:
        return self.format == "json"

    @cached_property
    def root(self) -> Path:
        if self.root_option is not None:
            root = self.root_option.resolve()
            if not (root / RECORDS / "policy.yaml").is_file():
                raise click.UsageError(f"{root} has no records/policy.yaml (create one with: csops init {root})")
            return root
        found = find_root(Path.cwd())
        if found is None:
            raise click.UsageError("no records/policy.yaml here or above: pass --root DIR or run csops init DIR")
        return found

    @cached_property
    def clock(self) -> datetime:
        """"Now": the injected --now, else the clock, read once per command."""
        return self.now_option or datetime.now(UTC).replace(microsecond=0)

    @cached_property
    def now(self) -> datetime:
        """"Now" in the office's zone, for event times and display."""
        return self.clock.astimezone(ZoneInfo(self.context.policy.timezone))

    @cached_property
    def policy_file(self) -> LoadedFile:
        path = self.root / RECORDS / "policy.yaml"
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""
        return read_file(f"{RECORDS}/policy.yaml", raw)

    @cached_property
    def context(self) -> Context:
        """The records a command reads, read as it reads them (csops.lazy): the policy up front,
        one record by id, one kind by folder; a change is checked over the whole tree in save()."""
        from csops.checker import validate_data
        from csops.context import Context
        from csops.lazy import TreeSource
        from csops.models.policy import Policy

        policy_file = self.policy_file
        policy = Policy()
        if policy_file.data is not None:
            valid = validate_data(Policy, policy_file, {}, policy.timezone)
            if isinstance(valid, Policy):
                policy = valid
        ctx = Context(policy=policy, now=self.clock, root=self.root, _source=TreeSource(self.root))
        if policy_file.data is not None and not self._policy_errors_of(policy_file):
            ctx.add(policy, policy_file)
        return ctx

    def load(self) -> Context:
        """The validated records; a broken policy is said once on stderr, as reads then use defaults."""
        if not self._warned_policy:
            self._warned_policy = True
            broken = self._policy_errors()
            if broken:
                click.echo(f"csops: warning: records/policy.yaml has {len(broken)} error(s) "
                           f"({broken[0].rule}: {broken[0].message}); the figures below use the default "
                           "policy until it is fixed: csops validate records/policy.yaml", err=True)
        return self.context

    # -- who and where --------------------------------------------------------------------

    def actor(self) -> Staff:
        ctx = self.context
        wanted = self.as_staff or os.environ.get("CSOPS_AS")
        if wanted:
            person = ctx.staff.get(wanted)
            if person is None:
                raise click.UsageError(f"--as {wanted}: no such staff id in records/staff/ (csops staff list)")
            if not person.active:
                raise click.UsageError(f"--as {wanted}: {person.display} is not active in the roster")
            return person
        me = self.keyboard()
        if me.staff is not None:
            if me.staff.active:
                return me.staff
            raise click.UsageError(f"your git email {me.email} belongs to {me.staff.display}, "
                                   "who is not active in the roster: pass --as 工号 of an active person")
        raise click.UsageError(
            "cannot tell who you are: pass --as 工号, or add your git email "
            f"({me.email or 'git config user.email is unset'}) to git_emails in records/staff/<工号>.yaml"
        )

    def keyboard(self) -> Keyboard:
        """Who is at the keyboard: git's own identity (what a commit made now is authored as) and the
        member of staff it belongs to. ``--as`` never changes it (issue 10: the keyboard is not the actor)."""
        if self._keyboard is None:
            ident = git.identity(self.root)
            email = ident[1] if ident else ""
            staff = None
            if email:
                wanted = email.lower()
                matches = [p for p in self.context.staff.values() if wanted in (e.lower() for e in p.git_emails)]
                staff = next((p for p in matches if p.active), matches[0] if matches else None)
            self._keyboard = Keyboard(ident[0] if ident else "", email, staff)
        return self._keyboard

    def station(self) -> str:
        value = self.station_option or os.environ.get("CSOPS_STATION") or git.config_get("csops.station", self.root)
        if not value:
            raise click.UsageError(
                "this clone has no station code, so new ids could collide with another clone's: "
                "pick one unique to this desk, e.g. `git config csops.station A`"
            )
        try:
            return check_station(value)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc

    def take_turn(self) -> None:
        """Wait for this clone's write lock now and hold it until the command ends, so that a
        record's new id is chosen, checked and committed in one turn: writers started together
        queue instead of choosing the same id. Only once the CLI has given the session a place to
        keep it (``turns``); otherwise the write itself takes the lock."""
        if self.turns is None or self._has_turn:
            return
        from csops.writer import WriteError, repo_lock

        if git.toplevel(self.root) is None:
            return  # the write refuses: not a repository
        try:
            self.turns.enter_context(repo_lock(self.root))
        except WriteError as exc:
            raise click.ClickException(str(exc)) from exc
        self._has_turn = True

    def new_id(self, model: type[Record], at: datetime, taken: set[str] | None = None) -> str:
        self.take_turn()
        local = at.astimezone(ZoneInfo(self.context.policy.timezone))
        return allocate_id(self.root, model.FOLDER, model.ID_PREFIX, local.strftime("%y%m"),
                           self.station(), taken or set())

    # -- writing --------------------------------------------------------------------------

    def roster_is_empty(self) -> bool:
        """No staff file at all (not: none valid), so a new office's first member may sign for themself."""
        folder = self.root / RECORDS / "staff"
        return not folder.is_dir() or not any(p.suffix in (".yaml", ".yml") for p in folder.iterdir())

    @staticmethod
    def _policy_errors_of(policy_file: LoadedFile) -> list[Finding]:
        return [f for f in policy_file.findings if f.severity is Severity.error]

    def _policy_errors(self) -> list[Finding]:
        """The errors of records/policy.yaml (its schema findings exist once the context is built)."""
        self.context  # noqa: B018  (builds the context, which validates the policy file)
        return self._policy_errors_of(self.policy_file)

    def _refuse_on_broken_policy(self) -> None:
        broken = self._policy_errors()
        if broken:
            raise Refused([Problem(
                f"records/policy.yaml has {len(broken)} error(s), so the rules cannot be applied: {broken[0].message}",
                hint="fix it first: csops validate records/policy.yaml", rule=broken[0].rule)])

    def check_change(self, pairs: Sequence[tuple[Record | None, Record]]) -> list[Record]:  # noqa: D401
        """Validate candidates and refuse any change that adds an error; returns the final records.

        The candidates are checked against their schema (references resolved by reading the files
        they name), then the whole tree is checked as it would be after the write, through the
        result cache: only what the change touches is evaluated again (csops.incremental).
        """
        final, changes = self._prepare(pairs)
        self._refuse_new_errors(changes)
        return final

    def _prepare(self, pairs: Sequence[tuple[Record | None, Record]]) -> tuple[list[Record], list[Change]]:
        from pydantic import ValidationError

        from csops.checker import schema_problem
        from csops.writer import Change

        self._refuse_on_broken_policy()
        ctx = self.context
        pairs = stamp_entered_by(pairs, self.keyboard().who)
        new_ids = {(new.KIND, new.id) for _, new in pairs}
        context = {"staff": _Known(ctx, "staff", new_ids), "ids": _KnownIds(ctx, new_ids)}
        final: list[Record] = []
        problems: list[Problem] = []
        for _, new in pairs:
            summary = new.derived_summary()
            data = new.model_dump(mode="json") | {k: _jsonable(v) for k, v in summary.items()}
            try:
                final.append(type(new).model_validate(data, context=context))
            except ValidationError as exc:
                problems += [schema_problem(e, ctx.policy.timezone, data) for e in exc.errors(include_url=False)]
        if problems:
            raise Refused(problems)
        changes = []
        for (old, _), record in zip(pairs, final, strict=True):
            loaded = ctx.file_of(old) if old is not None else None
            rel = loaded.rel if loaded is not None else f"{RECORDS}/{record.expected_relpath()}"
            changes.append(Change(rel, render(record, rel, loaded.text if loaded else None),
                                  expected=loaded.raw if loaded else None))
        return final, changes

    def new_errors(self, changes: Sequence[Change]) -> tuple[list[Finding], ResultCache | None]:
        """The errors the change would add anywhere in the tree (nothing is written), each with
        the file it is in; and the result cache as it would be after the change."""
        from csops.checker import check_change

        overlay = {c.rel: c.text.encode("utf-8") for c in changes}
        before, after, cache = check_change(self.root, self.clock, overlay)
        return new_findings(before.errors, after.errors)[0], cache

    def _refuse_new_errors(self, changes: Sequence[Change]) -> ResultCache | None:
        """Refuse the change if it adds an error anywhere in the tree; the result cache after it."""
        added, cache = self.new_errors(changes)
        if added:
            raise Refused([Problem(f.message, hint=f.hint, severity=f.severity, rule=f.rule) for f in added])
        return cache

    def save(self, pairs: Sequence[tuple[Record | None, Record]], *, action: str, summary: str,
             actor: Staff | None = None) -> list[Record]:
        """Check, write and commit records (``(old, new)``; old is None for a new record)."""
        from csops.writer import WriteError, apply

        final, changes = self._prepare(pairs)
        after = self._refuse_new_errors(changes)
        try:
            keyboard = self.keyboard()
            apply(self.root, changes, actor=actor or self.actor(), entered_by=keyboard.who, action=action, summary=summary,
                  records=[r.id for r in final], no_commit=self.no_commit, when=self.now_option,
                  has_identity=bool(keyboard.email))
        except WriteError as exc:
            raise click.ClickException(str(exc)) from exc
        self.wrote = True
        if after is not None:
            if after.base_tree is not None and not self.no_commit:
                from csops.store import blob_id

                written = {c.rel: blob_id(c.text.encode("utf-8")) for c in changes}
                after.summary_tree = git.tree_after_commit(self.root, RECORDS, after.base_tree, written)
            after.save()  # the tree now is what was checked: the next command starts from here
        ctx = self.context
        for (old, _), record, change in zip(pairs, final, changes, strict=True):
            # The session goes on with what was written (a command may save twice).
            loaded = LoadedFile(rel=change.rel, kind=record.KIND, text=change.text, raw=change.text.encode("utf-8"))
            ctx.replace(old, record)
            ctx._files[id(record)] = loaded
        return final

    # -- output ---------------------------------------------------------------------------

    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable))

    def emit_rows(self, rows: list[dict[str, Any]]) -> bool:
        """A list as JSON or CSV when asked for (True: emitted; the caller prints text otherwise).

        CSV has one column per key, in the order they first appear; a nested value is written as
        JSON in its cell. Written into a file (``> 11月投诉.csv``) it starts with the BOM Excel needs
        to read UTF-8 as Chinese; into a pipe it does not (other tools read it as plain UTF-8)."""
        if self.format == "json":
            self.emit_json(rows)
            return True
        if self.format != "csv":
            return False
        if not rows:
            return True  # no rows, no columns to name: an empty file
        import csv
        import io

        columns = list(dict.fromkeys(key for row in rows for key in row))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v if isinstance(v, (str, int, float)) or v is None
                             else json.dumps(v, ensure_ascii=False, default=_jsonable) for k, v in row.items()})
        click.echo(("\ufeff" if _stdout_is_a_file() else "") + out.getvalue(), nl=False)
        return True


def _stdout_is_a_file() -> bool:
    """Whether standard output is a regular file (``> out.csv``), not a terminal, a pipe or a
    test's buffer."""
    import stat

    try:
        return stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


class _Known:
    """Ids of one kind, as a set the schema's reference checks ask: read from the tree on demand."""

    def __init__(self, ctx: Context, kind: str, new: set[tuple[str, str]]) -> None:
        self.ctx, self.kind, self.new = ctx, kind, new

    def __contains__(self, record_id: object) -> bool:
        if not isinstance(record_id, str):
            return False
        return (self.kind, record_id) in self.new or self.ctx.get(self.kind, record_id) is not None


class _KnownIds:
    def __init__(self, ctx: Context, new: set[tuple[str, str]]) -> None:
        self.ctx, self.new = ctx, new

    def get(self, kind: str, default: Any = None) -> _Known:
        return _Known(self.ctx, kind, self.new)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
