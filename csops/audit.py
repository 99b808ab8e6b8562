"""Audit checks over git history: the records' history has not been bent.

For every commit in a range that touches ``records/``, each record file's before and after are
compared: no record deleted, events only appended, the commit author is the acting member of staff,
new events not dated after their commit. Families add their own history checks (for example,
TKT-FCR-01: a ticket's first-contact owner never changes) to ``HISTORY_CHECKS``.

Uses GitPython to walk commits; imported only by ``csops audit`` and ``csops review``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from csops.findings import Finding, Result, Severity
from csops.models.staff import Staff
from csops.rules import Problem
from csops.store import RECORDS
from csops.yamlio import YamlSyntaxError, load_fast

#: Family history checks, "module:function"; each takes a RecordChange and yields Problems.
HISTORY_CHECKS: list[str] = [
    "csops.rules.tickets:first_owner_unchanged",
    "csops.audit:confirms_proven",
]
# Clock skew tolerated between an event's time and its commit's time.
SKEW = timedelta(minutes=5)


@dataclass
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    when: datetime
    subject: str
    trailers: dict[str, list[str]] = field(default_factory=dict)

    def trailer(self, key: str) -> str | None:
        values = self.trailers.get(key)
        return values[0] if values else None

    @property
    def action(self) -> str | None:
        return self.trailer("Csops-Action")

    @property
    def actor(self) -> str | None:
        return self.trailer("Csops-Actor")


@dataclass
class RecordChange:
    commit: CommitInfo
    path: str
    change: str  # A, M, D, R
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    #: The path before a rename (R), else None.
    old_path: str | None = None

    @property
    def record_id(self) -> str:
        data = self.after or self.before or {}
        return str(data.get("id", Path(self.path).stem))

    def new_events(self) -> list[dict[str, Any]]:
        return [event for _, event in self.numbered_new_events()]

    def numbered_new_events(self) -> list[tuple[int, dict[str, Any]]]:
        """The events this change adds, with their number in the record (1 = first); all of them
        when the old ones were rewritten."""
        old = _events(self.before)
        new = _events(self.after)
        start = len(old) if new[: len(old)] == old else 0
        return list(enumerate(new[start:], start=start + 1))


def _events(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    events = (data or {}).get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def _parse(blob: Any) -> dict[str, Any] | None:
    if blob is None:
        return None
    try:
        data = load_fast(blob.data_stream.read().decode("utf-8"))
    except (UnicodeDecodeError, YamlSyntaxError):
        return None
    return data if isinstance(data, dict) else None


def trailers_of(message: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in message.splitlines():
        if line.startswith("Csops-") and ": " in line:
            key, value = line.split(": ", 1)
            found.setdefault(key, []).append(value.strip())
    return found


def changes(root: Path, rev_range: str | None) -> Iterator[RecordChange]:
    """Record file changes commit by commit, oldest first (first-parent history)."""
    import git as gitpython

    repo = gitpython.Repo(root)
    rev = rev_range or "HEAD"
    for commit in repo.iter_commits(rev, paths=RECORDS, reverse=True, first_parent=True):
        info = CommitInfo(
            sha=commit.hexsha, author_name=str(commit.author.name), author_email=str(commit.author.email),
            when=commit.authored_datetime, subject=str(commit.summary),
            trailers=trailers_of(str(commit.message)),
        )
        if commit.parents:  # R=True: a_blob is the parent's version, b_blob this commit's
            diffs = commit.diff(commit.parents[0], paths=RECORDS, R=True)
        else:  # the root commit against the empty tree already reads as "added"
            diffs = commit.diff(gitpython.NULL_TREE, paths=RECORDS)
        for diff in diffs:
            path = diff.b_path or diff.a_path or ""
            if not path.endswith((".yaml", ".yml")):
                continue
            yield RecordChange(
                commit=info, path=path, change=diff.change_type or "M",
                before=_parse(diff.a_blob), after=_parse(diff.b_blob),
                old_path=diff.a_path if diff.change_type == "R" else None,
            )


class Identities:
    """Who a commit's author is in the roster, and who may change policy and staff authority.

    The roster is the one at the audited head: git emails map to members of staff (never a
    made-up address), and ``policy_editors`` is read from the policy *before* each change, so no
    one grants themself the right in the commit that uses it.
    """

    def __init__(self, staff: dict[str, Staff], roles_then: dict[str, set[str]] | None = None) -> None:
        self.staff = staff
        self.by_email = {e.lower(): person for person in staff.values() for e in person.git_emails}
        #: Each person's roles as the walk has reached them (the roster at the range's start, then
        #: each commit's staff changes): whether an office had a policy editor yet when it changed.
        self.roles_then = roles_then if roles_then is not None else {}

    def had_editor(self, editors: set[str]) -> bool:
        return any(roles & editors for roles in self.roles_then.values())

    def follow(self, change: RecordChange) -> None:
        if change.path.startswith(f"{RECORDS}/staff/"):
            roles = (change.after or {}).get("roles")
            if isinstance(roles, list):
                self.roles_then[change.record_id] = {str(r) for r in roles}
            else:
                self.roles_then.pop(change.record_id, None)

    def author(self, commit: CommitInfo) -> Staff | None:
        return self.by_email.get(commit.author_email.lower())

    def author_label(self, commit: CommitInfo) -> str:
        person = self.author(commit)
        who = f"{commit.author_name} <{commit.author_email}>"
        return f"{who} ({person.id})" if person else f"{who} (not in the roster)"


#: Staff fields that say who someone is and what they may do (AUDIT-10).
AUTHORITY_FIELDS = ("roles", "level", "git_emails", "signing_keys", "active")
#: Fields no comparison of an evented record's versions looks at (the format, not the facts).
_FORMAT_FIELDS = {"schema_version", "events"}


def _editors(before: dict[str, Any] | None) -> set[str]:
    from csops.models.policy import AuditPolicy

    audit = (before or {}).get("audit")
    roles = audit.get("policy_editors") if isinstance(audit, dict) else None
    if isinstance(roles, list) and roles:
        return {str(r) for r in roles}
    return {r.value for r in AuditPolicy().policy_editors}


def _may_edit_policy(person: Staff | None, editors: set[str], who: Identities) -> bool:
    """Whether ``person`` held an editor's role *before* the change (the roster as the walk reached
    it), so that no one grants themself the right in the commit that uses it."""
    if person is None:
        return False
    roles = who.roles_then.get(person.id)
    return bool((roles if roles is not None else {r.value for r in person.roles}) & editors)


def _model_of(path: str) -> type[Any] | None:
    from csops.models import kind_for_relpath, kinds

    rel = path[len(RECORDS) + 1:] if path.startswith(RECORDS + "/") else path
    kind = kind_for_relpath(rel)
    return kinds().get(kind) if kind else None


def _event_label(record_id: str, n: int, event: dict[str, Any]) -> str:
    return f"event {n} of {record_id} ({event.get('action', '?')} at {event.get('at', '?')}, by {event.get('by', '?')})"


def check_change(change: RecordChange, who: Identities) -> Iterator[Problem]:
    short = change.commit.sha[:10]
    if change.change == "D":
        yield Problem(f"record {change.record_id} was deleted in commit {short}", (),
                      f"records are never deleted: restore it (git checkout {short}^ -- {change.path})",
                      rule="AUDIT-01")
        return
    before_id = str((change.before or {}).get("id", Path(change.old_path or change.path).stem))
    if change.change == "R" and change.before is not None and before_id != change.record_id:
        yield Problem(f"commit {short} renumbered {before_id} to {change.record_id} "
                      f"({change.old_path} → {change.path}); the old id is gone", (),
                      f"records keep their id: restore {change.old_path} (git checkout {short}^ -- {change.old_path}) "
                      "and record the correction as an event", rule="AUDIT-08")
    old, new = _events(change.before), _events(change.after)
    if new[: len(old)] != old:
        yield Problem(f"commit {short} rewrote the event history of {change.record_id} (events are append-only)",
                      ("events",), f"restore the old events (git show {short}^:{change.path}) and add a correcting event",
                      rule="AUDIT-02")
    yield from _identity(change, who, short)
    yield from _bending(change, who, short)
    for event in change.new_events():
        at = event.get("at")
        try:
            when = datetime.fromisoformat(str(at))
        except ValueError:
            continue
        if when.tzinfo is not None and when > change.commit.when + SKEW:
            yield Problem(f"an event of {change.record_id} is dated {at}, after its commit {short} ({change.commit.when.isoformat()})",
                          ("events",), "check the event time and the clock of the machine that committed it",
                          rule="AUDIT-05")


def _identity(change: RecordChange, who: Identities, short: str) -> Iterator[Problem]:
    """AUDIT-03: whoever an event or the commit names as acting either authored the commit, or
    the commit's author is recorded as having entered it for them (``entered_by``, ``--as``)."""
    commit = change.commit
    author = who.author(commit)
    keyboard = {commit.author_email.lower()} | ({author.id} if author else set())
    actor = commit.actor
    if actor:
        if actor not in who.staff:
            yield Problem(f"commit {short} names actor {actor}, who is not in the roster", (),
                          "the actor must be a rostered member of staff", rule="AUDIT-03")
        elif not {actor, commit.trailer("Csops-Entered-By") or "", (commit.trailer("Csops-Entered-By") or "").lower()} & keyboard:
            yield Problem(f"commit {short} was authored by {who.author_label(commit)} but acts as {actor}", (),
                          "a commit is authored by the person at the keyboard; to act for someone else use "
                          "csops --as 工号, which records who entered it", rule="AUDIT-03")
    elif commit.action is None:
        yield Problem(f"commit {short} ({commit.subject}) changed {change.record_id} by hand, not through csops",
                      (), "a reviewer should confirm hand edits; prefer the csops command for the action",
                      rule="AUDIT-04", severity=Severity.warning)
    for n, event in change.numbered_new_events():
        by, entered = str(event.get("by", "")), event.get("entered_by")
        if by in keyboard:
            continue
        if isinstance(entered, str) and (entered in keyboard or entered.lower() in keyboard):
            continue
        claim = f", entered_by {entered}" if entered else ""
        yield Problem(f"commit {short}: {_event_label(change.record_id, n, event)}{claim} was committed by "
                      f"{who.author_label(commit)}, who is neither {by} nor recorded as entering it for them",
                      ("events",), f"the person who acted commits it themself; a step entered for someone else "
                      f"goes through csops --as {by} (it records entered_by); restore {change.path} from {short}^ "
                      "and enter it so", rule="AUDIT-03")


