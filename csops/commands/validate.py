from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from csops.commands import format_option
from csops.findings import report_json, report_text

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--staged", is_flag=True, help="Check the staged state in the git index (what a pre-commit hook must see).")
@format_option
@click.pass_obj
def validate(session: Session, paths: tuple[Path, ...], staged: bool) -> None:
    """Check records against their schemas and every rule.

    With PATHS (files or folders), report the records there plus every cross-record check over the
    whole tree (unique ids, references, one holder per key). Exit 0 when clean (warnings allowed), 1 with errors.

    \b
    Example:
      csops validate
      csops validate records/tickets/2026/11/T-2611-A001.yaml --format json
      csops validate --staged        # as the pre-commit hook does
    """
    import os

    from csops.git import CHECKED_ENV

    if staged and os.environ.get(CHECKED_ENV):
        # A commit csops itself makes: its records were checked by the same rules a moment ago,
        # against new errors only and with the command's "now"; checking the tree again here would
        # block it on problems it did not cause.
        return
    root = session.root
    if staged:
        from csops import git

        if git.toplevel(root) is None:
            raise click.UsageError(f"--staged reads the git index, but {root} is not in a git repository")
    only = None
    if paths:
        only = set()
        for p in paths:
            absolute = p.resolve()
            try:
                only.add(absolute.relative_to(root).as_posix())
            except ValueError as exc:
                raise click.BadParameter(f"{p} is outside the records repository {root}") from exc
    result = None
    fast = None
    tree = None
    mode = "index" if staged else "worktree"
    if only is None:  # an unchanged tree is answered from its summary, before the models are imported
        from csops import git
        from csops.incremental import summary_answer
        from csops.store import RECORDS, listing

        # The tree id alone says whether this is the tree last checked: for a clean checkout HEAD's,
        # for the staged view the index's own (the hook's second look at the same staged files).
        def tree_now() -> str | None:
            return git.index_tree(root, RECORDS) if staged else git.clean_tree(root, RECORDS)

        tree = tree_now()
        if tree is not None:
            result = summary_answer(root, mode, None, session.clock, tree=tree)
        if result is None:
            fast = listing(root, from_index=staged)
            if fast is not None:
                result = summary_answer(root, mode, fast, session.clock)
            if result is None:
                from csops.checker import check

                result = check(root, session.clock, from_index=staged, only=only, known_listing=fast)
            if tree is not None and fast is not None and tree_now() == tree:
                from csops.incremental import remember_tree

                remember_tree(root, mode, fast, tree)  # still that tree after the check: note it
    else:
        from csops.checker import check

        result = check(root, session.clock, from_index=staged, only=only)
    (report_json if session.json else report_text)(result, sys.stdout)
    sys.exit(result.exit_code)

