"""Frame sources on real footage: files, looping, bad files, an HTTP stream that drops and comes back."""

from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path

import cv2
import pytest

from detectors.backoff import Backoff
from detectors.sources import FrameSource, LiveFeed
from ops_center.errors import SourceUnavailable
from ops_center.vocabulary import CameraState
from tests.mjpeg_server import MjpegCamera, clip_jpegs

FIXTURE = "fixture_towncentre_640x360_24f.mp4"


def read_all(source: FrameSource, limit: int = 1000) -> list:
    frames = []
    while len(frames) < limit and (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_a_file_is_read_from_first_frame_to_last_then_ends(media: Path) -> None:
    source = FrameSource(str(media / FIXTURE))
    assert source.state is CameraState.ONLINE and source.fps == 25.0 and source.size == (640, 360)
    frames = read_all(source)
    assert [f.index for f in frames] == list(range(24))
    assert frames[0].image.shape == (360, 640, 3)
    assert frames[12].t_s == pytest.approx(12 / 25)
    assert source.finished and source.read() is None
    assert source.state is CameraState.OFFLINE and source.message == "end of file"


def test_a_looped_file_keeps_counting_frames_and_time(media: Path) -> None:
    source = FrameSource(str(media / FIXTURE), loop=True)
    frames = read_all(source, limit=60)
    assert len(frames) == 60 and not source.finished
    assert [f.index for f in frames] == list(range(60))
    assert all(b.t_s > a.t_s for a, b in itertools.pairwise(frames))
    assert (frames[24].image == frames[0].image).all()  # the clip started again
    source.close()


def test_a_missing_file_is_named_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_clip.mp4"
    with pytest.raises(SourceUnavailable, match=r"video file not found: .*no_such_clip\.mp4$"):
        FrameSource(str(missing))


def test_a_corrupt_file_is_named_in_one_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64)
    with pytest.raises(SourceUnavailable, match=r"corrupt\.mp4") as info:
        FrameSource(str(corrupt))
    assert "\n" not in str(info.value)


def test_a_webcam_that_is_not_there_is_retried_not_fatal() -> None:
    source = FrameSource("webcam:97", backoff=Backoff(initial_s=0.05, max_s=0.1))
    assert source.state is CameraState.RECONNECTING and "retrying in 0.05 s" in source.message
    assert source.read() is None and not source.finished
    with pytest.raises(SourceUnavailable, match="webcam:N"):
        FrameSource("webcam:front")


def test_a_dropped_stream_reconnects_with_backoff(media: Path) -> None:
    camera = MjpegCamera(clip_jpegs(media / FIXTURE)).start()
    source = FrameSource(camera.url, backoff=Backoff(initial_s=0.05, max_s=0.2))
    assert source.state is CameraState.ONLINE and source.kind == "http"
    first = read_all(source, limit=24)
    assert len(first) == 24 and first[0].image.shape == (360, 640, 3)

    camera.stop()  # the connection ends after the clip and the camera stays down
    assert source.read() is None
    assert source.state is CameraState.RECONNECTING and "stopped delivering frames" in source.message
    delays = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(delays) < 3:
        if source.read() is None and (delay := source.message.rsplit("retrying in ", 1)[-1]) not in delays[-1:]:
            delays.append(delay)
        time.sleep(0.01)
    assert delays == ["0.05 s", "0.1 s", "0.2 s"], source.message  # doubled each time, up to the cap
    assert source.state is CameraState.RECONNECTING

    MjpegCamera(camera.jpegs, port=camera.port).start()  # back on the same address
    deadline = time.monotonic() + 5
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = source.read()
        time.sleep(0.01)
    assert frame is not None and source.state is CameraState.ONLINE
    assert frame.index == 24  # frames keep counting across the reconnect
    source.close()


def test_the_live_feed_hands_out_only_newer_frames_until_the_file_ends(media: Path) -> None:
    feed = LiveFeed(FrameSource(str(media / FIXTURE)))
    feed.start()
    seen = []
    last = -1
    while not feed.finished:
        frame = feed.newest(last, timeout_s=0.5)
        if frame is not None:
            seen.append(frame.index)
            last = frame.index
    feed.stop()
    assert feed.frames_read == 24
    assert seen == sorted(set(seen)) and seen[-1] >= 20
    assert feed.frames_decoded == len(seen)  # a frame is decoded only when someone waits for it


