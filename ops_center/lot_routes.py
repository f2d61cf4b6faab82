"""Find my car: a lot's map as a walking graph, and the shortest route from where you are to a space.

Pure (no I/O). A lot's graph has a node per aisle point of each level, a node per space's point on
its aisle (rows of spaces split their aisle into one point per space), and one hub per lift joined
to its stop on every level it serves (half a ride each way). Edges are walkable aisle segments whose
lengths come from the coordinates. ``route`` runs Dijkstra (``heapq``) from an entrance, a lift or a
posted location code to the space's point, and returns each level's polyline, the metres walked and
the steps in both languages.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ops_center.config import Bilingual, LotMapConfig, MapLevelConfig, ParkingConfig
from ops_center.errors import InputError

XY = tuple[float, float]
_LIFT = "lift:"


class RouteError(InputError):
    """No route: the space or the start is unknown, or they are in different lots."""


@dataclass(frozen=True)
class MapSpace:
    """A space on a lot's map: its level, its centre and the graph node it is reached from."""

    id: str
    level: str
    at: XY
    node: str


@dataclass(frozen=True)
class Leg:
    """The part of a route on one level: the polyline walked (metres on the level's drawing)."""

    level: str
    points: tuple[XY, ...]
    metres: float


@dataclass(frozen=True)
class Step:
    """One instruction, in both languages."""

    zh_cn: str
    en: str

    def text(self, lang: str) -> str:
        """The instruction in ``lang`` (zh-CN or en)."""
        return self.zh_cn if lang == "zh-CN" else self.en


@dataclass(frozen=True)
class Route:
    """The shortest walk from a start to a space: the levels crossed, in order, and the steps."""

    lot_id: str
    space: MapSpace
    start: str
    legs: tuple[Leg, ...]
    steps: tuple[Step, ...]
    metres: float

    @property
    def levels(self) -> list[str]:
        """The levels walked on, in order."""
        return [leg.level for leg in self.legs]


@dataclass
class LotGraph:
    """A lot's walking graph, its spaces and the places a route may start from."""

    lot: LotMapConfig
    positions: dict[str, tuple[str, XY]] = field(default_factory=dict)  # node -> (level, point); not hubs
    edges: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    spaces: dict[str, MapSpace] = field(default_factory=dict)
    starts: dict[str, str] = field(default_factory=dict)  # casefolded entrance/lift/code -> node

    def add_edge(self, a: str, b: str, cost: float) -> None:
        """A walkable connection both ways."""
        self.edges.setdefault(a, []).append((b, cost))
        self.edges.setdefault(b, []).append((a, cost))

    def distance(self, a: str, b: str) -> float:
        """Metres between two positioned nodes."""
        return math.dist(self.positions[a][1], self.positions[b][1])

    def space(self, space_id: str) -> MapSpace | None:
        """The space of that id (case and surrounding blanks ignored), or None."""
        return self.spaces.get(space_id.strip().upper())

    def start(self, name: str) -> str | None:
        """The node of an entrance, a lift or a posted code (case ignored), or None."""
        return self.starts.get(name.strip().casefold())


def space_id(lot_id: str, level_id: str, number: int) -> str:
    """A space's id in the store: ``A-B1-001``."""
    return f"{lot_id.upper()}-{level_id}-{number:03d}"


def _node(level_id: str, node: str) -> str:
    return f"{level_id}/{node}"


