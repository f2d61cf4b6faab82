"""Exponential backoff for reconnecting streams and restarting workers (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays that start at ``initial_s`` and double up to ``max_s``; ``reset`` after a success."""

    initial_s: float = 1.0
    max_s: float = 30.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._next = self.initial_s

    def next_delay(self) -> float:
        """The delay to wait before the next attempt; each call doubles the one after it."""
        delay = self._next
        self._next = min(self._next * self.factor, self.max_s)
        return delay

    def reset(self) -> None:
        """Start again from ``initial_s`` (the last attempt succeeded)."""
        self._next = self.initial_s