def _backdated(change: RecordChange, short: str) -> Iterator[Problem]:
    """AUDIT-14: a policy version dated to take effect before its own commit (it would bend the
    verdicts of tickets already received; csops.policy_history holds it to the commit time)."""
    declared = (change.after or {}).get("effective_from")
    if declared is None or declared == (change.before or {}).get("effective_from"):
        return
    try:
        when = datetime.fromisoformat(str(declared))
    except ValueError:
        return  # validate reports a malformed time
    if when.tzinfo is not None and when < change.commit.when - SKEW:
        yield Problem(f"commit {short} dates records/policy.yaml effective from {declared}, before the commit "
                      f"itself ({change.commit.when.isoformat()}): a policy change applies from its commit at the "
                      "earliest, so it is in force only from then", ("effective_from",),
                      f"set effective_from to a moment after the commit, or remove it (git revert {short} and "
                      "commit the change again)", rule="AUDIT-14")


def _bending(change: RecordChange, who: Identities, short: str) -> Iterator[Problem]:
    """AUDIT-06/07/09/10/13: changes that are not appends, or not by someone allowed to make them."""
    before, after = change.before, change.after
    if before is None and after is not None and change.path.startswith(f"{RECORDS}/staff/"):
        # A new person comes with roles and identities: adding one is granting them (AUDIT-10).
        author, editors = who.author(change.commit), _editors(None)
        if who.had_editor(editors) and not _may_edit_policy(author, editors, who):
            yield Problem(f"commit {short} added staff {change.record_id} with roles "
                          f"{', '.join(str(r) for r in after.get('roles') or []) or '-'}, authored by "
                          f"{who.author_label(change.commit)}, who may not grant roles or identities", ("roles",),
                          f"revert it (git revert {short}); a policy editor adds staff with csops staff add or "
                          "csops import staff", rule="AUDIT-10")
    if before is None or after is None:
        return
    model = _model_of(change.path)
    author = who.author(change.commit)
    if change.path == f"{RECORDS}/policy.yaml" and before != after:
        editors = _editors(before)
        # An office being set up, before anyone in its roster may change policy, sets it freely.
        if who.had_editor(editors) and not _may_edit_policy(author, editors, who):
            yield Problem(f"commit {short} changed records/policy.yaml, authored by {who.author_label(change.commit)}, "
                          f"who may not change policy (audit.policy_editors: {', '.join(sorted(editors))})", (),
                          f"revert it (git revert {short}) and have a policy editor make the change", rule="AUDIT-09")
        yield from _backdated(change, short)
    if model is not None and getattr(model, "KIND", "") == "staff":
        moved = [f for f in AUTHORITY_FIELDS if before.get(f) != after.get(f)]
        editors = _editors(None)
        if moved and who.had_editor(editors) and not _may_edit_policy(author, editors, who):
            yield Problem(f"commit {short} changed {', '.join(moved)} of staff {change.record_id}, authored by "
                          f"{who.author_label(change.commit)}, who may not change roles or identities", tuple(moved),
                          f"revert it (git revert {short}); a policy editor changes it with csops staff edit",
                          rule="AUDIT-10")
    if model is None or "events" not in getattr(model, "model_fields", {}):
        return
    allowed = _FORMAT_FIELDS | set(model.SUMMARY_FIELDS) | set(getattr(model, "AMENDABLE_FIELDS", ()))
    moved = sorted(k for k in set(before) | set(after) if k not in allowed and before.get(k) != after.get(k))
    if moved:
        yield Problem(f"commit {short} changed {', '.join(moved)} of {change.record_id}: a record with a history "
                      "changes only by appending events", tuple(moved),
                      f"restore the fields (git show {short}^:{change.path}) and record the change as an event "
                      "through its csops command", rule="AUDIT-06")
    status_field = getattr(model, "STATUS_FIELD", "status")
    final = set(getattr(model, "FINAL_STATES", ()))
    if final and str(before.get(status_field)) in final and before != after:
        added = change.new_events()
        reopen = set(getattr(model, "REOPEN_ACTIONS", ()))
        # An approver may still confirm an approval after the record closed: it changes nothing else.
        only_confirms = bool(added) and all(e.get("action") == "confirm" for e in added) and before == {
            **after, "events": _events(before)}
        if not only_confirms and (not added or str(added[0].get("action")) not in reopen):
            yield Problem(f"commit {short} changed {change.record_id}, which was {before.get(status_field)}, "
                          f"without reopening it first", (),
                          f"restore it (git show {short}^:{change.path}); reopen it with its csops command, then change it",
                          rule="AUDIT-07")
    for n, event in change.numbered_new_events():
        approver = event.get("approved_by")
        for field_name in ("requested_by", "borrower"):
            if approver and approver == event.get(field_name):
                yield Problem(f"commit {short}: {_event_label(change.record_id, n, event)} is approved by "
                              f"{approver}, who is also its {field_name}: an authoriser is never the requester",
                              ("events",), "the approval comes from someone else of the approver role",
                              rule="AUDIT-13")


