"""The site configuration: one YAML file loaded into a validated pydantic model tree.

Every error names the file, the key path (``cameras[0].zones[1].polygon``) and what is wrong.
``load_config`` is the one way in for the dashboard, the command line and the workers: the file
(``--config``, else ``$OPS_CONFIG``, else built-in defaults), then the environment's overrides of the
store URL (``OPS_DB_URL``), the model (``OPS_MODEL``) and the data directory (``OPS_DATA_DIR``), then
the command line's (``--db``, ``--data-dir``, ``--model``). ``${VAR}`` inside any string value is
replaced by that environment variable, so camera passwords and webhook tokens stay out of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ops_center.errors import ConfigError
from ops_center.geometry import Polygon, Segment, validate_polygon, validate_segment
from ops_center.store.engine import parse_store_url
from ops_center.text import refuse_control_characters
from ops_center.vocabulary import Severity

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${VAR}`` in a string value of the site file: replaced by the environment variable ``VAR``."""


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


def _frame_polygon(value: Any) -> Polygon:
    if not isinstance(value, (list, tuple)):
        raise ValueError("expected a list of [x, y] points")
    return validate_polygon(value)


def _frame_segment(value: Any) -> Segment:
    if not isinstance(value, (list, tuple)):
        raise ValueError("expected two [x, y] points")
    return validate_segment(value)


