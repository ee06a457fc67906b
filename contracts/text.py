"""Text as people write it: names, reasons, addresses never hold control characters (a bell, a
line feed, a NUL) or half of a surrogate pair. Such a character in a stored value breaks what
is made from it later (an XLSX export, an XML document), so it is refused where text comes in."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
CONTROL_CHARACTER = "不能含有控制字符"
UNPAIRED_SURROGATE = "不能含有无效的 Unicode 字符（不成对的代理项）"


def text_flaw(value: str) -> tuple[str, str] | None:
    """(rule, reason in Chinese) when the text holds what no person's text holds, else None.
    Any surrogate code point in a str is unpaired: a decoded pair is one character."""
    if _CONTROL.search(value):
        return "text_control_character", CONTROL_CHARACTER
    if _SURROGATE.search(value):
        return "text_unpaired_surrogate", UNPAIRED_SURROGATE
    return None


def _plain(value: str) -> str:
    flaw = text_flaw(value)
    if flaw is not None:
        raise PydanticCustomError(*flaw)
    return value


PlainText = Annotated[str, AfterValidator(_plain)]
"""A str with no control character and no unpaired surrogate."""
