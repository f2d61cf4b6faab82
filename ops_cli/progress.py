"""A one-line progress bar on a terminal: frames done, frames per second, time left."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 24
PERIOD_S = 0.25


class Progress:
    """Redraws ``frames 120/447 [####----] 4.1 fps, 1:20 left`` in place on ``stream``, at most four times a second."""

    def __init__(self, total: int | None, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        """``total``: the frames expected (``None`` when unknown: no bar, no time left)."""
        self.total = total
        self.stream = stream
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._drawn_at = -PERIOD_S
        self._width = 0

    def step(self) -> None:
        """One more frame done."""
        self.done += 1
        now = self.clock()
        if now - self._drawn_at >= PERIOD_S:
            self._drawn_at = now
            self._draw(self.line(now - self.started))

    def line(self, elapsed_s: float) -> str:
        """The progress line after ``elapsed_s`` seconds."""
        fps = self.done / elapsed_s if elapsed_s > 0 else 0.0
        if not self.total:
            return f"frames {self.done}  {fps:.1f} fps"
        filled = min(WIDTH, WIDTH * self.done // self.total)
        left = max(0, self.total - self.done) / fps if fps > 0 else None
        eta = "--:--" if left is None else _clock_text(left)
        return f"frames {self.done}/{self.total} [{'#' * filled}{'-' * (WIDTH - filled)}] {fps:.1f} fps, {eta} left"

    def close(self) -> None:
        """Clear the line, leaving the terminal as it was."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def _draw(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))


def _clock_text(seconds: float) -> str:
    """``1:05:09`` or ``5:09``."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