FramePolygon = Annotated[Polygon, BeforeValidator(_frame_polygon)]
"""A polygon in fractions of the frame (x from the left, y from the top), at least three points."""
FrameSegment = Annotated[Segment, BeforeValidator(_frame_segment)]
"""Two points in fractions of the frame."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NoControl = AfterValidator(refuse_control_characters)
# What a camera's zones, lines, spaces and no-parking areas may hold: written by hand or by the zone
# editor (whose input comes from a browser), each bounded so that a crafted save cannot write a
# megabyte label, a polygon of 20 000 points or a zone that never alarms (``dwell_s: .inf``).
MAX_SHAPES = 200  # zones, lines, spaces or no-parking areas on one camera (each kind)
GeometryName = Annotated[str, StringConstraints(pattern=SLUG, max_length=64)]
Label = Annotated[str, StringConstraints(max_length=100), NoControl]
Frames = Annotated[int, Field(ge=1, le=1000)]
Seconds = Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]


class ZoneConfig(_Strict):
    """A danger zone on one camera: polygon in relative coordinates plus its timing rules."""

    name: GeometryName = Field(description="zone id, unique on its camera")
    label: Label = Field("", description="what the wall shows, e.g. 'Lake edge'")
    polygon: FramePolygon
    min_frames: Frames = Field(3, description="consecutive in-zone frames before an entry counts")
    dwell_s: Seconds = Field(0.0, description="seconds in the zone before the alarm")
    cooldown_s: Seconds = Field(60.0, description="no new alarm in this zone for this long after one")
    exit_grace_s: Seconds = Field(2.0, description="a track may vanish this long and keep its state")
    severity: Severity = Severity.CRITICAL

    @property
    def display_name(self) -> str:
        """The label, or the name where no label is set."""
        return self.label or self.name


LineSide = Literal["above", "below", "left", "right"]


class LineConfig(_Strict):
    """A counting line on one camera: each person crossing it counts once, in or out.

    ``in_side`` says where "in" is, as seen on the frame: ``above`` or ``below`` a line that is not
    vertical, ``left`` or ``right`` of a line that is not horizontal. A person is on a side when the
    bottom-centre of the box (the feet) is more than ``margin`` from the line.
    """

    name: GeometryName = Field(description="line id, unique on its camera")
    label: Label = Field("", description="what the wall shows, e.g. 'Bakery door'")
    points: FrameSegment
    in_side: LineSide
    merchant: Annotated[str, NoControl] | None = Field(
        None, min_length=1, max_length=64, description="the merchant (or entrance) whose footfall this line counts"
    )
    min_frames: Frames = Field(3, description="frames on the new side before a crossing counts")
    margin: float = Field(0.01, ge=0, lt=0.5, description="a band either side of the line that is on neither side")
    lost_grace_s: Seconds = Field(1.0, description="a track may vanish this long and keep its side")

    @field_validator("in_side")
    @classmethod
    def _side_fits_the_line(cls, value: LineSide, info: ValidationInfo) -> LineSide:
        points = info.data.get("points")
        if points is None:  # the points are invalid and say so themselves
            return value
        (x1, y1), (x2, y2) = points
        if value in ("above", "below") and x1 == x2:
            raise ValueError(f"{value!r} does not fit a vertical line; use 'left' or 'right'")
        if value in ("left", "right") and y1 == y2:
            raise ValueError(f"{value!r} does not fit a horizontal line; use 'above' or 'below'")
        return value

    @property
    def display_name(self) -> str:
        """The label, or the name where no label is set."""
        return self.label or self.name


class SpaceConfig(_Strict):
    """A parking space seen by a camera: its id in the store and its polygon in relative coordinates.

    The space is taken when a vehicle's box centre has been inside the polygon for ``min_frames``
    frames, and free again after ``min_frames`` frames without one.
    """

    id: Annotated[str, NoControl] = Field(min_length=1, max_length=64, description="the space's id in the store, e.g. A-B1-001")
    polygon: FramePolygon
    min_frames: Frames = Field(3, description="frames with (or without) a vehicle before the space changes")


class NoParkingConfig(_Strict):
    """A no-parking area seen by a camera (a fire lane, an entrance): a vehicle standing in it too long is an alarm.

    A vehicle stands in the area while its box centre is inside the polygon; the stay begins after
    ``min_frames`` frames with one and ends after ``min_frames`` frames without (a car the detector
    misses for a frame or two stands on). A stay longer than ``max_stand_s`` raises one alarm.
    """

    name: GeometryName = Field(description="area id, unique among the camera's zones and no-parking areas")
    label: Label = Field("", description="what the wall shows, e.g. 'Fire lane, building 3'")
    polygon: FramePolygon
    max_stand_s: Seconds = Field(300.0, gt=0, description="seconds a vehicle may stand in the area before the alarm")
    min_frames: Frames = Field(3, description="frames with (or without) a vehicle before a stay begins (ends)")
    severity: Severity = Severity.WARNING

    @property
    def display_name(self) -> str:
        """The label, or the name where no label is set."""
        return self.label or self.name


class MapPoint(_Strict):
    """A place on the site plan as fractions of the plan: x from the left, y from the top (0..1)."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class MotionConfig(_Strict):
    """Motion gating: the detector runs only on frames where something moved, near a watched place, or now and then."""

    enabled: bool = Field(True, description="false: the detector runs on every processed frame")
    width: int = Field(160, ge=32, le=1920, description="width of the small grey frame compared")
    threshold: int = Field(25, ge=1, le=255, description="grey-level change that counts a pixel as changed")
    min_area: float = Field(0.002, gt=0, lt=1, description="share of unmasked pixels that must change")
    max_gap_s: float = Field(2.0, gt=0, description="the detector runs at least this often anyway")
    near: float = Field(0.1, ge=0, le=1, description="a tracked person this close to a zone keeps the detector on")
    masks: list[Polygon] = Field(default_factory=list, description="areas whose motion is ignored (trees, water, clocks)")

    @field_validator("masks", mode="before")
    @classmethod
    def _masks(cls, value: Any) -> list[Polygon]:
        if not isinstance(value, list):
            raise ValueError("a list of polygons")
        return [validate_polygon(poly) for poly in value]


