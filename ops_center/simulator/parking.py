"""Parking: lots -> levels -> spaces on a lot map, and occupancy counts every 5 minutes.

Residents' garages empty in the weekday morning and fill again in the evening; the commercial
garage follows the shops. Which spaces are taken follows the latest count: each lot fills its spaces
in a fixed, seeded order, so a resident's car keeps its space.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ops_center.simulator.base import SimContext, bulk_insert
from ops_center.simulator.timeline import curve, is_weekend, keyed_rng, local_hour, noise, steps
from ops_center.store.models import ParkingCount, ParkingLevel, ParkingLot, ParkingSpace
from ops_center.store.writes import insert_ignore
from ops_center.vocabulary import SIMULATOR_SOURCE

EVERY = timedelta(minutes=5)

Curve = tuple[tuple[float, float], ...]

# share of the spaces taken, by local hour
_RESIDENTS_WEEKDAY: Curve = (
    (0, 0.93), (6.5, 0.92), (7.5, 0.75), (9, 0.48), (12, 0.45), (16, 0.5), (18, 0.78), (20, 0.9), (24, 0.93)
)
_RESIDENTS_WEEKEND: Curve = ((0, 0.93), (8, 0.9), (10, 0.72), (14, 0.65), (17, 0.72), (20, 0.88), (24, 0.93))
_SHOPPERS_WEEKDAY: Curve = (
    (0, 0.08), (7, 0.1), (10, 0.35), (12, 0.7), (14, 0.5), (17, 0.55), (19, 0.85), (21.5, 0.45), (23, 0.12), (24, 0.08)
)
_SHOPPERS_WEEKEND: Curve = ((0, 0.1), (8, 0.15), (10, 0.5), (12.5, 0.9), (15, 0.8), (19, 0.95), (22, 0.45), (24, 0.1))


@dataclass(frozen=True)
class Lot:
    """A car park: its levels (name, rows of spaces, spaces per row), whom it serves, its map."""

    id: str
    name: str
    place: str
    levels: tuple[tuple[str, int, int], ...]
    shoppers: bool
    entrances: tuple[dict[str, object], ...]

    @property
    def capacity(self) -> int:
        """Spaces on all levels."""
        return sum(rows * per_row for _, rows, per_row in self.levels)


LOTS = (
    Lot(
        "a", "North Garage 北区地库", "Under buildings 1-3",
        (("B1", 6, 20), ("B2", 5, 20)), False,
        (
            {"id": "a-ramp", "name": "Vehicle ramp (Lakeside Rd)", "kind": "vehicle", "x": 0.03, "y": 0.5},
            {"id": "a-lift-1", "name": "Lift lobby, building 1", "kind": "pedestrian", "x": 0.3, "y": 0.05},
            {"id": "a-lift-3", "name": "Lift lobby, building 3", "kind": "pedestrian", "x": 0.8, "y": 0.05},
        ),
    ),
    Lot(
        "b", "East Surface Lot 东区地面停车场", "By the east gate",
        (("G", 4, 18),), False,
        (
            {"id": "b-gate", "name": "East gate barrier", "kind": "vehicle", "x": 0.97, "y": 0.5},
            {"id": "b-path", "name": "Footpath to building 5", "kind": "pedestrian", "x": 0.5, "y": 0.97},
        ),
    ),
    Lot(
        "c", "Square Garage 商业广场地库", "Under the commercial square",
        (("B1", 5, 18),), True,
        (
            {"id": "c-ramp", "name": "Vehicle ramp (Square Rd)", "kind": "vehicle", "x": 0.03, "y": 0.2},
            {"id": "c-escalator", "name": "Escalator to the square", "kind": "pedestrian", "x": 0.6, "y": 0.05},
        ),
    ),
)
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def lot_rows() -> list[dict[str, object]]:
    """The lots, each with a map for find-my-car: entrances and the aisles between space rows."""
    rows: list[dict[str, object]] = []
    for lot in LOTS:
        rows_per_level = max(r for _, r, _ in lot.levels)
        aisles = [
            {"id": f"aisle-{i + 1}", "points": [[0.03, y], [0.97, y]]} for i, y in enumerate(_aisle_ys(rows_per_level))
        ]
        rows.append(
            {
                "id": lot.id,
                "name": lot.name,
                "place": lot.place,
                "map": {"levels": [name for name, _, _ in lot.levels], "entrances": list(lot.entrances), "aisles": aisles},
            }
        )
    return rows


def _aisle_ys(space_rows: int) -> list[float]:
    """One aisle between each pair of space rows (rows 0-1 share aisle 0, rows 2-3 aisle 1, ...)."""
    return [0.1 + 0.8 * (2 * a + 1) / space_rows for a in range((space_rows + 1) // 2)]


def level_rows() -> list[dict[str, object]]:
    """The levels of every lot with their capacity."""
    return [
        {"id": f"{lot.id}-{name}", "lot_id": lot.id, "name": name, "capacity": rows * per_row}
        for lot in LOTS
        for name, rows, per_row in lot.levels
    ]


def lot_spaces(lot: Lot) -> list[dict[str, object]]:
    """The marked spaces of a lot with their place on the lot map (rows of spaces along the aisles)."""
    return [
        {
            "id": f"{lot.id.upper()}-{name}-{r * per_row + k + 1:03d}",
            "level_id": f"{lot.id}-{name}",
            "code": f"{name}-{r * per_row + k + 1:03d}",
            "x": round(0.06 + 0.88 * (k + 0.5) / per_row, 4),
            "y": round(0.1 + 0.8 * (r + 0.5) / rows, 4),
        }
        for name, rows, per_row in lot.levels
        for r in range(rows)
        for k in range(per_row)
    ]


def space_rows(now: datetime) -> list[dict[str, object]]:
    """Every space of every lot as a ``parking_spaces`` row, free."""
    return [{**s, "occupied": False, "plate": None, "updated_at": now} for lot in LOTS for s in lot_spaces(lot)]


def occupied_at(ctx: SimContext, lot: Lot, moment: datetime) -> int:
    """How many cars stand in ``lot`` at ``moment`` (never below 0 nor above capacity)."""
    weekend = is_weekend(moment, ctx.tz)
    if lot.shoppers:
        shape = _SHOPPERS_WEEKEND if weekend else _SHOPPERS_WEEKDAY
    else:
        shape = _RESIDENTS_WEEKEND if weekend else _RESIDENTS_WEEKDAY
    share = curve(shape, local_hour(moment, ctx.tz))
    share += 0.04 * noise(ctx.seed, "parking", lot.id, moment.timestamp())
    return max(0, min(lot.capacity, round(share * lot.capacity)))


def count_rows(ctx: SimContext, after: datetime, until: datetime) -> list[dict[str, object]]:
    """Occupancy of every lot every 5 minutes in ``(after, until]``."""
    return [
        {"lot_id": lot.id, "at": t, "occupied": occupied_at(ctx, lot, t), "capacity": lot.capacity, "source": SIMULATOR_SOURCE}
        for t in steps(after, until, EVERY)
        for lot in LOTS
    ]


def fill_order(ctx: SimContext, lot: Lot) -> list[str]:
    """The lot's space ids in the (seeded) order in which cars take them."""
    ids = [str(s["id"]) for s in lot_spaces(lot)]
    keyed_rng(ctx.seed, "spaces", lot.id).shuffle(ids)
    return ids


