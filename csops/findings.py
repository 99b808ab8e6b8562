"""Findings: the one value every check produces, and the reporters that print them.

A finding names a file, a line and column, a rule ID from the registry (or a STORE-* id for the
store's own format checks), a message and, where one exists, a fix hint. Checks never raise for bad
input; they return findings, and the caller decides the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TextIO


class Severity(StrEnum):
    error = "error"
    warning = "warning"


# Exit codes shared by every command (DESIGN: validation section).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    severity: Severity
    rule: str
    message: str
    hint: str | None = None
    record: str | None = field(default=None, compare=False)

    def as_text(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity.value} {self.rule}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class Result:
    """Accumulates findings from every stage of a check; never stops at the first."""

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.warning]

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.errors else EXIT_OK

    def sorted(self) -> list[Finding]:
        return sorted(set(self.findings))


def new_findings(before: Iterable[Finding], after: Iterable[Finding]) -> tuple[list[Finding], int]:
    """The findings of ``after`` that ``before`` has not (as a multiset of path, rule and message:
    two equal findings before and three after is one new), and how many of ``before`` are gone."""
    from collections import Counter

    seen = Counter((f.path, f.rule, f.message) for f in before)
    added = []
    for f in after:
        key = (f.path, f.rule, f.message)
        if seen[key]:
            seen[key] -= 1
        else:
            added.append(f)
    return added, sum(seen.values())


def report_text(result: Result, out: TextIO) -> None:
    for finding in result.sorted():
        out.write(finding.as_text() + "\n")
    errors, warnings = len(result.errors), len(result.warnings)
    out.write(
        f"{result.files_checked} 个文件已检查: {errors} 个错误, {warnings} 个警告 "
        f"({result.files_checked} files checked: {errors} errors, {warnings} warnings)\n"
    )


def report_json(result: Result, out: TextIO, extra: dict[str, Any] | None = None) -> None:
    payload = {
        "files_checked": result.files_checked,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "findings": [f.as_dict() for f in result.sorted()],
        **(extra or {}),
    }
    json.dump(payload, out, ensure_ascii=False, indent=2)
    out.write("\n")
