"""What no stored text may hold, computed once from Unicode's own classes.

Invisible and formatting code points make two names look alike, hide text in a legal
register or make it read backwards: every control (but tab, line feed and carriage
return), every format character (category Cf: soft hyphen, zero-width and bidirectional
marks, invisible operators U+2062, the Mongolian vowel separator U+180E, tag characters),
line and paragraph separators (Zl, Zp), surrogates (Cs), and every Default_Ignorable
code point (Hangul fillers U+3164, variation selectors…), plus the blank braille pattern.
A name must also hold something visible (`check_name`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# DerivedCoreProperties.txt, Default_Ignorable_Code_Point (Unicode 15.1).
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_INVISIBLE = ((0x2800, 0x2800),)  # BRAILLE PATTERN BLANK: shows as a space
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
_ALLOWED_CONTROLS = {0x09, 0x0A, 0x0D}


def _refused(code: int) -> bool:
    if code in _ALLOWED_CONTROLS:
        return False
    if unicodedata.category(chr(code)) in _REFUSED_CATEGORIES:
        return True
    return any(low <= code <= high for low, high in (*_DEFAULT_IGNORABLE, *_INVISIBLE))


def _ranges() -> list[tuple[int, int]]:
    """Refused code points as ranges. Format characters live in planes 0, 1 and 14;
    plane 14's are all Default_Ignorable (listed above)."""
    found: list[tuple[int, int]] = []
    for code in range(0x20000):
        if _refused(code):
            if found and found[-1][1] == code - 1:
                found[-1] = (found[-1][0], code)
            else:
                found.append((code, code))
    for low, high in _DEFAULT_IGNORABLE:
        if low >= 0x20000:
            found.append((low, high))
    return found


REFUSED_RANGES = _ranges()


def _escape(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _class(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges
    )


REFUSED = re.compile(f"[{_class(REFUSED_RANGES)}]")
"""Matches any refused code point."""

_BMP = [r for r in REFUSED_RANGES if r[1] <= 0xFFFF]
_BMP_CLASS = _class([r for r in _BMP if not 0xD800 <= r[0] <= 0xDFFF])
ALLOWED_TEXT_PATTERN = f"^[^{_BMP_CLASS}]*$"
"""The rule as a JSON Schema pattern (ECMA-262 and Python alike): the refused code points
of the Basic Multilingual Plane (astral ones, such as tag characters, and lone surrogates
cannot be written portably in a pattern; the server refuses them all the same)."""
NAME_PATTERN = f"^[^{_BMP_CLASS}]*[^{_BMP_CLASS}\\s][^{_BMP_CLASS}]*$"
"""The same, and at least one visible character."""
ONE_LINE_PATTERN = f"^[^{_BMP_CLASS}\\u0009\\u000A\\u000D]*$"
"""ALLOWED_TEXT_PATTERN without tab or line breaks: one-line fields (a contact's name,
a mandate's debtor), whose validators refuse every control character."""
LINES_PATTERN = f"^[^{_BMP_CLASS}\\u0009\\u000D]*$"
"""ALLOWED_TEXT_PATTERN with line feeds but no tab or carriage return: a postal address."""


def refused_in(text: str) -> str | None:
    """The first refused code point of `text`, as `U+XXXX NAME`; None when clean."""
    found = REFUSED.search(text)
    if found is None:
        return None
    char = found.group()
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


def check_name(name: str) -> str:
    if not name.strip():
        raise ValueError("a name holds at least one visible character, not only spaces")
    return name


Name = Annotated[
    str, AfterValidator(check_name), Field(json_schema_extra={"pattern": NAME_PATTERN})
]
"""A person's, a body's or a category's name: text with something visible in it."""
