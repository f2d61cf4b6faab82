"""The site configuration: one YAML file loaded into a validated pydantic model tree.

Every error names the file, the key path (``cameras[0].zones[1].polygon``) and what is wrong.
The environment overrides the store URL (``OPS_DB_URL``), the model (``OPS_MODEL``) and the data
directory (``OPS_DATA_DIR``); ``${VAR}`` inside any string value is replaced by that environment
variable, so camera passwords and webhook tokens stay out of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ops_center.errors import ConfigError
from ops_center.geometry import Polygon, validate_polygon
from ops_center.vocabulary import Severity

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoneConfig(_Strict):
    """A danger zone on one camera: polygon in relative coordinates plus its timing rules."""

    name: str = Field(pattern=SLUG, description="zone id, unique on its camera")
    label: str = Field("", description="what the wall shows, e.g. 'Lake edge'")
    polygon: Polygon
    min_frames: int = Field(3, ge=1, description="consecutive in-zone frames before an entry counts")
    dwell_s: float = Field(0.0, ge=0, description="seconds in the zone before the alarm")
    cooldown_s: float = Field(60.0, ge=0, description="no new alarm in this zone for this long after one")
    exit_grace_s: float = Field(2.0, ge=0, description="a track may vanish this long and keep its state")
    severity: Severity = Severity.CRITICAL

    @field_validator("polygon", mode="before")
    @classmethod
    def _polygon(cls, value: Any) -> Polygon:
        if not isinstance(value, (list, tuple)):
            raise ValueError("expected a list of [x, y] points")
        return validate_polygon(value)

    @property
    def display_name(self) -> str:
        """The label, or the name where no label is set."""
        return self.label or self.name


class MapPoint(_Strict):
    """A place on the site plan as fractions of the plan: x from the left, y from the top (0..1)."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class CameraConfig(_Strict):
    """One camera: where its frames come from, how fast to process them, and its zones."""

    id: str = Field(pattern=SLUG)
    name: str
    place: str = ""
    source: str = Field(
        min_length=1,
        description="rtsp://..., http(s)://..., a video file, 'webcam:N', or 'synthetic:lakeside'",
    )
    fps: float = Field(5.0, ge=0, description="frames processed per second; 0 = as fast as possible")
    loop: bool = Field(False, description="restart a video file at its end")
    enabled: bool = True
    map: MapPoint | None = Field(None, description="where the camera sits on the guard's site plan")
    zones: list[ZoneConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_zone_names(self) -> CameraConfig:
        _require_unique([z.name for z in self.zones], "zone name")
        return self


class ModelConfig(_Strict):
    """The detection model and its filters."""

    path: str = Field("yolov8n.pt", description="weights name (downloaded) or a local file")
    confidence: float = Field(0.35, gt=0, lt=1)
    min_box_area: float = Field(0.0, ge=0, lt=1, description="smallest box, as a fraction of the frame")
    imgsz: int = Field(640, ge=32)
    tracker: str = "bytetrack.yaml"


class StoreConfig(_Strict):
    """Where the shared store lives; by default a SQLite file in the data directory."""

    url: str | None = None


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


class SimulatorConfig(_Strict):
    """Simulated fire, parking, footfall, guard and traffic data until real ingestion is wired."""

    enabled: bool = False
    history_days: int = Field(30, ge=0, le=400)


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

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> SiteConfig:
        _require_unique([c.id for c in self.cameras], "camera id")
        return self

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


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> SiteConfig:
    """Load and validate a site file; raise ``ConfigError`` naming file, key path and problem."""
    env = os.environ if env is None else env
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: {where}not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (site, cameras, ...) at the top")
    raw = _substitute_env(raw, env, path, ())
    _apply_env_overrides(raw, env)
    try:
        config = SiteConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    if not config.data_dir.is_absolute():
        config = config.model_copy(update={"data_dir": (path.parent / config.data_dir).resolve()})
    return config


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

        return _ENV_REF.sub(repl, value)
    return value


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    if env.get("OPS_DB_URL"):
        raw["store"] = {**(raw.get("store") or {}), "url": env["OPS_DB_URL"]}
    if env.get("OPS_MODEL"):
        raw["model"] = {**(raw.get("model") or {}), "path": env["OPS_MODEL"]}
    if env.get("OPS_DATA_DIR"):
        raw["data_dir"] = env["OPS_DATA_DIR"]


def format_loc(loc: tuple[Any, ...]) -> str:
    """Render a key path as ``cameras[0].zones[1].polygon``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(exc: ValidationError) -> str:
    """One line naming each invalid key and what is wrong with it."""
    parts = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        if err["type"] == "extra_forbidden":
            parts.append(f"{format_loc(loc)}: unknown key")
            continue
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{format_loc(loc)}: {msg}")
    return "; ".join(parts)