class CameraConfig(_Strict):
    """One camera: where its frames come from, how fast to process them, its zones, counting lines, spaces and
    no-parking areas.

    Spaces come from ``spaces`` (fractions of the frame) or ``spaces_file`` (pixels, converted with
    the frame's size once the first frame is read); not both.
    """

    id: str = Field(pattern=SLUG)
    name: str
    place: str = ""
    source: str = Field(
        min_length=1,
        description="rtsp://..., http(s)://..., a video file, 'webcam:N', 'synthetic:lakeside' or 'synthetic:shop-door'",
    )
    detect_source: str | None = Field(
        None,
        min_length=1,
        description="a low-resolution stream of the same view (a camera's substream) to detect on; "
        "alarm snapshots and the live tile still come from source",
    )
    fps: float = Field(5.0, ge=0, description="frames processed per second; 0 = as fast as possible")
    loop: bool = Field(False, description="restart a video file at its end")
    enabled: bool = True
    map: MapPoint | None = Field(None, description="where the camera sits on the guard's site plan")
    zones: list[ZoneConfig] = Field(default_factory=list, max_length=MAX_SHAPES)
    lines: list[LineConfig] = Field(default_factory=list, max_length=MAX_SHAPES)
    spaces: list[SpaceConfig] = Field(default_factory=list, max_length=MAX_SHAPES)
    spaces_file: Path | None = Field(
        None, description="parking spaces drawn with Ultralytics' ParkingPtsSelection (JSON, source pixels)"
    )
    no_parking: list[NoParkingConfig] = Field(
        default_factory=list, max_length=MAX_SHAPES,
        description="fire lanes and entrances where a standing vehicle raises an alarm",
    )
    motion: MotionConfig = MotionConfig()

    @model_validator(mode="after")
    def _unique_names(self) -> CameraConfig:
        _require_unique([z.name for z in self.zones], "zone name")
        # an alarm names its zone or no-parking area: one name, one place
        _require_unique([z.name for z in self.zones] + [a.name for a in self.no_parking], "zone or no-parking name")
        _require_unique([ln.name for ln in self.lines], "line name")
        for line in self.lines:
            if len(self.id) + 1 + len(line.name) > 64:
                raise ValueError(f"line {line.name!r}: camera id and line name, the source of its footfall, "
                                 "may have 64 characters together")
        _require_unique([s.id for s in self.spaces], "space id")
        if self.spaces and self.spaces_file is not None:
            raise ValueError("give the parking spaces as 'spaces' or as 'spaces_file', not both")
        return self


class ModelConfig(_Strict):
    """The detection model and its filters."""

    path: str = Field("yolov8n.pt", description="weights name (downloaded) or a local file")
    confidence: float = Field(0.35, gt=0, lt=1)
    min_box_area: float = Field(0.0, ge=0, lt=1, description="smallest box, as a fraction of the frame")
    imgsz: int = Field(640, ge=32)
    tracker: str = "bytetrack.yaml"
    threads: int | None = Field(
        None, ge=1, le=256,
        description="inference threads per detector; default: the host's cores shared among its cameras",
    )
    shared: bool = Field(
        False, description="one detector process on the host serves every camera (started by the supervisor)"
    )
    max_batch: int = Field(8, ge=1, le=64, description="most frames the shared detector infers in one call")


class StoreConfig(_Strict):
    """Where the shared store lives; by default a SQLite file in the data directory."""

    url: str | None = None

    @field_validator("url")
    @classmethod
    def _a_store_url(cls, value: str | None) -> str | None:
        if value is not None:
            parse_store_url(value)  # ValueError: why it cannot be a store
        return value


class Shift(_Strict):
    """A duty shift that starts at ``start`` and runs until the next shift starts."""

    name: str
    start: time


