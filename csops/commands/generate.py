from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--records", "records", type=click.IntRange(min=1), required=True,
              help="How many record files to make (tickets dominate; the span follows from this).")
@click.option("--seed", type=int, default=1, show_default=True, help="Same records and seed, same files.")
@click.option("--commits", type=click.Choice(["monthly", "one", "daily"]), default="monthly", show_default=True,
              help="Git history: one commit per month of records, a single batch, or one per day (each with "
                   "the approvers' own commits confirming the approvals the clerk typed in for them).")
def generate(directory: Path, records: int, seed: int, commits: str) -> None:
    """Generate a realistic office of any size into a new records repository (for trials and benchmarks).

    Every record family is made: tickets of every type with full histories, handovers, rosters with
    swaps and leave, keys with loans and checks, duty logs, the hazmat register, meetings, ~150 staff.
    The span ends on a fixed day, so the same --records and --seed give byte-identical files. Validate
    the result with the --now it prints.

    \b
    Example:
      csops generate /tmp/office10k --records 10000
      csops --root /tmp/office10k --now 2026-11-30T23:59:00+08:00 validate
    """
    import time

    from csops.generate import generate_office

    root = directory.resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise click.ClickException(f"{root} exists and is not empty: generate makes a new repository")
    started = time.monotonic()
    result = generate_office(root, records, seed=seed, commits=commits)
    took = time.monotonic() - started
    click.echo(f"已生成记录库 (office generated): {root}  [{took:.1f}s]")
    click.echo(f"  记录 (records): {result['total']}  时间跨度 (span): {result['first_day']} … {result['last_day']}"
               f"  提交 (commits): {result['commits']}")
    for kind, count in result["counts"].items():
        click.echo(f"    {kind:<10} {count}")
    click.echo(f"  检查时请用 (validate with): csops --root {root} --now {result['now']} validate")
