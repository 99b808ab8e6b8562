"""Masking of customers' personal data in every output (REG-PHN-01, REG-SEC-03).

One place decides how a phone number, a name or an address is shown when it is not revealed, so
text, JSON, forms, reports, findings and review all mask the same way. Pure functions, no imports
beyond the standard library: every command may call them on its hot path.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

#: A mainland mobile number (11 digits from 1[3-9]), optionally with +86 / 86 and separators.
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
#: A landline: area code 0xx(x) and 7–8 digits, optionally with an extension.
LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})[- ]?(\d{4})(?!\d)")

MASK = "****"


def mask_phone(value: str | None) -> str | None:
    """``13412346678`` → ``134****6678``; landlines keep the area code and the last four digits.

    Anything else that carries digits keeps at most its last four; text without digits is kept.
    """
    if value is None:
        return None
    masked = mask_numbers_in(value)
    if masked != value:
        return masked
    digits = re.sub(r"\D", "", value)
    if len(digits) < 5:
        return value
    return MASK + digits[-4:]


def mask_numbers_in(text: str) -> str:
    """Every phone number inside free text masked (a finding's message, a ticket's content)."""
    text = MOBILE_RE.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return LANDLINE_RE.sub(lambda m: f"{m.group(1)}-{MASK}{m.group(3)}", text)


def has_plain_phone(text: str) -> bool:
    """True when ``text`` holds an unmasked mobile number (the check the hook and validate apply)."""
    return MOBILE_RE.search(text) is not None


_TITLES = ("先生", "女士", "小姐", "老师", "师傅", "经理", "总")


def mask_name(value: str | None) -> str | None:
    """A person's name as a customer-facing form shows it: 郑晓红 → 郑**; 郑女士 stays 郑女士.

    Names that already are a surname plus a title are not personal beyond the surname. An
    organisation's name (longer than four characters) is kept: it is not personal data.
    """
    if not value:
        return value
    name = value.strip()
    if any(name.endswith(title) for title in _TITLES) or len(name) > 4:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_address(value: str | None) -> str | None:
    """An address down to its building: ``3栋2单元1801`` → ``3栋2单元****``; the room number is hidden."""
    if not value:
        return value
    return re.sub(r"\d{3,}(室|号)?$", MASK, value.strip())


class MaskedStream:
    """A text stream that masks every phone number written through it (REG-PHN-01).

    The CLI writes each command's stdout and stderr through one of these, so no output path (a
    finding echoing a mistyped number, a JSON dump, a history diff, a form printed to stdout) can
    show a customer's full number. Click writes a message and its newline in one call, so a number
    is never split across two writes.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask_numbers_in(text) if isinstance(text, str) else text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