class SiteInfo(_Strict):
    """The site's name, time zone and duty shifts."""

    name: str
    timezone: str = "Asia/Shanghai"
    shifts: list[Shift] = Field(
        default_factory=lambda: [Shift(name="Day", start=time(8)), Shift(name="Night", start=time(20))],
        min_length=1,
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from None
        return value


class StaleLimits(_Strict):
    """How old each domain's newest value may be (seconds) before the wall marks it stale.

    Each feed reports at its own pace: camera heartbeats every few seconds, parking and traffic
    every few minutes, hydrant pressure gauges hourly.
    """

    cameras: float = Field(15.0, gt=0)
    fire: float = Field(3900.0, gt=0)
    parking: float = Field(900.0, gt=0)
    commerce: float = Field(900.0, gt=0)
    guards: float = Field(86400.0, gt=0)
    traffic: float = Field(900.0, gt=0)
    environment: float = Field(1800.0, gt=0)


class DashboardConfig(_Strict):
    """The Dash server and the wall's behaviour."""

    host: str = "127.0.0.1"
    port: int = Field(8050, ge=1, le=65535)
    language: Literal["zh-CN", "en"] = "zh-CN"
    refresh_ms: int = Field(1000, ge=200)
    stale_after_s: StaleLimits = StaleLimits()
    secure_cookie: bool = Field(False, description="send the session cookie over HTTPS only (a site behind HTTPS)")
    proxy_hops: int = Field(
        0, ge=0, le=5, description="reverse proxies in front that set X-Forwarded-For/-Proto/-Host (0: trust none)"
    )
    limits_storage: str = Field(
        "memory://",
        description="where the login throttle and the residents' page count requests: memory:// (each server "
        "process its own) or redis://host:6379/0 (shared by gunicorn's workers and by several servers)",
    )

    @field_validator("limits_storage")
    @classmethod
    def _a_limits_storage(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("memory", "redis", "rediss"):
            raise ValueError(f"expected memory:// or a Redis URL (redis://host:6379/0, rediss:// for TLS), "
                             f"got {scheme + '://' if scheme else repr(value)}")
        return value


class MqttTarget(_Strict):
    """An MQTT broker and topic that escalations are published to."""

    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    topic: str = "ops-center/alarms"


class AlarmPolicy(_Strict):
    """Service targets and escalation of operator alarms."""

    sla_s: float = Field(300.0, gt=0, description="target from alarm to resolution")
    escalate_after_s: float = Field(30.0, gt=0, description="unacknowledged this long -> escalate")
    camera_offline_after_s: float = Field(30.0, gt=0, description="no heartbeat this long -> alarm")
    webhook_url: str | None = None
    mqtt: MqttTarget | None = None


SensorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoControl]
"""A road's or a station's name as sensors send it and the wall shows it."""
MetricName = Annotated[str, StringConstraints(pattern=SLUG, max_length=32)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), NoControl]


class TrafficConfig(_Strict):
    """The access roads the traffic feed reports on; readings of any other road are refused."""

    roads: list[SensorName] = Field(default_factory=list, description="road names, in the wall's order")

    @model_validator(mode="after")
    def _unique_roads(self) -> TrafficConfig:
        _require_unique(self.roads, "road")
        return self


class MetricConfig(_Strict):
    """A metric of an environment station: its unit and the range a real reading lies in."""

    unit: Unit = ""
    min: float = Field(allow_inf_nan=False)
    max: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> MetricConfig:
        if self.min >= self.max:
            raise ValueError(f"min {self.min:g} must be below max {self.max:g}")
        return self


class StationConfig(_Strict):
    """An environment station and the metrics it reports (e.g. temperature, humidity, pm25)."""

    name: SensorName
    metrics: dict[MetricName, MetricConfig] = Field(min_length=1)