class CountingCapture:
    """A real ``cv2.VideoCapture`` that counts how often a frame is decoded."""

    def __init__(self, cap: object) -> None:
        self.cap = cap
        self.decodes = 0

    def read(self) -> tuple[bool, object]:
        self.decodes += 1
        return self.cap.read()

    def retrieve(self) -> tuple[bool, object]:
        self.decodes += 1
        return self.cap.retrieve()

    def __getattr__(self, name: str) -> object:
        return getattr(self.cap, name)


def test_frames_nobody_asks_for_are_grabbed_not_decoded(media: Path) -> None:
    source = FrameSource(str(media / "lake_proxy_beach_shore_360x180_4s.mp4"))
    counting = CountingCapture(source._cap)
    source._cap = counting
    feed = LiveFeed(source)
    feed.start()
    taken, last = [], -1
    while not feed.finished:  # a worker at 5 frames a second on a 24 fps file
        time.sleep(0.2)
        frame = feed.newest(last, timeout_s=0.5)
        if frame is not None:
            taken.append(frame)
            last = frame.index
    feed.stop()
    assert feed.frames_read == 101 and 10 <= len(taken) <= 30
    assert feed.frames_decoded == len(taken)
    assert len(taken) - 1 <= counting.decodes <= len(taken)  # the frame read at opening was decoded before counting
    assert all(f.image.shape == (180, 360, 3) for f in taken)


def test_a_consumer_that_wants_every_frame_finds_the_one_that_came_while_it_was_busy(media: Path) -> None:
    clip = str(media / "lake_proxy_beach_shore_360x180_4s.mp4")
    waiting_only, every_frame = LiveFeed(FrameSource(clip)), LiveFeed(FrameSource(clip), every_frame=True)
    behind: dict[str, int] = {}
    for name, feed in (("waiting only", waiting_only), ("every frame", every_frame)):
        feed.start()
        first = feed.newest(-1, timeout_s=5)
        assert first is not None
        time.sleep(0.5)  # busy (an inference) while the 24 fps file delivers a dozen frames
        found = feed.newest(first.index, timeout_s=0)  # asks again without waiting
        behind[name] = found.index - first.index if found is not None else 0
        assert found is None or found.image.shape == (180, 360, 3)
        feed.stop()
    # waiting only: at most the frame already being read when the consumer stopped waiting; the rest
    # were only grabbed. Every frame: the newest, a dozen frames on (at least 5 on a loaded machine)
    assert behind["waiting only"] <= 1 and behind["every frame"] >= 5, behind


def test_a_consumer_that_asks_between_frames_gets_the_one_grabbed_last(media: Path, tmp_path: Path) -> None:
    clip = tmp_path / "two_fps.mp4"  # the lake clip's first frames, one every half second
    cap = cv2.VideoCapture(str(media / "lake_proxy_beach_shore_360x180_4s.mp4"))
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (360, 180))
    for _ in range(8):
        writer.write(cap.read()[1])
    writer.release()
    cap.release()
    feed = LiveFeed(FrameSource(str(clip)))
    feed.start()
    first = feed.newest(-1, timeout_s=5)
    assert first is not None
    time.sleep(1.2)  # busy (an inference) while two frames come: grabbed, not decoded
    grabbed = feed.frames_read
    found = feed.newest(first.index, timeout_s=5)
    feed.stop()
    # the frame grabbed last, decoded now; not the next one, due in a third of a second
    assert found is not None and found.index == grabbed - 1 > first.index, (found, grabbed, first.index)
    assert found.image.shape == (180, 360, 3)


def test_synthetic_lakeside_is_dispatched_to_the_synthetic_camera() -> None:
    source = FrameSource("synthetic:lakeside")
    frames = read_all(source, limit=3)
    assert source.state is CameraState.ONLINE and source.kind == "synthetic"
    assert [f.index for f in frames] == [0, 1, 2] and frames[0].image.shape == (540, 960, 3)
    source.close()
    with pytest.raises(SourceUnavailable, match="synthetic:lakeside"):
        FrameSource("synthetic:pool")


def test_a_looped_file_that_vanishes_is_a_failure_not_an_end(media: Path, tmp_path: Path) -> None:
    clip = tmp_path / "loop.mp4"
    shutil.copy(media / FIXTURE, clip)
    feed = LiveFeed(FrameSource(str(clip), loop=True))
    feed.start()
    assert feed.newest(-1, timeout_s=10) is not None
    clip.unlink()  # the loop's next reopen finds no file
    deadline = time.monotonic() + 30
    while not feed.finished and time.monotonic() < deadline:
        time.sleep(0.1)
    feed.stop()
    assert feed.finished and feed.failure == f"video file not found: {clip}"
    assert feed.source.state is CameraState.OFFLINE
