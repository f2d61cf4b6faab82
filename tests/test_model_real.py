"""The real YOLOv8n model (int8 ONNX) with ByteTrack on real footage, and model errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.model import PersonDetector, inference_threads, session_options, to_detections
from detectors.sources import FrameSource
from ops_center.config import ModelConfig
from ops_center.errors import ModelUnavailable

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def detector(model_path: Path) -> PersonDetector:
    """One model load for the whole module (the machine is small)."""
    return PersonDetector(ModelConfig(path=str(model_path)))


@pytest.fixture(scope="module")
def towncentre(media: Path) -> list:
    source = FrameSource(str(media / "fixture_towncentre_640x360_24f.mp4"))
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_the_street_fixture_yields_tracked_persons_on_every_frame(detector: PersonDetector, towncentre: list) -> None:
    per_frame = [detector.track(f.image) for f in towncentre]
    assert len(per_frame) == 24
    assert all(len(dets) >= 5 for dets in per_frame), [len(d) for d in per_frame]
    for dets in per_frame:
        for d in dets:
            x1, y1, x2, y2 = d.box
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1 and d.confidence >= 0.35 and d.class_id == 0
    # ByteTrack keeps identities: most people of the last frame were already tracked ten frames earlier
    early = {d.track_id for d in per_frame[13]}
    late = [d.track_id for d in per_frame[23] if d.track_id is not None]
    assert len(late) >= 5 and sum(t in early for t in late) >= len(late) // 2


def test_the_minimum_box_area_drops_small_persons(detector: PersonDetector, towncentre: list) -> None:
    boxes = detector.model.predict(towncentre[0].image, classes=[0], conf=0.35, verbose=False)[0].boxes
    everyone = to_detections(boxes)
    areas = sorted(d.area for d in everyone)
    cut = areas[len(areas) // 2]
    big = to_detections(boxes, min_box_area=cut)
    assert 0 < len(big) < len(everyone)
    assert all(d.area >= cut for d in big) and all(d.track_id is None for d in big)


def test_a_model_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"^model file not found: .*/missing\.onnx$"):
        PersonDetector(ModelConfig(path=str(tmp_path / "missing.onnx")))


def test_a_corrupt_model_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model" * 100)
    with pytest.raises(ModelUnavailable, match=r"^cannot load model .*broken\.onnx") as info:
        PersonDetector(ModelConfig(path=str(broken)))
    assert "\n" not in str(info.value)


def test_a_weights_name_that_cannot_be_downloaded_offline_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no yolov8n.pt lying around; conftest sets YOLO_OFFLINE=1
    with pytest.raises(ModelUnavailable, match=r"^cannot load model yolov8n\.pt: .*could not be downloaded.*OPS_MODEL"):
        PersonDetector(ModelConfig(path="yolov8n.pt"))


def test_the_onnx_session_runs_on_the_configured_threads_and_does_not_spin(model_path: Path) -> None:
    import torch

    detector = PersonDetector(ModelConfig(path=str(model_path)), threads=2)
    options = session_options(detector.model)  # the options of the session Ultralytics' predictor runs
    assert options.intra_op_num_threads == 2 and options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"
    assert torch.get_num_threads() == 2


def test_the_default_threads_share_the_hosts_cores_among_its_cameras() -> None:
    config = ModelConfig(path="m.onnx")
    assert inference_threads(config, detectors_on_host=4, cpus=8) == 2
    assert inference_threads(config, detectors_on_host=8, cpus=2) == 1
    assert inference_threads(config, detectors_on_host=1, cpus=16) == 16
    assert inference_threads(ModelConfig(path="m.onnx", threads=3), detectors_on_host=8, cpus=2) == 3


def test_tracking_outside_model_track_gives_model_tracks_tracks(
    detector: PersonDetector, towncentre: list, model_path: Path
) -> None:
    from detectors.model import load_yolo

    config = detector.person_model.config
    ours = PersonDetector(config, threads=1)
    plain = load_yolo(str(model_path))
    for frame in towncentre:
        expected = plain.track(frame.image, persist=True, classes=[0], conf=config.confidence, imgsz=config.imgsz,
                               tracker=config.tracker, verbose=False)[0]
        got = ours.track(frame.image)
        want = to_detections(expected.boxes)
        assert [d.track_id for d in got] == [d.track_id for d in want] and len(want) >= 5
        for g, w in zip(got, want, strict=True):
            assert g.box == pytest.approx(w.box, abs=1e-5) and g.confidence == pytest.approx(w.confidence, abs=1e-5)