class EnvironmentConfig(_Strict):
    """The environment stations; readings of another station or metric are refused."""

    stations: list[StationConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_stations(self) -> EnvironmentConfig:
        _require_unique([s.name for s in self.stations], "station")
        return self

    def metric(self, station: str, metric: str) -> MetricConfig | None:
        """The registered metric of a station, or None."""
        for s in self.stations:
            if s.name == station:
                return s.metrics.get(metric)
        return None


class CommerceConfig(_Strict):
    """Bounds on footfall counts (how many people one counted entrance can pass in a minute) and the
    car park that serves the shops."""

    max_per_minute: int = Field(600, ge=1, le=100_000, description="each way, per merchant and counter")
    merchant_max_per_minute: dict[str, Annotated[int, Field(ge=1, le=100_000)]] = Field(
        default_factory=dict, description="a wider entrance: merchant id -> its own bound"
    )

    garage: str | None = Field(
        None, min_length=1, max_length=64,
        description="the commercial garage: one of parking.lots; the analytics page sets its use against footfall",
    )

    def footfall_bound(self, merchant_id: str) -> int:
        """The most people one counter may report in or out of ``merchant_id`` in a minute."""
        return self.merchant_max_per_minute.get(merchant_id, self.max_per_minute)


MapNode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=32)]
"""The id of an aisle point on a level's map."""
MapXY = tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], Annotated[float, Field(ge=0, allow_inf_nan=False)]]
"""A point on a level's drawing, in metres from its top-left corner."""


class Bilingual(_Strict):
    """A name in both of the pages' languages."""

    zh_cn: str = Field(alias="zh-CN", min_length=1, max_length=60)
    en: str = Field(min_length=1, max_length=60)

    def text(self, lang: str) -> str:
        """The name in ``lang`` (zh-CN or en)."""
        return self.zh_cn if lang == "zh-CN" else self.en


class SpaceRowConfig(_Strict):
    """A row of spaces along one aisle, numbered ``first`` .. ``first + count - 1`` from its first node.

    Each space hangs off its own point of the aisle, ``depth`` metres to the ``side`` of the aisle
    (as seen walking from the first node to the second); its id is ``{LOT}-{LEVEL}-{number:03d}``,
    as in the store (``A-B1-001``).
    """

    aisle: tuple[MapNode, MapNode]
    first: int = Field(ge=1, le=9999)
    count: int = Field(ge=1, le=500)
    side: Literal["left", "right"]
    depth: float = Field(3.5, gt=0, le=20, description="metres from the aisle's centre line to a space's centre")


class MapSpaceConfig(_Strict):
    """One space placed by hand: its id in the store, the aisle point it is reached from, its centre."""

    id: str = Field(min_length=1, max_length=64)
    node: MapNode
    at: MapXY


class MapLevelConfig(_Strict):
    """One level of a lot: its drawing, the aisles as a graph of points, its spaces and posted codes."""

    id: str = Field(pattern=r"^[A-Za-z0-9]{1,8}$", description="the level as in the store's space ids: B1, G")
    name: Bilingual
    size: MapXY = Field(description="the drawing's width and height in metres")
    nodes: dict[MapNode, MapXY] = Field(min_length=1, description="aisle points: id -> [x, y] metres")
    aisles: list[tuple[MapNode, MapNode]] = Field(default_factory=list, description="walkable segments")
    rows: list[SpaceRowConfig] = Field(default_factory=list)
    spaces: list[MapSpaceConfig] = Field(default_factory=list)
    codes: dict[Annotated[str, StringConstraints(min_length=1, max_length=20)], MapNode] = Field(
        default_factory=dict, description="location codes posted in the garage -> the aisle point where each hangs"
    )

    @model_validator(mode="after")
    def _known_nodes(self) -> MapLevelConfig:
        width, height = self.size
        for node, (x, y) in self.nodes.items():
            if x > width or y > height:
                raise ValueError(f"nodes.{node}: [{x:g}, {y:g}] lies outside the drawing ({width:g} x {height:g} m)")
        seen: set[frozenset[str]] = set()
        for i, (a, b) in enumerate(self.aisles):
            for end in (a, b):
                if end not in self.nodes:
                    raise ValueError(f"aisles[{i}]: unknown node {end!r}")
            if a == b or frozenset((a, b)) in seen:
                raise ValueError(f"aisles[{i}]: [{a}, {b}] is {'a loop' if a == b else 'given twice'}")
            seen.add(frozenset((a, b)))
        for i, row in enumerate(self.rows):
            if frozenset(row.aisle) not in seen:
                raise ValueError(f"rows[{i}].aisle: [{row.aisle[0]}, {row.aisle[1]}] is not one of the aisles")
        for i, space in enumerate(self.spaces):
            if space.node not in self.nodes:
                raise ValueError(f"spaces[{i}] ({space.id}): on no node: unknown node {space.node!r}")
        for code, node in self.codes.items():
            if node not in self.nodes:
                raise ValueError(f"codes.{code}: unknown node {node!r}")
        return self


