"""Every label of the wall in zh-CN and en; the page picks the language (config default).

``t(key, lang, **values)`` formats a label; ``term(group, value, lang)`` names a stored value (a
status, a kind, a state), falling back to the value itself for one this table does not know yet.
The groups of a closed set are keyed by its enum's members, and a test holds each group to its enum.
"""

from __future__ import annotations

from ops_center.lifecycle import Status
from ops_center.vocabulary import (
    AlarmKind,
    CameraHealthState,
    CameraState,
    FireState,
    GuardStatus,
    ModelStatus,
    Severity,
)

LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
LANGUAGE_NAMES: dict[str, str] = {"zh-CN": "中文", "en": "EN"}

TEXT: dict[str, dict[str, str]] = {
    # header and navigation
    "app.title": {"zh-CN": "运营中心", "en": "Ops Center"},
    "header.shift": {"zh-CN": "值班：{name}", "en": "Shift: {name}"},
    "header.sound_enable": {"zh-CN": "开启声音", "en": "Enable sound"},
    "header.sound_on": {"zh-CN": "声音已开启", "en": "Sound on"},
    "header.link_lost": {"zh-CN": "连接中断，正在重试…", "en": "Connection lost, retrying…"},
    "nav.wall": {"zh-CN": "大屏", "en": "Wall"},
    "nav.alarms": {"zh-CN": "告警记录", "en": "Alarms"},
    "nav.console": {"zh-CN": "处置台", "en": "Console"},
    "nav.guard": {"zh-CN": "我的任务", "en": "My dispatches"},
    "nav.report": {"zh-CN": "交班报告", "en": "Shift report"},
    "nav.findcar": {"zh-CN": "找车", "en": "Find my car"},
    "nav.lots": {"zh-CN": "车场", "en": "Lots"},
    "header.logout": {"zh-CN": "退出", "en": "Log out"},
    "page.not_found": {"zh-CN": "没有这个页面", "en": "No such page"},
    "page.forbidden": {"zh-CN": "您的角色无权打开此页面", "en": "Your role may not open this page"},
    # ages
    "age.s": {"zh-CN": "{n}秒", "en": "{n} s"},
    "age.min": {"zh-CN": "{n}分钟", "en": "{n} min"},
    "age.h": {"zh-CN": "{n}小时", "en": "{n} h"},
    "age.d": {"zh-CN": "{n}天", "en": "{n} d"},
    "age.ago": {"zh-CN": "{age}前", "en": "{age} ago"},
    "age.stale": {"zh-CN": "数据过期 {age}", "en": "STALE {age}"},
    "age.never": {"zh-CN": "无数据", "en": "no data"},
    # panels
    "panel.security": {"zh-CN": "安防", "en": "Security"},
    "panel.cameras": {"zh-CN": "摄像头", "en": "Cameras"},
    "panel.fire": {"zh-CN": "消防", "en": "Fire"},
    "panel.parking": {"zh-CN": "停车", "en": "Parking"},
    "panel.commerce": {"zh-CN": "商业", "en": "Commerce"},
    "panel.timeline": {"zh-CN": "24小时告警", "en": "Alarms, 24 h"},
    "panel.guards": {"zh-CN": "保安", "en": "Guards"},
    "panel.traffic": {"zh-CN": "交通与环境", "en": "Traffic and environment"},
    # security
    "security.open": {"zh-CN": "未关闭", "en": "Open"},
    "security.unacknowledged": {"zh-CN": "未确认", "en": "Unacknowledged"},
    "security.critical": {"zh-CN": "严重", "en": "Critical"},
    "security.all_clear": {"zh-CN": "一切正常，无待处理告警", "en": "All clear, no open alarms"},
    "security.live": {"zh-CN": "实时画面", "en": "Live"},
    "security.more": {"zh-CN": "另有 {n} 条", "en": "{n} more"},
    "camera.no_frame": {"zh-CN": "暂无画面", "en": "No picture"},
    "camera.frame_stalled": {"zh-CN": "画面已停止 {age}", "en": "Picture frozen for {age}"},
    "camera.none": {"zh-CN": "未配置摄像头", "en": "No cameras configured"},
    # cameras
    "cameras.online": {"zh-CN": "在线 {n}/{total}", "en": "{n}/{total} online"},
    "cameras.fps": {"zh-CN": "{n} 帧/秒", "en": "{n} fps"},
    "cameras.frame": {"zh-CN": "画面 {age}", "en": "frame {age}"},
    "cameras.store_unreachable": {
        "zh-CN": "数据库不可达，{n} 条告警待发", "en": "store unreachable, {n} alarms waiting"
    },
    # fire
    "fire.devices": {"zh-CN": "设备 {n} 个", "en": "{n} devices"},
    "fire.all_normal": {"zh-CN": "全部设备正常", "en": "All devices normal"},
    # parking
    "parking.free": {"zh-CN": "空余车位", "en": "free spaces"},
    "parking.of": {"zh-CN": "/ {n}", "en": "/ {n}"},
    "parking.trend": {"zh-CN": "今日空余车位（每小时）", "en": "Free spaces today, per hour"},
    # find my car
    "findcar.title": {"zh-CN": "找车", "en": "Find my car"},
    "findcar.query": {"zh-CN": "车牌号或车位号", "en": "Plate or space number"},
    "findcar.query_hint": {"zh-CN": "如 沪A·9C123 或 A-B1-023", "en": "e.g. 沪A·9C123 or A-B1-023"},
    "findcar.from": {"zh-CN": "我在", "en": "I am at"},
    "findcar.from_hint": {"zh-CN": "入口或电梯", "en": "an entrance or a lift"},
    "findcar.code": {"zh-CN": "或附近张贴的位置编码", "en": "or the code posted near you"},
    "findcar.go": {"zh-CN": "查找路线", "en": "Show the way"},
    "findcar.empty": {"zh-CN": "请输入车牌号或车位号", "en": "Type a plate or a space number"},
    "findcar.no_match": {"zh-CN": "没有与“{q}”对应的车位或停放车辆", "en": "No space or parked car matches “{q}”"},
    "findcar.off_map": {"zh-CN": "车辆停在 {space}，该车位不在车场地图上",
                        "en": "The car stands in {space}, which is on no lot map"},
    "findcar.plate_in": {"zh-CN": "{plate} 停在车位 {space}", "en": "{plate} is parked in space {space}"},
    "findcar.space": {"zh-CN": "车位 {space}", "en": "Space {space}"},
    "findcar.where": {"zh-CN": "{level}，步行约{m}米", "en": "{level}, about {m} m on foot"},
    # the lot view
    "lots.none": {"zh-CN": "站点配置中没有车场地图（parking.lots）",
                  "en": "No lot maps in the site configuration (parking.lots)"},
    "lots.unknown": {"zh-CN": "没有车场 {lot}", "en": "No lot {lot}"},
    "lots.free": {"zh-CN": "空余 {free} / {spaces}", "en": "{free} free of {spaces}"},
    "lots.by_camera": {"zh-CN": "摄像头计数", "en": "counted by camera"},
    "lots.by_gate": {"zh-CN": "道闸计数", "en": "counted by gate"},
    "lots.no_source": {"zh-CN": "无计数来源", "en": "no count yet"},
    "lots.legend": {"zh-CN": "绿色：空闲 · 灰色：占用", "en": "green: free · grey: taken"},
    # commerce
    "commerce.merchants": {"zh-CN": "商户", "en": "Merchants"},
    "commerce.footfall_today": {"zh-CN": "今日客流", "en": "Footfall today"},
    "commerce.vs_last_week": {"zh-CN": "较上周同日同时段", "en": "vs same weekday last week, same time"},
    "commerce.no_last_week": {"zh-CN": "上周同期无数据", "en": "no count last week"},
    "commerce.top": {"zh-CN": "今日客流最多", "en": "Busiest today"},
    # timeline
    "timeline.total": {"zh-CN": "共 {n} 条", "en": "{n} in total"},
    "timeline.hour": {"zh-CN": "时", "en": "h"},
    # guards
    "guards.on_duty": {"zh-CN": "在岗 {n} 人", "en": "{n} on duty"},
    "guards.radio": {"zh-CN": "{ch} 频道", "en": "ch {ch}"},
    # traffic and environment
    "traffic.speed": {"zh-CN": "{v} 公里/时", "en": "{v} km/h"},
    "traffic.none": {"zh-CN": "暂无交通数据", "en": "No traffic data"},
    # popup
    "popup.title": {"zh-CN": "告警", "en": "ALARM"},
    "popup.camera": {"zh-CN": "摄像头", "en": "Camera"},
    "popup.zone": {"zh-CN": "区域", "en": "Zone"},
    "popup.place": {"zh-CN": "位置", "en": "Place"},
    "popup.time": {"zh-CN": "时间", "en": "Time"},
    "popup.snapshot": {"zh-CN": "抓拍", "en": "Snapshot"},
    "popup.live": {"zh-CN": "实时", "en": "Live"},
    "popup.no_snapshot": {"zh-CN": "无抓拍图片", "en": "No snapshot"},
    "popup.acknowledge": {"zh-CN": "确认告警", "en": "Acknowledge"},
    "popup.more_waiting": {"zh-CN": "另有 {n} 条待确认", "en": "{n} more waiting"},
    # alarm list page
    "alarms.title": {"zh-CN": "告警记录（最新 {n} 条）", "en": "Stored alarms (latest {n})"},
    "alarms.none": {"zh-CN": "暂无告警", "en": "No alarms stored"},
    "alarms.col.time": {"zh-CN": "时间", "en": "Time"},
    "alarms.col.alarm": {"zh-CN": "告警", "en": "Alarm"},
    "alarms.col.where": {"zh-CN": "摄像头 / 区域", "en": "Camera / zone"},
    "alarms.col.status": {"zh-CN": "状态", "en": "Status"},
    "alarms.col.snapshot": {"zh-CN": "抓拍", "en": "Snapshot"},
    # operator console
    "console.open_alarms": {"zh-CN": "待处理告警", "en": "Open alarms"},
    "console.roster": {"zh-CN": "值班保安", "en": "Duty roster"},
    "console.audit": {"zh-CN": "处置记录", "en": "Audit trail"},
    "console.none_selected": {"zh-CN": "请选择一条告警", "en": "Select an alarm"},
    "console.acknowledge": {"zh-CN": "确认告警", "en": "Acknowledge"},
    "console.dispatch": {"zh-CN": "派遣", "en": "Dispatch"},
    "console.on_scene": {"zh-CN": "已到场", "en": "On scene"},
    "console.resolve": {"zh-CN": "已解决", "en": "Resolve"},
    "console.false_alarm": {"zh-CN": "标记误报", "en": "False alarm"},
    "console.add_note": {"zh-CN": "添加备注", "en": "Add note"},
    "console.choose_guard": {"zh-CN": "选择保安（仅空闲）", "en": "Choose a guard (available only)"},
    "console.choose_reason": {"zh-CN": "误报原因", "en": "False-alarm reason"},
    "console.note_placeholder": {"zh-CN": "备注（随下一步一起记录）", "en": "Note (stored with the next step)"},
    "console.sla_left": {"zh-CN": "剩余 {time}", "en": "{time} left"},
    "console.sla_over": {"zh-CN": "超时 {time}", "en": "overdue {time}"},
    "console.guard": {"zh-CN": "派遣保安", "en": "Guard"},
    "console.annotation": {"zh-CN": "备注", "en": "note"},
    "console.col.time": {"zh-CN": "时间", "en": "Time"},
    "console.col.step": {"zh-CN": "步骤", "en": "Step"},
    "console.col.user": {"zh-CN": "操作人", "en": "User"},
    "console.col.note": {"zh-CN": "备注 / 原因", "en": "Note / reason"},
    # outcome of an action
    "outcome.done": {"zh-CN": "{step}：{user}，{time}", "en": "{step}: {user} at {time}"},
    "outcome.note_added": {"zh-CN": "已添加备注", "en": "note added"},
    "outcome.illegal": {"zh-CN": "当前状态不允许此操作", "en": "Not possible in this state"},
    "outcome.concurrent": {"zh-CN": "他人刚刚处理了此告警", "en": "Someone else acted on this alarm first"},
    "outcome.not_found": {"zh-CN": "告警不存在", "en": "No such alarm"},
    "outcome.input": {"zh-CN": "信息不完整", "en": "Missing or wrong input"},
    "outcome.refused": {"zh-CN": "操作被拒绝", "en": "Refused"},
    # guard's phone page
    "guard.on_scene": {"zh-CN": "我已到场", "en": "On scene"},
    "guard.resolved": {"zh-CN": "已处理完毕", "en": "Resolved"},
    "guard.map": {"zh-CN": "位置示意图", "en": "Site plan (schematic)"},
    "guard.no_alarms": {"zh-CN": "暂无派遣任务，继续巡逻", "en": "No dispatch for you. Stay on patrol."},
    "guard.not_linked": {"zh-CN": "此账号未关联值班保安", "en": "This account is not linked to a guard on the roster"},
    # shift report
    "report.title": {"zh-CN": "交班报告", "en": "Shift report"},
    "report.current": {"zh-CN": "当前班次", "en": "Current shift"},
    "report.export": {"zh-CN": "导出 CSV", "en": "Export CSV"},
    "report.sla": {"zh-CN": "处置时限 {time}", "en": "SLA {time}"},
    "report.all": {"zh-CN": "全部告警", "en": "All alarms"},
    "report.by_zone": {"zh-CN": "按区域", "en": "By zone"},
    "report.by_guard": {"zh-CN": "按保安", "en": "By guard"},
    "report.kpi.alarms": {"zh-CN": "告警数", "en": "Alarms"},
    "report.kpi.closed": {"zh-CN": "已处理", "en": "Handled"},
    "report.kpi.ack": {"zh-CN": "确认用时（中位数）", "en": "Median to acknowledge"},
    "report.kpi.resolve": {"zh-CN": "解决用时（中位数）", "en": "Median to resolve"},
    "report.kpi.sla": {"zh-CN": "超出时限", "en": "SLA misses"},
    "report.kpi.false_rate": {"zh-CN": "误报率", "en": "False-alarm rate"},
    "report.col.kind": {"zh-CN": "类别", "en": "Kind"},
    "report.col.group": {"zh-CN": "区域 / 保安", "en": "Zone / guard"},
    "report.col.alarms": {"zh-CN": "告警", "en": "Alarms"},
    "report.col.resolved": {"zh-CN": "已解决", "en": "Resolved"},
    "report.col.false": {"zh-CN": "误报", "en": "False"},
    "report.col.open": {"zh-CN": "未关闭", "en": "Open"},
    "report.col.ack": {"zh-CN": "确认中位数", "en": "Ack median"},
    "report.col.resolve": {"zh-CN": "解决中位数", "en": "Resolve median"},
    "report.col.sla": {"zh-CN": "超时", "en": "SLA misses"},
    "report.col.false_rate": {"zh-CN": "误报率", "en": "False %"},
}

