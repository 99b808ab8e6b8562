from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

OFFICE_README = """# {name}: 客服记录库 (customer-service records)

本仓库由 csops 管理。工单、交接班记录和钥匙登记都以 YAML 文件保存在 `records/` 下，
每一次办理都是一次 git 提交，提交历史就是审计记录。

This repository is managed by csops. Records live as YAML under `records/`; each action is one git
commit authored by the member of staff, so the history is the audit trail.

- 检查全部记录 (check every record): `csops validate`
- 办公室概况 (the office at a glance): `csops status`
- 添加员工 (add staff): `csops staff add 工号 --name 姓名 --department cs --role agent --email you@example.com`
- 本机站点代码 (this clone's station code, keeps new ids unique): `git config csops.station A`
- 每个克隆装一次检查与事件合并驱动 (in every clone: hooks and the events merge driver): `csops hook install`

制度参数 (every number the policies give) are in `records/policy.yaml`; change them by a reviewed commit.
"""

PRE_COMMIT_CONFIG = """# Checks staged records before each commit when the pre-commit framework is used.
repos:
  - repo: local
    hooks:
      - id: csops-validate
        name: csops validate
        entry: csops validate --staged
        language: system
        pass_filenames: false
        always_run: true
"""

DEFAULT_NAME = "客户服务中心"


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", "office_name", default=DEFAULT_NAME, show_default=True, help="Office name shown on forms and reports.")
@click.option("--station", default="A", show_default=True, help="Station code of this clone (1-3 capital letters).")
@click.option("--no-hook", is_flag=True, help="Do not install the git hooks (pre-commit, pre-merge-commit).")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Start from this policy.yaml (checked first; copied as written, comments kept) instead of the defaults.")
def init(directory: Path, office_name: str, station: str, no_hook: bool, policy_file: Path | None) -> None:
    """Create a new records repository: git, policy with defaults, empty roster, hook, README.

    An office that has its policy prepared starts from it (--policy): it is then the office's
    first version, made by csops, so no later audit asks who edited it by hand. The roster comes
    next, from a sheet (csops import staff) or person by person (csops staff add).

    \b
    Example:
      csops init ~/office-records --name "丰汇大厦客户服务中心" --station A
      csops init ~/office-records --station A --policy 制度参数.yaml
      csops --root ~/office-records --as M001 import staff 花名册.xlsx
    """
    from csops import git
    from csops.commands.hook import install_hook, install_merge_driver
    from csops.store import check_station

    try:
        check_station(station)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--station") from exc
    root = directory.resolve()
    policy_path = root / "records" / "policy.yaml"
    if policy_path.exists():
        raise click.ClickException(f"{policy_path} already exists: this is a records repository already")
    policy_text = None
    if policy_file is not None:
        policy_text, named = _checked_policy(policy_file)
        office_name = named if office_name == DEFAULT_NAME else office_name
    paths = scaffold(root, office_name, station)
    if policy_text is not None:
        policy_path.write_text(policy_text, encoding="utf-8")
    install_merge_driver(root)  # no hook: the .gitattributes line does nothing without it
    if not no_hook:
        install_hook(root)
    git.add(root, paths)
    # The empty office names no one, so a machine git knows no one on may still create it; every
    # later write is authored by the person at the keyboard (csops.writer).
    env = {} if git.identity(root) else {f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER")
                                         for part, value in (("NAME", "csops"), ("EMAIL", "csops@localhost"))}
    git.commit(root, paths, "建立记录库 (initialise the records repository)\n\nCsops-Action: init\n", env=env)
    click.echo(f"已建立记录库 (records repository created): {root}")
    click.echo(f"  站点代码 (station): {station}; next: csops --root {root} import staff 花名册.xlsx "
               "(or staff add ...)")


def _checked_policy(path: Path) -> tuple[str, str]:
    """The text and office name of a policy file that validates; else its findings, exit 1, nothing created."""
    from csops.checker import validate_data
    from csops.findings import Result, report_text
    from csops.models.policy import Policy
    from csops.store import read_file

    raw = path.read_bytes()
    loaded = read_file("records/policy.yaml", raw)
    policy = validate_data(Policy, loaded, {}, Policy().timezone) if loaded.data is not None else None
    errors = [f for f in loaded.findings if f.severity.value == "error"]
    if loaded.data is None and not errors:
        errors = loaded.findings
    if errors:
        result = Result(files_checked=1)
        result.extend(type(f)(str(path), f.line, f.col, f.severity, f.rule, f.message, f.hint) for f in errors)
        report_text(result, sys.stdout)
        click.echo(f"{path} 不是有效的制度参数文件, 什么也没有建立 (not a valid policy; nothing was created)")
        raise SystemExit(1)
    return raw.decode("utf-8"), policy.office.name if isinstance(policy, Policy) else DEFAULT_NAME


def scaffold(root: Path, office_name: str, station: str, policy: Any = None) -> list[str]:
    """Lay out a records repository at ``root`` (git repo, policy, schemas, README, station), uncommitted.

    Returns the paths to commit. ``policy`` (a Policy) replaces the default one. Used by ``init`` and by
    ``csops generate``.
    """
    from csops import git
    from csops.commands.hook import write_attributes
    from csops.commands.schemas import write_schemas
    from csops.models.policy import Office, Policy
    from csops.session import render

    root.mkdir(parents=True, exist_ok=True)
    if git.toplevel(root) != root:
        git.init(root)
    (root / "records" / "staff").mkdir(parents=True, exist_ok=True)
    (root / "records" / "staff" / ".gitkeep").touch()
    policy = policy if policy is not None else Policy(office=Office(name=office_name))
    (root / "records" / "policy.yaml").write_text(render(policy, "records/policy.yaml", None), encoding="utf-8")
    write_schemas(root / "schemas")
    (root / "README.md").write_text(OFFICE_README.format(name=office_name), encoding="utf-8")
    (root / ".pre-commit-config.yaml").write_text(PRE_COMMIT_CONFIG, encoding="utf-8")
    (root / ".gitignore").write_text(".csops-cache/\n", encoding="utf-8")
    write_attributes(root)
    git.set_config(root, "csops.station", station)
    return ["records", "schemas", "README.md", ".pre-commit-config.yaml", ".gitignore", ".gitattributes", *write_ci(root)]


#: The CI files an office's repository gets (bundled under templates/ci/): GitHub Actions, GitLab CI.
CI_FILES = {".github/workflows/csops.yml": "github-csops.yml", ".gitlab-ci.yml": "gitlab-ci.yml"}


def write_ci(root: Path) -> list[str]:
    """Write the CI files with this csops version pinned; returns their paths (never overwrites one)."""
    from csops import __version__

    bundled = Path(__file__).resolve().parents[2] / "templates" / "ci"  # as csops.render.BUNDLED
    written = []
    for rel, name in CI_FILES.items():
        target = root / rel
        if target.exists():
            continue
        text = (bundled / name).read_text(encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace('CSOPS_INSTALL: "csops==0.1.0"', f'CSOPS_INSTALL: "csops=={__version__}"'),
                          encoding="utf-8")
        written.append(rel)
    return written
