"""Pure helpers shared by the simulated domains: aligned time steps, local hours, daily curves,
reproducible per-day randomness and smooth pseudo-random drift.

Every simulated value is a function of the seed and its timestamp (and, for per-day sequences, of
the seed and the local date), so filling a time window twice, or in pieces, gives the same rows.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def steps(after: datetime, until: datetime, every: timedelta) -> list[datetime]:
    """The multiples of ``every`` (counted from the Unix epoch) in ``(after, until]``."""
    period = every.total_seconds()
    first = math.floor((after - EPOCH).total_seconds() / period) + 1
    last = math.floor((until - EPOCH).total_seconds() / period)
    return [EPOCH + timedelta(seconds=k * period) for k in range(first, last + 1)]


def local_days(after: datetime, until: datetime, tz: ZoneInfo, back: timedelta = timedelta(0)) -> Iterator[date]:
    """The local dates that ``(after - back, until]`` touches, oldest first."""
    day = (after - back).astimezone(tz).date()
    end = until.astimezone(tz).date()
    while day <= end:
        yield day
        day += timedelta(days=1)


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC moment of ``clock`` on local ``day``."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def local_hour(moment: datetime, tz: ZoneInfo) -> float:
    """Hours since local midnight, with fractions (14:30 -> 14.5)."""
    local = moment.astimezone(tz)
    return local.hour + local.minute / 60 + local.second / 3600


def is_weekend(moment: datetime, tz: ZoneInfo) -> bool:
    """Saturday or Sunday at the site."""
    return moment.astimezone(tz).weekday() >= 5


def curve(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear interpolation through ``points`` (sorted by x), flat beyond both ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def keyed_rng(seed: int, *key: object) -> random.Random:
    """A generator reproducible from the seed and a key (str-seeded: stable across processes)."""
    return random.Random(":".join(str(k) for k in (seed, *key)))


def noise(seed: int, *key: object) -> float:
    """A reproducible value in [-1, 1) for the seed and a key (e.g. a series name and a timestamp)."""
    return keyed_rng(seed, *key).random() * 2.0 - 1.0


def drift(seed: int, key: str, moment: datetime, periods_h: Sequence[float] = (31.0, 83.0, 197.0)) -> float:
    """Smooth pseudo-random weather-like drift in about [-1, 1]: a few slow waves with seeded phases."""
    rng = keyed_rng(seed, "drift", key)
    hours = (moment - EPOCH).total_seconds() / 3600
    waves = [math.sin(2 * math.pi * hours / p + rng.uniform(0, 2 * math.pi)) for p in periods_h]
    return sum(waves) / len(waves)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
