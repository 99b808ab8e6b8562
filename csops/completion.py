"""Shell completion of ids and staff numbers (`csops ticket show T-2611-<TAB>`, `--as C<TAB>`).

Answered from the file names under records/, never the files: a ticket id names its month folder
(T-2611-… lives in records/tickets/2026/11/), so completing one reads one folder, and a bare
<TAB> offers the two latest months. Cheap enough for every keystroke in an office of any size;
imported by the CLI itself, so it stays free of the models.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

_MONTH = re.compile(r"^[A-Za-z]+-(\d{2})(\d{2})")


def _root(ctx: click.Context) -> Path | None:
    given = ctx.find_root().params.get("root")
    start = (Path(given) if given else Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "records" / "policy.yaml").is_file():
            return folder
    return None


def _month_folders(folder: Path, incomplete: str) -> list[Path]:
    found = _MONTH.match(incomplete)
    if found:
        return [folder / f"20{found.group(1)}" / found.group(2)]
    months = [m for year in folder.iterdir() if year.is_dir() for m in year.iterdir() if m.is_dir()]
    return sorted(months, reverse=True)[:2]


def names(folder: Path, incomplete: str, *, dated: bool) -> list[str]:
    """Record ids under ``folder`` starting with ``incomplete`` (any case); newest first when dated."""
    if not folder.is_dir():
        return []
    wanted = incomplete.upper()
    out = []
    for place in (_month_folders(folder, incomplete) if dated else [folder]):
        if place.is_dir():
            out += [p.name[:-5] for p in place.iterdir()
                    if p.name.endswith(".yaml") and not p.name.startswith(".") and p.name.upper().startswith(wanted)]
    return sorted(out, reverse=dated)


def ids(folder: str, *, dated: bool) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        root = _root(ctx)
        return [CompletionItem(n) for n in names(root / "records" / folder, incomplete, dated=dated)] if root else []

    return complete


ticket_ids = ids("tickets", dated=True)
key_ids = ids("keys", dated=False)
staff_ids = ids("staff", dated=False)