class EntranceConfig(_Strict):
    """A way into the lot on foot or by car, where find-my-car may start."""

    id: str = Field(pattern=SLUG, max_length=32)
    name: Bilingual
    level: str
    node: MapNode


class LiftConfig(_Strict):
    """A lift (or stair core) that stops at an aisle point on several levels; a ride costs ``ride_m``."""

    id: str = Field(pattern=SLUG, max_length=32)
    name: Bilingual
    stops: dict[str, MapNode] = Field(min_length=2, description="level id -> the aisle point by its door")
    ride_m: float = Field(30.0, ge=0, le=1000, description="a ride, in metres of walking it is worth")


class LotMapConfig(_Strict):
    """A lot's map for find-my-car and the lot view: levels, entrances and lifts (``id``: the lot in the store)."""

    id: str = Field(pattern=SLUG, max_length=64)
    levels: list[MapLevelConfig] = Field(min_length=1)
    entrances: list[EntranceConfig] = Field(default_factory=list)
    lifts: list[LiftConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_walkable_lot(self) -> LotMapConfig:
        from ops_center.lot_routes import lot_graph  # it builds the graph from this model

        lot_graph(self)  # ValueError naming the key where the map does not hold together
        return self

    def level(self, level_id: str) -> MapLevelConfig | None:
        """The level of that id, or None."""
        return next((lv for lv in self.levels if lv.id == level_id), None)


class ParkingConfig(_Strict):
    """The lots' maps (find-my-car, the lot view); the lots themselves are rows of the store."""

    lots: list[LotMapConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_lots(self) -> ParkingConfig:
        _require_unique([lot.id for lot in self.lots], "lot id")
        return self

    def lot(self, lot_id: str) -> LotMapConfig | None:
        """The map of that lot, or None."""
        return next((lot for lot in self.lots if lot.id == lot_id), None)


class SimulatorConfig(_Strict):
    """Simulated fire, parking, footfall, guard and traffic data until real ingestion is wired."""

    enabled: bool = False
    history_days: int = Field(30, ge=0, le=400)
    commerce_history_days: int = Field(
        365, ge=0, le=400, description="the shops' footfall and sales: a year gives /analytics its last-year comparison"
    )


class ResidentsConfig(_Strict):
    """The residents' phone page (``/residents``): who may open it, how often its figures are read,
    how many requests one address may make."""

    public: bool = Field(False, description="true: anyone may open it without signing in (nothing else opens)")
    refresh_s: float = Field(15.0, ge=1, le=600, description="figures read from the store at most this often")
    requests_per_minute: int = Field(60, ge=1, le=100_000, description="page loads and refreshes per client address")


class SiteConfig(_Strict):
    """The whole site: one validated tree loaded from one YAML file."""

    site: SiteInfo
    data_dir: Path = Path("data")
    store: StoreConfig = StoreConfig()
    model: ModelConfig = ModelConfig()
    cameras: list[CameraConfig] = Field(default_factory=list)
    dashboard: DashboardConfig = DashboardConfig()
    alarms: AlarmPolicy = AlarmPolicy()
    simulator: SimulatorConfig = SimulatorConfig()
    traffic: TrafficConfig = TrafficConfig()
    environment: EnvironmentConfig = EnvironmentConfig()
    commerce: CommerceConfig = CommerceConfig()
    parking: ParkingConfig = ParkingConfig()
    residents: ResidentsConfig = ResidentsConfig()

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> SiteConfig:
        _require_unique([c.id for c in self.cameras], "camera id")
        return self

    @property
    def camera_merchants(self) -> frozenset[str]:
        """The merchants whose footfall an enabled camera's counting line counts."""
        return frozenset(ln.merchant for c in self.cameras if c.enabled for ln in c.lines if ln.merchant)

    @property
    def store_url(self) -> str:
        """The store URL, defaulting to ``ops.db`` (SQLite) in the data directory."""
        return self.store.url or f"sqlite:///{(self.data_dir / 'ops.db').as_posix()}"

    def camera(self, camera_id: str) -> CameraConfig:
        """The camera with this id, or a ``ConfigError`` listing the ids there are."""
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        known = ", ".join(c.id for c in self.cameras) or "none"
        raise ConfigError(f"no camera {camera_id!r} in the configuration (cameras: {known})")


CONFIG_ENV = "OPS_CONFIG"
DEFAULT_SITE_NAME = "Ops Center"
# The keys the environment (and, through ``load_config``'s ``overrides``, command-line flags) may set.
ENV_OVERRIDES = {"store.url": "OPS_DB_URL", "model.path": "OPS_MODEL", "data_dir": "OPS_DATA_DIR"}

Override = tuple[str, str]
"""A value given outside the site file: where it was given (``--db``, ``OPS_DB_URL``) and the value."""


def env_overrides(env: Mapping[str, str]) -> dict[str, Override]:
    """The config keys ``env`` sets (``ENV_OVERRIDES``), each with the variable's name and value."""
    return {key: (name, env[name]) for key, name in ENV_OVERRIDES.items() if env.get(name)}


def site_file(path: str | Path | None, env: Mapping[str, str]) -> Path | None:
    """The site file an entry point reads: ``path`` where one was given (``--config``), else the
    file ``$OPS_CONFIG`` names, else none (the built-in configuration)."""
    given = path or env.get(CONFIG_ENV)
    return Path(given) if given else None


def load_config(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Override] | None = None,
) -> SiteConfig:
    """The site's configuration, as every entry point (dashboard, command line, workers) gets it.

    Read from ``path``, else from the file ``$OPS_CONFIG`` names, else the built-in defaults (what a
    file with only a site name gets). Then the environment (``ENV_OVERRIDES``) and then ``overrides``
    (key -> ``Override``, e.g. ``{"store.url": ("--db", url)}``) replace values. A relative data
    directory is taken from the file's folder, or from the working directory where it was given
    outside a file. Raise ``ConfigError`` naming the file and key path, or the option or variable
    that gave the bad value, and the problem.
    """
    env = os.environ if env is None else env
    path = site_file(path, env)
    if path is None:
        raw: dict[str, Any] = {"site": {"name": DEFAULT_SITE_NAME}}
        source, base = "built-in configuration", Path.cwd()
    else:
        raw, source, base = _read_site_file(path, env), str(path), path.parent
    given = {**env_overrides(env), **(overrides or {})}
    for key, (_, value) in given.items():
        _set_key(raw, key, value)
    try:
        config = SiteConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, given)) from None
    if "data_dir" in given:
        base = Path.cwd()
    data_dir = config.data_dir if config.data_dir.is_absolute() else (base / config.data_dir).resolve()
    if data_dir.exists() and not data_dir.is_dir():
        name, value = given.get("data_dir", (f"{source}: data_dir", str(config.data_dir)))
        raise ConfigError(f"{name} {value!r}: not a directory")
    _check_garage(config, source)
    cameras = [_with_spaces_file(source, base, i, c) for i, c in enumerate(config.cameras)]
    return config.model_copy(update={"data_dir": data_dir, "cameras": cameras})


