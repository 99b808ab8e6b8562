from __future__ import annotations

import sys
from pathlib import Path

import click

#: What git shows for a file this driver could not merge by structure (exit 1: a conflict).
EXIT_CONFLICT = 1


@click.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("path")
def merge_driver(base: Path, ours: Path, theirs: Path, path: str) -> None:
    """Merge driver for git: join both branches' new events of one record (run by git, not by hand).

    合并驱动 (由 git 调用): 两个分支各自追加到同一记录的事件按时间合并, 摘要字段 (如 status)
    由合并后的事件重新推算, 结果写入 OURS。其他字段一方修改取该方, 两方改得不同则为冲突: 交给 git
    自己的逐行合并, 文件里留下冲突标记, 退出码 1。两次结案、同一把钥匙借出两次之类的问题不是 git
    冲突, 合并后由 csops validate 报告。`csops init` 与 `csops hook install` 会配置
    .gitattributes (merge=csops-events) 和 git config merge.csops-events.driver。

    BASE, OURS, THEIRS and PATH are git's %O %A %B %P. Exit 0: merged into OURS; 1: a conflict,
    left with git's conflict markers.

    \b
    Example:
      git config merge.csops-events.driver "csops merge-driver %O %A %B %P"
      csops merge-driver base.yaml ours.yaml theirs.yaml records/tickets/2026/11/T-2611-A001.yaml
    """
    from csops import git
    from csops.merge import Conflict, merge_files
    from csops.yamlio import atomic_write

    result = merge_files(base, ours, theirs, path)
    if not isinstance(result, Conflict):
        try:
            atomic_write(ours, result.text)
            return
        except OSError as exc:  # e.g. a full disk: OURS is untouched, git shows a conflict
            result = Conflict(f"无法写入合并结果 (cannot write the merge): {exc}")
    conflicts = git.merge_file(Path.cwd(), ours, base, theirs)
    if result.plain:  # not a record this driver knows: git's line merge decides, as without it
        sys.exit(0 if conflicts == 0 else EXIT_CONFLICT)
    click.echo(f"csops: {path} 无法自动合并 (cannot merge by events): {result.reason}", err=True)
    click.echo("  修复 (fix): 按冲突标记改好文件, 保留两边的全部事件, 然后 git add 并 csops validate", err=True)
    sys.exit(EXIT_CONFLICT)