def _add_level(graph: LotGraph, index: int, level: MapLevelConfig) -> None:
    """The level's aisle points, its rows' space points (splitting their aisles) and its spaces."""
    where = f"levels[{index}] ({level.id})"
    for node, xy in level.nodes.items():
        graph.positions[_node(level.id, node)] = (level.id, xy)
    stops: dict[tuple[str, str], set[float]] = {}
    placed: list[tuple[str, str, tuple[str, str], float, XY]] = []  # id, where, aisle, fraction, centre
    for r, row in enumerate(level.rows):
        a, b = row.aisle
        (ax, ay), (bx, by) = level.nodes[a], level.nodes[b]
        length = math.dist((ax, ay), (bx, by))
        if length == 0:
            raise ValueError(f"{where}.rows[{r}].aisle: its two nodes are at the same point")
        dx, dy = (bx - ax) / length, (by - ay) / length
        nx, ny = (dy, -dx) if row.side == "left" else (-dy, dx)  # y grows downwards on the drawing
        lo, hi = sorted((a, b))
        for k in range(row.count):
            f = (k + 0.5) / row.count
            px, py = ax + f * (bx - ax), ay + f * (by - ay)
            along = round(f if a == lo else 1 - f, 6)
            stops.setdefault((lo, hi), set()).add(along)
            number = row.first + k
            placed.append((space_id(graph.lot.id, level.id, number), f"{where}.rows[{r}]", (lo, hi), along,
                           (px + row.depth * nx, py + row.depth * ny)))
    for lo, hi in (tuple(sorted(aisle)) for aisle in level.aisles):
        chain = [_node(level.id, lo)]
        (ax, ay), (bx, by) = level.nodes[lo], level.nodes[hi]
        for f in sorted(stops.get((lo, hi), ())):
            stop = f"{level.id}/{lo}~{hi}@{f}"
            graph.positions[stop] = (level.id, (ax + f * (bx - ax), ay + f * (by - ay)))
            chain.append(stop)
        chain.append(_node(level.id, hi))
        for p, q in itertools.pairwise(chain):
            graph.add_edge(p, q, graph.distance(p, q))
    for sid, place, (lo, hi), along, centre in placed:
        _add_space(graph, MapSpace(sid, level.id, centre, f"{level.id}/{lo}~{hi}@{along}"), place)
    for s, space in enumerate(level.spaces):
        _add_space(graph, MapSpace(space.id.upper(), level.id, space.at, _node(level.id, space.node)),
                   f"{where}.spaces[{s}]")
    for code, node in level.codes.items():
        _add_start(graph, code, _node(level.id, node), f"{where}.codes.{code}")


def _add_space(graph: LotGraph, space: MapSpace, where: str) -> None:
    if space.id in graph.spaces:
        raise ValueError(f"{where}: duplicate space id {space.id!r}")
    graph.spaces[space.id] = space


def _add_start(graph: LotGraph, name: str, node: str, where: str) -> None:
    key = name.casefold()
    if key in graph.starts:
        raise ValueError(f"{where}: {name!r} is already an entrance, a lift or a code of this lot")
    graph.starts[key] = node


def _stop(graph: LotGraph, level: str, node: str, where: str) -> str:
    lv = graph.lot.level(level)
    if lv is None:
        raise ValueError(f"{where}: unknown level {level!r} (levels: {', '.join(x.id for x in graph.lot.levels)})")
    if node not in lv.nodes:
        raise ValueError(f"{where}: unknown node {node!r} on level {level}")
    return _node(level, node)


def lot_graph(lot: LotMapConfig) -> LotGraph:
    """The walking graph of a lot map; ``ValueError`` naming the key when the map does not hold together
    (duplicate ids, unknown levels or nodes, a part no aisle or lift reaches)."""
    graph = LotGraph(lot)
    levels = [lv.id for lv in lot.levels]
    if len(set(levels)) != len(levels):
        raise ValueError(f"levels: duplicate level id in {levels}")
    for i, level in enumerate(lot.levels):
        _add_level(graph, i, level)
    for i, entrance in enumerate(lot.entrances):
        node = _stop(graph, entrance.level, entrance.node, f"entrances[{i}] ({entrance.id})")
        _add_start(graph, entrance.id, node, f"entrances[{i}]")
    for i, lift in enumerate(lot.lifts):
        hub = _LIFT + lift.id
        _add_start(graph, lift.id, hub, f"lifts[{i}]")
        for stop_level, node in lift.stops.items():
            graph.add_edge(hub, _stop(graph, stop_level, node, f"lifts[{i}] ({lift.id}).stops.{stop_level}"), lift.ride_m / 2)
    _check_connected(graph)
    return graph


def _check_connected(graph: LotGraph) -> None:
    """Every positioned node is reachable from the first one."""
    first = next(iter(graph.positions))
    reached, todo = {first}, [first]
    while todo:
        for nxt, _ in graph.edges.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for node, (level, _) in graph.positions.items():
        if node not in reached:
            first_level, first_node = first.split("/", 1)
            raise ValueError(f"level {level}: node {node.split('/', 1)[1]!r} cannot be reached from level "
                             f"{first_level} node {first_node!r}: no aisle or lift joins them")


def _shortest(graph: LotGraph, source: str, target: str) -> tuple[float, list[str]]:
    """Dijkstra: the cost and the nodes of the cheapest path from ``source`` to ``target``."""
    best = {source: 0.0}
    came: dict[str, str] = {}
    heap = [(0.0, source)]
    while heap:
        cost, node = heapq.heappop(heap)
        if node == target:
            path = [node]
            while path[-1] in came:
                path.append(came[path[-1]])
            return cost, path[::-1]
        if cost > best[node]:
            continue
        for nxt, step in graph.edges.get(node, ()):
            new = cost + step
            if new < best.get(nxt, math.inf):
                best[nxt], came[nxt] = new, node
                heapq.heappush(heap, (new, nxt))
    raise RouteError(f"no walkable way from {source} to {target}")  # the map check makes this unreachable