def _check_garage(config: SiteConfig, source: str) -> None:
    """``ConfigError`` naming ``source`` and the key when ``commerce.garage`` is not a lot of ``parking.lots``."""
    garage = config.commerce.garage
    lots = [lot.id for lot in config.parking.lots]
    if garage is not None and garage not in lots:
        raise ConfigError(f"{source}: commerce.garage: {garage!r} is not one of the lots in parking.lots "
                          f"({', '.join(lots) or 'none'})")


def _with_spaces_file(source: str, base: Path, index: int, camera: CameraConfig) -> CameraConfig:
    """The camera with its ``spaces_file`` resolved against the site file's folder and its format checked."""
    if camera.spaces_file is None:
        return camera
    from ops_center.parking_points import read_parking_points  # it builds SpaceConfigs: imports this module

    spaces_file = (base / camera.spaces_file).resolve()
    try:
        read_parking_points(spaces_file)
    except ValueError as exc:
        raise ConfigError(f"{source}: cameras[{index}].spaces_file: {exc}") from None
    return camera.model_copy(update={"spaces_file": spaces_file})


def _read_site_file(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    substituted: dict[str, Any] = _substitute_env(read_site_tree(path), env, path, ())
    return substituted


def read_site_tree(path: Path) -> dict[str, Any]:
    """The site file's YAML tree as written (``${VAR}`` kept), or a ``ConfigError`` naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None
    return parse_site_text(text, path)


def parse_site_text(text: str, path: Path) -> dict[str, Any]:
    """The YAML tree of ``text``, the contents of the site file ``path``; a ``ConfigError`` when it is not one."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: {where}not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (site, cameras, ...) at the top")
    return raw