TERMS: dict[str, dict[str, dict[str, str]]] = {
    "alarm_status": {
        Status.NEW: {"zh-CN": "新告警", "en": "new"},
        Status.ACKNOWLEDGED: {"zh-CN": "已确认", "en": "acknowledged"},
        Status.DISPATCHED: {"zh-CN": "已派遣", "en": "dispatched"},
        Status.ON_SCENE: {"zh-CN": "已到场", "en": "on scene"},
        Status.RESOLVED: {"zh-CN": "已解决", "en": "resolved"},
        Status.FALSE_ALARM: {"zh-CN": "误报", "en": "false alarm"},
    },
    "alarm_kind": {
        AlarmKind.DANGER_ZONE: {"zh-CN": "危险区域闯入", "en": "Danger zone"},
        AlarmKind.NO_PARKING: {"zh-CN": "禁停区违停", "en": "No-parking area"},
        AlarmKind.CAMERA_OFFLINE: {"zh-CN": "摄像头离线", "en": "Camera offline"},
        AlarmKind.WORKER_SILENT: {"zh-CN": "检测进程无响应", "en": "Worker silent"},
        AlarmKind.FIRE: {"zh-CN": "火警", "en": "Fire"},
    },
    "severity": {
        Severity.WARNING: {"zh-CN": "警告", "en": "warning"},
        Severity.CRITICAL: {"zh-CN": "严重", "en": "critical"},
        Severity.EMERGENCY: {"zh-CN": "紧急", "en": "emergency"},
    },
    "false_alarm_reason": {
        "staff": {"zh-CN": "工作人员", "en": "staff"},
        "animal": {"zh-CN": "动物", "en": "animal"},
        "reflection": {"zh-CN": "反光/倒影", "en": "reflection"},
        "test": {"zh-CN": "测试", "en": "test"},
        "duplicate": {"zh-CN": "重复告警", "en": "duplicate"},
        "other": {"zh-CN": "其他", "en": "other"},
    },
    "camera_state": {  # a worker's heartbeat (CameraState) and the wall's verdict (CameraHealthState)
        CameraState.ONLINE: {"zh-CN": "在线", "en": "online"},
        CameraState.STARTING: {"zh-CN": "启动中", "en": "starting"},
        CameraState.RECONNECTING: {"zh-CN": "重连中", "en": "reconnecting"},
        CameraHealthState.DETECTOR_UNAVAILABLE: {"zh-CN": "检测器不可用", "en": "detector unavailable"},
        CameraState.OFFLINE: {"zh-CN": "离线", "en": "offline"},
        CameraState.STOPPED: {"zh-CN": "已停止", "en": "stopped"},
    },
    "model_status": {
        ModelStatus.LOADING: {"zh-CN": "加载中", "en": "loading"},
        ModelStatus.OK: {"zh-CN": "正常", "en": "ok"},
        ModelStatus.UNAVAILABLE: {"zh-CN": "不可用", "en": "unavailable"},
    },
    "fire_state": {
        FireState.NORMAL: {"zh-CN": "正常", "en": "normal"},
        FireState.ALARM: {"zh-CN": "火警", "en": "alarm"},
        FireState.PRE_ALARM: {"zh-CN": "预警", "en": "pre-alarm"},
        FireState.SUPERVISORY: {"zh-CN": "监管", "en": "supervisory"},
        FireState.TROUBLE: {"zh-CN": "故障", "en": "trouble"},
        FireState.DISABLED: {"zh-CN": "屏蔽", "en": "disabled"},
    },
    "fire_kind": {
        "smoke": {"zh-CN": "感烟", "en": "smoke"},
        "heat": {"zh-CN": "感温", "en": "heat"},
        "manual_call_point": {"zh-CN": "手报", "en": "call point"},
        "hydrant_pressure": {"zh-CN": "消火栓压力", "en": "hydrant pressure"},
        "sprinkler_pressure": {"zh-CN": "喷淋压力", "en": "sprinkler pressure"},
    },
    "guard_status": {
        GuardStatus.ON_PATROL: {"zh-CN": "巡逻中", "en": "on patrol"},
        GuardStatus.DISPATCHED: {"zh-CN": "已派遣", "en": "dispatched"},
        GuardStatus.ON_SCENE: {"zh-CN": "已到场", "en": "on scene"},
        GuardStatus.OFF_DUTY: {"zh-CN": "休息", "en": "off duty"},
    },
    "congestion": {
        "free": {"zh-CN": "畅通", "en": "free"},
        "light": {"zh-CN": "基本畅通", "en": "light"},
        "moderate": {"zh-CN": "缓行", "en": "moderate"},
        "heavy": {"zh-CN": "拥堵", "en": "heavy"},
        "jammed": {"zh-CN": "严重拥堵", "en": "jammed"},
    },
    "metric": {
        "temperature": {"zh-CN": "气温", "en": "Temperature"},
        "humidity": {"zh-CN": "湿度", "en": "Humidity"},
        "pm25": {"zh-CN": "PM2.5", "en": "PM2.5"},
        "pm2_5": {"zh-CN": "PM2.5", "en": "PM2.5"},
        "aqi": {"zh-CN": "空气质量指数", "en": "AQI"},
        "lake_level": {"zh-CN": "湖水位", "en": "Lake level"},
        "water_level": {"zh-CN": "水位", "en": "Water level"},
        "wind_speed": {"zh-CN": "风速", "en": "Wind"},
        "noise": {"zh-CN": "噪声", "en": "Noise"},
    },
}


def normalize_language(lang: str | None, default: str = "zh-CN") -> str:
    """A supported language code: ``lang`` when known, else ``default``."""
    return lang if lang in LANGUAGES else default


def t(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``values``."""
    text = TEXT[key][normalize_language(lang)]
    return text.format(**values) if values else text


def term(group: str, value: str, lang: str) -> str:
    """The name of a stored value (a status, a kind) in ``lang``; the value itself when unknown."""
    names = TERMS[group].get(value)
    return names[normalize_language(lang)] if names else value.replace("_", " ")