def _level_name(graph: LotGraph, level: str) -> Bilingual:
    found = graph.lot.level(level)
    assert found is not None  # every positioned node's level is on the map
    return found.name


def _lift_name(graph: LotGraph, hub: str) -> Bilingual:
    return next(lift.name for lift in graph.lot.lifts if _LIFT + lift.id == hub)


def _walk_step(metres: float, level: Bilingual, to_zh: str, to_en: str) -> Step:
    m = round(metres)
    return Step(f"在{level.zh_cn}步行约{m}米，{to_zh}", f"On {level.en}, walk about {m} m {to_en}")


def _ride_step(lift: Bilingual, level: Bilingual) -> Step:
    return Step(f"乘{lift.zh_cn}到{level.zh_cn}", f"Take {lift.en} to {level.en}")


def _legs_and_steps(graph: LotGraph, path: list[str], space: MapSpace) -> tuple[list[Leg], list[Step]]:
    """Split the path at lift hubs into one leg per level; say each walk and ride."""
    runs: list[list[str]] = [[]]
    hubs: list[str] = []
    for node in path:
        if node.startswith(_LIFT):
            hubs.append(node)
            runs.append([])
        else:
            runs[-1].append(node)
    legs: list[Leg] = []
    steps: list[Step] = []
    for i, run in enumerate(runs):
        if i > 0:
            steps.append(_ride_step(_lift_name(graph, hubs[i - 1]), _level_name(graph, graph.positions[run[0]][0])))
        if not run:
            continue
        level = graph.positions[run[0]][0]
        points = [graph.positions[n][1] for n in run]
        last = i == len(runs) - 1
        if last:
            points.append(space.at)
        metres = sum(math.dist(p, q) for p, q in itertools.pairwise(points))
        legs.append(Leg(level, tuple(points), metres))
        name = _level_name(graph, level)
        if last:
            steps.append(_walk_step(metres, name, f"到车位 {space.id}", f"to space {space.id}"))
        elif metres >= 1:
            lift = _lift_name(graph, hubs[i])
            steps.append(_walk_step(metres, name, f"到{lift.zh_cn}", f"to {lift.en}"))
    return legs, steps


def route(graph: LotGraph, start: str, space_id: str) -> Route:
    """The shortest walking route in this lot from ``start`` (an entrance, a lift or a posted code) to
    the space ``space_id``; ``RouteError`` naming what is unknown."""
    space = graph.space(space_id)
    if space is None:
        raise RouteError(f"no space {space_id.strip()!r} on the map of lot {graph.lot.id}")
    source = graph.start(start)
    if source is None:
        raise RouteError(f"unknown start {start.strip()!r} in lot {graph.lot.id}: give an entrance, a lift "
                         "or a code posted in the garage")
    _, path = _shortest(graph, source, space.node)
    legs, steps = _legs_and_steps(graph, path, space)
    return Route(graph.lot.id, space, start.strip(), tuple(legs), tuple(steps), sum(leg.metres for leg in legs))


class ParkingMaps:
    """Every lot's walking graph, to find a space in whichever lot holds it."""

    def __init__(self, parking: ParkingConfig) -> None:
        self.graphs = {lot.id: lot_graph(lot) for lot in parking.lots}

    def lot_of(self, space_id: str) -> LotGraph | None:
        """The graph of the lot that holds ``space_id``, or None."""
        return next((g for g in self.graphs.values() if g.space(space_id) is not None), None)

    @staticmethod
    def places(parking: ParkingConfig) -> Iterable[tuple[str, str, Bilingual]]:
        """(lot id, start id, name) of every lot's entrances, then its lifts, in configuration order."""
        for lot in parking.lots:
            for entrance in lot.entrances:
                yield lot.id, entrance.id, entrance.name
            for lift in lot.lifts:
                yield lot.id, lift.id, lift.name

    def route(self, start: str, space_id: str) -> Route:
        """The shortest route to ``space_id`` from ``start`` in the space's lot; ``RouteError`` when the
        space is on no map, or the start is not in that lot (naming the lot it is in, if any)."""
        graph = self.lot_of(space_id)
        if graph is None:
            raise RouteError(f"no space {space_id.strip()!r} on any lot's map")
        if graph.start(start) is None:
            elsewhere = [lot_id for lot_id, g in self.graphs.items() if g.start(start) is not None]
            if elsewhere:
                raise RouteError(f"{start.strip()!r} is in lot {elsewhere[0]}, but space {space_id.strip()} "
                                 f"is in lot {graph.lot.id}")
        return route(graph, start, space_id)