def plate(ctx: SimContext, space_id: str) -> str:
    """The registration of the car that usually stands in a space (Shanghai plates)."""
    rng = keyed_rng(ctx.seed, "plate", space_id)
    tail = "".join(rng.choice("0123456789" + _PLATE_LETTERS[:10]) for _ in range(5))
    return f"沪{rng.choice(_PLATE_LETTERS)}·{tail}"


def sync_spaces(session: Session, ctx: SimContext, moment: datetime) -> int:
    """Mark the spaces taken at ``moment`` (per the count then) and free the others; return changes."""
    stored = {space_id: occupied for space_id, occupied in session.execute(select(ParkingSpace.id, ParkingSpace.occupied))}
    changes = []
    for lot in LOTS:
        order = fill_order(ctx, lot)
        taken = set(order[: occupied_at(ctx, lot, moment)])
        for space_id in order:
            occupied = space_id in taken
            if space_id in stored and stored[space_id] != occupied:
                registration = plate(ctx, space_id) if occupied else None
                changes.append({"id": space_id, "occupied": occupied, "plate": registration, "updated_at": moment})
    if changes:
        session.execute(update(ParkingSpace), changes)  # ORM bulk update by primary key
    return len(changes)


def install(session: Session, ctx: SimContext, now: datetime) -> dict[str, int]:
    """Store the lots, levels and spaces (once); return the rows added."""
    return {
        "parking_lots": insert_ignore(session, ParkingLot, lot_rows()),
        "parking_levels": insert_ignore(session, ParkingLevel, level_rows()),
        "parking_spaces": insert_ignore(session, ParkingSpace, space_rows(now)),
    }


def watermark(session: Session, ctx: SimContext) -> datetime | None:
    """The newest simulated count stored."""
    return session.scalar(select(func.max(ParkingCount.at)).where(ParkingCount.source == SIMULATOR_SOURCE))


def advance(session: Session, ctx: SimContext, after: datetime, until: datetime) -> dict[str, int]:
    """Store the counts of ``(after, until]`` and mark the spaces taken at the last of them."""
    counts = count_rows(ctx, after, until)
    if counts:
        sync_spaces(session, ctx, counts[-1]["at"])  # type: ignore[arg-type]
    return {"parking_counts": bulk_insert(session, ParkingCount, counts)}