def _roles_at(root: Path, rev_range: str | None) -> dict[str, set[str]]:
    """Each person's roles in the roster at the start of ``rev_range`` (none before the first commit)."""
    from csops import git

    base = rev_range.split("..", 1)[0] if rev_range and ".." in rev_range else ""
    if not base:
        return {}
    listing = git.run(["ls-tree", "-r", base, "--", f"{RECORDS}/staff/"], root, check=False).stdout.decode()
    shas = [line.split()[2] for line in listing.splitlines() if line.endswith((".yaml", ".yml"))]
    roles: dict[str, set[str]] = {}
    for blob in git.cat_blobs(root, shas).values():
        try:
            data = load_fast(blob.decode("utf-8"))
        except (UnicodeDecodeError, YamlSyntaxError):
            continue
        if isinstance(data, dict) and isinstance(data.get("roles"), list):
            roles[str(data.get("id"))] = {str(r) for r in data["roles"]}
    return roles


def history_checks() -> list[Callable[[RecordChange], Iterable[Problem]]]:
    found = []
    for spec in HISTORY_CHECKS:
        module, attr = spec.split(":")
        found.append(getattr(importlib.import_module(module), attr))
    return found


def audit(root: Path, rev_range: str | None, staff: dict[str, Staff], *,
          require_signed: bool = False) -> tuple[Result, list[RecordChange]]:
    result = Result()
    seen: list[RecordChange] = []
    extra = history_checks()
    who = Identities(staff, _roles_at(root, rev_range))
    pending: list[RecordChange] = []
    for change in changes(root, rev_range):
        if pending and pending[-1].commit.sha != change.commit.sha:
            for done in pending:  # the roster moves on once the commit's own changes are checked
                who.follow(done)
            pending = []
        pending.append(change)
        seen.append(change)
        problems = list(check_change(change, who))
        for check in extra:
            problems.extend(check(change))
        for p in problems:
            result.add(Finding(change.path, 1, 1, p.severity or Severity.error, p.rule, p.message, p.hint))
    if require_signed:
        result.extend(check_signatures(root, rev_range, {c.commit.sha: c.commit for c in seen}, who))
    result.files_checked = len({c.path for c in seen})
    return result, seen


