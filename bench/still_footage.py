"""Still-heavy footage made at run time from a real clip, for the gating test and the cameras benchmark.

The shared clips move almost all the time (waves, a time-lapse, crowds); a lake shore or a garage at
night is still most of the time. ``still_heavy`` makes such footage from a real clip: its empty
background (the per-pixel median of the clip's frames), a little sensor noise on every frame, and,
once, a short entry of the real people of the clip: the pixels around the persons the model finds
in the clip's own frames, pasted onto the background where they were. No hand-picked moment: the
whole clip (at the output's frame rate) is the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detectors.model import PersonModel
from detectors.sources import FrameSource

BOX_MARGIN = 0.15  # each person's box grown by this share of its size, so the whole figure is pasted


@dataclass(frozen=True, slots=True)
class StillClip:
    """A made clip: where it is, its frame rate, and the frames of its one entry."""

    path: Path
    fps: float
    frames: int
    entry: range


def sampled_frames(clip: Path, fps: float) -> list[np.ndarray]:
    """The frames of ``clip`` a camera processing ``fps`` frames a second would see (all, if it has fewer)."""
    source = FrameSource(str(clip))
    stride = max(1, round(source.fps / fps))
    frames: list[np.ndarray] = []
    while not source.finished:
        frame = source.read()
        if frame is not None:
            frames.append(frame.image)
        for _ in range(stride - 1):
            source.skip()
    source.close()
    return frames


def still_heavy(
    clip: Path, out: Path, model: PersonModel, *, fps: float = 5.0, still_s: float = 10.0, noise: float = 2.0,
    seed: int = 0,
) -> StillClip:
    """Write ``out`` (MPEG-4): ``still_s`` seconds of empty scene, ``clip``'s people entering, ``still_s`` more."""
    frames = sampled_frames(clip, fps)
    background = np.median(np.stack(frames[:: max(1, len(frames) // 40)]), axis=0).astype(np.uint8)
    boxes = model.predict(frames)
    entry = [_paste_people(background, frame, found) for frame, found in zip(frames, boxes, strict=True)]
    still = round(still_s * fps)
    sequence: Sequence[np.ndarray] = [background] * still + entry + [background] * still
    rng = np.random.default_rng(seed)
    noisy = (np.clip(image.astype(np.float32) + rng.normal(0, noise, image.shape).astype(np.float32), 0, 255)
             .astype(np.uint8) for image in sequence)
    _write(noisy, out, fps, background.shape)
    return StillClip(out, fps, len(sequence), range(still, still + len(entry)))


def shifted(made: StillClip, out: Path, lead_s: float) -> StillClip:
    """Write ``out``: ``made`` looped from another point, so its entry starts ``lead_s`` seconds in (at most its
    two still parts long): the same footage as another camera sees it, whose person comes at another time."""
    frames = sampled_frames(made.path, made.fps)
    still_total = len(frames) - len(made.entry)
    lead = round(lead_s * made.fps)
    if not 0 <= lead <= still_total:
        raise ValueError(f"lead_s {lead_s:g}: the clip's still parts last {still_total / made.fps:g} s")
    start = (made.entry.start - lead) % len(frames)
    _write(frames[start:] + frames[:start], out, made.fps, frames[0].shape)
    return StillClip(out, made.fps, len(frames), range(lead, lead + len(made.entry)))


def _write(frames: Iterable[np.ndarray], out: Path, fps: float, shape: tuple[int, ...]) -> None:
    h, w = shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    for image in frames:
        writer.write(image)
    writer.release()


def _paste_people(background: np.ndarray, frame: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    out = background.copy()
    h, w = frame.shape[:2]
    for x1, y1, x2, y2, *_ in boxes.tolist():
        mx, my = (x2 - x1) * BOX_MARGIN, (y2 - y1) * BOX_MARGIN
        a, b = max(0, int(x1 - mx)), max(0, int(y1 - my))
        c, d = min(w, int(x2 + mx) + 1), min(h, int(y2 + my) + 1)
        out[b:d, a:c] = frame[b:d, a:c]
    return out
