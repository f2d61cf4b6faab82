"""Text from outside (sensors, the site file) is shown on the wall and stored: no control characters."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc: NUL, ESC, newlines, C1 controls


def refuse_control_characters(value: str) -> str:
    """``value`` unchanged, or a ``ValueError`` naming its first control character and where it is."""
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(f"control character {found.group()!r} at position {found.start()} is not allowed")
    return value
