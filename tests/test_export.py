"""CSV exports open right in a spreadsheet and cannot run anything there."""

from __future__ import annotations

import csv
import io

from layouts.export import csv_text


def _read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a byte-order mark, so spreadsheet programs read Chinese as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_and_numbers_stay_numbers() -> None:
    hostile = ['=HYPERLINK("http://evil.example","open")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]
    plain = ["云咖啡 Cloud Cafe", "-3", "+1.5", "-12.5", "", "a=b"]
    rows = _read(csv_text([["name", "value"], *[[cell, 7] for cell in hostile + plain], [-2, 0.5]]))
    assert rows[0] == ["name", "value"]
    assert [r[0] for r in rows[1:1 + len(hostile)]] == ["'" + cell for cell in hostile]
    assert [r[0] for r in rows[1 + len(hostile):-1]] == plain
    assert all(r[1] == "7" for r in rows[1:-1]) and rows[-1] == ["-2", "0.5"]