def _substitute_env(value: Any, env: Mapping[str, str], path: Path, loc: tuple[Any, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute_env(v, env, path, (*loc, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_env(v, env, path, (*loc, i)) for i, v in enumerate(value)]
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(f"{path}: {format_loc(loc)}: environment variable {name} is not set")
            return env[name]

        return ENV_REF.sub(repl, value)
    return value


def _set_key(raw: dict[str, Any], key: str, value: str) -> None:
    """Set the dotted ``key`` (``store.url``) in the raw tree, making its sections where missing."""
    *sections, last = key.split(".")
    for section in sections:
        raw[section] = dict(raw.get(section) or {})
        raw = raw[section]
    raw[last] = value


def format_loc(loc: tuple[Any, ...]) -> str:
    """Render a key path as ``cameras[0].zones[1].polygon``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


Problem = tuple[tuple[Any, ...], str]
"""An invalid key's path (``("cameras", 0, "zones", 1, "polygon")``) and what is wrong with it."""


def problems(exc: ValidationError) -> list[Problem]:
    """Each invalid key of ``exc`` with the configuration's message for it."""
    found = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        found.append((loc, "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")))
    return found


def site_problems(raw: dict[str, Any], path: Path, env: Mapping[str, str]) -> list[Problem]:
    """What the configuration's rules refuse in ``raw``, a site file's tree as read from ``path``
    (``${VAR}`` not yet replaced); [] when ``load_config`` would accept it. ``ConfigError`` when a
    variable it names is not set."""
    try:
        SiteConfig.model_validate(_substitute_env(raw, env, path, ()))
    except ValidationError as exc:
        return problems(exc)
    return []


def _describe(exc: ValidationError, source: str, given: Mapping[str, Override]) -> str:
    """One line naming each invalid key (or the option or variable that set it) and what is wrong."""
    in_file, outside = [], []
    for loc, msg in problems(exc):
        key = format_loc(loc)
        if key in given:
            name, value = given[key]
            outside.append(f"{name} {value!r}: {msg}")
        else:
            in_file.append(f"{key}: {msg}")
    return "; ".join(([f"{source}: " + "; ".join(in_file)] if in_file else []) + outside)