#: Where ``csops audit`` keeps the head it last found clean (AUDIT-11): the next audit starts there,
#: and a head no longer in the history means the history was rewritten.
AUDITED_REF = "refs/csops/audited"

#: git's %G? letters, in words.
_SIGNATURE_STATES = {
    "B": "a bad signature", "U": "a good signature of unknown validity", "X": "an expired signature",
    "Y": "a signature by an expired key", "R": "a signature by a revoked key",
    "E": "a signature git cannot check (the key is not in the roster's signing keys)", "N": "no signature",
}


def allowed_signers(staff: dict[str, Staff]) -> str:
    """git's allowed-signers file from the roster: each git email of a person, with each of their keys."""
    lines = []
    for person in sorted(staff.values(), key=lambda p: p.id):
        for email in person.git_emails:
            lines += [f'{email} namespaces="git" {key}' for key in person.signing_keys]
    return "\n".join(lines) + ("\n" if lines else "")


def check_signatures(root: Path, rev_range: str | None, commits: dict[str, CommitInfo], who: Identities) -> list[Finding]:
    """AUDIT-12: every audited commit carries a good SSH signature made with a key of its author."""
    import tempfile

    from csops import git

    with tempfile.TemporaryDirectory(prefix="csops-signers-") as folder:
        signers = Path(folder) / "allowed_signers"
        signers.write_text(allowed_signers(who.staff), encoding="utf-8")
        found = git.signatures(root, rev_range or "HEAD", signers, [RECORDS])
    findings = []
    no_keys = not any(p.signing_keys for p in who.staff.values())
    for sha, commit in commits.items():
        signature = found.get(sha)
        short = sha[:10]
        author = who.author(commit)
        status = signature.status if signature else "N"
        if status == "G" and signature is not None:
            signer = who.by_email.get(signature.signer.lower())
            if signer is not None and author is not None and signer.id == author.id:
                continue
            problem = (f"commit {short} is authored by {who.author_label(commit)} but signed with the key of "
                       f"{signer.display if signer else signature.signer}")
        else:
            problem = f"commit {short} ({commit.subject}) by {who.author_label(commit)} carries {_SIGNATURE_STATES.get(status, status)}"
        hint = ("no member of staff has a signing key yet: csops staff edit 工号 --signing-key ~/.ssh/id_ed25519.pub"
                if no_keys else "each person signs their own commits: git config gpg.format ssh; git config "
                "user.signingkey ~/.ssh/id_ed25519.pub; their public key is in their staff file (signing_keys)")
        findings.append(Finding(f"commit {short}", 1, 1, Severity.error, "AUDIT-12", problem, hint))
    return findings


def confirms_proven(change: RecordChange) -> Iterator[Problem]:
    """AUDIT-15: a confirm event added in this commit proves that the approver said yes only when
    they typed it themself (no ``entered_by``; AUDIT-03 holds the author to its ``by``) and it names
    an approval of theirs (csops.approvals)."""
    from csops.approvals import bad_confirms

    model = _model_of(change.path)
    if model is None or change.after is None:
        return
    added = {n - 1 for n, event in change.numbered_new_events() if event.get("action") == "confirm"}
    if not added:
        return
    short = change.commit.sha[:10]
    for j, event, why in bad_confirms(change.after, getattr(model, "KIND", "")):
        if j in added:
            yield Problem(f"commit {short}: {_event_label(change.record_id, j + 1, event)} confirms nothing: {why}",
                          ("events", j), "a confirm is made by the approver at their own keyboard: "
                          f"csops confirm {change.record_id} (never --as); restore {change.path} from {short}^",
                          rule="AUDIT-15")
