"""What the pages hand to spreadsheet programs: CSV that opens right and cannot run anything."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP's "CSV injection"): a merchant, zone or guard named "=HYPERLINK(...)" would run on opening.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """``rows`` as CSV, with a byte-order mark so spreadsheet programs read Chinese as UTF-8, and every
    text cell that a spreadsheet would take for a formula quoted as text with a leading apostrophe
    (numbers, "-3" and "+1.5" included, stay numbers)."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def safe_cell(cell: object) -> object:
    """``cell``, or, where it is text a spreadsheet would run as a formula, that text after an apostrophe."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS) or _is_number(cell):
        return cell
    return "'" + cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
