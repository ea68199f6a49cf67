"""``rehab analyze`` and ``rehab exercises``: score a recorded video, list the library.

A thin adapter: vision reads the video and finds the patient's pose, the pure exercise
code counts and scores the reps, and this module only wires them, shows progress on
stderr and writes the results.

``rehab analyze`` first calibrates the patient region on the opening frames (the person
the estimator finds there is the patient), then follows that person through the video with
:class:`~rehab.vision.tracking.PatientTracker`, so someone walking through the picture is
not scored. The landmark series is smoothed offline (zero-phase, gaps kept as gaps) before
the joint angles are computed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from rehab.errors import CaptureError, RehabError
from rehab.exercises.analysis import AnalysisResult
from rehab.exercises.analysis import analyze as analyze_angles
from rehab.exercises.library import SIDES, ExerciseDef, load_library
from rehab.exercises.report import analysis_to_dict, format_rep_table
from rehab.language import DEFAULT_LANGUAGE, LANGUAGES
from rehab.vision.angles import AngleSeries, compute_angles
from rehab.vision.filters import smooth_skeleton
from rehab.vision.pose import POSE_BACKENDS, PoseBackendSettings
from rehab.vision.skeleton import SkeletonSeries, blazepose_to_canonical_points, from_blazepose
from rehab.vision.view import body_yaw_deg, classify_views

logger = logging.getLogger(__name__)

# Frames read to find the patient before tracking starts (1 s at 30 fps).
_CALIBRATION_FRAMES = 30


@dataclass(frozen=True)
class PosedVideo:
    """The patient's skeleton through a video, and how much of it was seen.

    Attributes
    ----------
    skeleton
        Canonical skeleton per processed frame (NaN rows where the patient was not seen),
        not yet smoothed (see :func:`score_skeleton`).
    image_xy_px
        ``(N, 18, 2)`` the same canonical joints in full-image pixels (``x`` right, ``y``
        down), for the 2D angles; NaN rows where the patient was not seen.
    frames_read, frames_with_patient
        Processed frames, and those where the tracker accepted the patient's pose.
    fps
        The video's frame rate.
    """

    skeleton: SkeletonSeries
    frames_read: int
    frames_with_patient: int
    fps: float
    image_xy_px: np.ndarray


def pose_video(
    path: Path,
    every: int = 1,
    *,
    progress: bool = True,
    backend: PoseBackendSettings | None = None,
    bar=None,
    batch: int = 0,
) -> PosedVideo:
    """Find the patient's 3D pose in every ``every``-th frame of a video file.

    Parameters
    ----------
    backend
        The pose backend (default: MediaPipe on the CPU).
    bar
        A progress bar shared by several videos (its ``update(n)`` is called per frame);
        None shows one for this video when ``progress``.
    batch
        Torch backend only: estimate this many frames per network call, each on its own
        (static-image mode, the detector on every frame); 0 tracks frame to frame.

    Raises
    ------
    CaptureError
        The file is missing, unreadable, corrupt, or shows nobody to calibrate on.
    """
    # Imported here: MediaPipe and OpenCV load slowly and only this command needs them.
    from rehab.vision.capture import VideoFileSource
    from rehab.vision.pose import BlazePoseSettings, make_pose_estimator

    choice = (backend or PoseBackendSettings()).resolved()
    if batch and choice.backend != "torch":
        raise RehabError("--batch needs the torch pose backend")
    if batch:
        choice = dataclasses.replace(choice, batch_size=batch)
    estimator = make_pose_estimator(choice, BlazePoseSettings(static_image_mode=batch > 0))
    try:
        if bar is not None:
            t, world, image, vis, seen, fps = _track_video(path, every, estimator, bar, batch)
        else:
            with VideoFileSource(path) as source:
                total = source.frame_count or None
            with click.progressbar(
                length=total, label="pose", file=sys.stderr if progress else _Null()
            ) as own_bar:
                t, world, image, vis, seen, fps = _track_video(
                    path, every, estimator, own_bar, batch
                )
    finally:
        estimator.close()
    if not t:
        raise CaptureError(f"{path}: the video has no frames")
    skeleton = from_blazepose(np.array(world), np.array(vis), np.array(t), source=str(path))
    image_xy = blazepose_to_canonical_points(np.array(image))
    return PosedVideo(skeleton, len(t), seen, fps, image_xy)


def score_skeleton(
    skeleton: SkeletonSeries, exercise: ExerciseDef, side: str | None, language: str
) -> tuple[AngleSeries, AnalysisResult]:
    """Smooth a posed video's skeleton, compute its joint angles, count and score the reps.

    Works at the series' own sampling rate (the video's fps / ``--every``): the low-pass
    cut-off follows it (:func:`~rehab.vision.filters.offline_cutoff_hz`) and the
    segmentation's thresholds stay in seconds.

    Returns
    -------
    tuple[AngleSeries, AnalysisResult]
        The joint angles and the reps found in them.
    """
    smoothed = smooth_skeleton(skeleton)
    angles = compute_angles(smoothed)
    views = classify_views(body_yaw_deg(smoothed))
    return angles, analyze_angles(angles, exercise, side, language, views=views)


def _track_video(path: Path, every: int, estimator, bar, batch: int = 0):
    """Calibrate the patient region, then follow the patient through the video.

    With ``batch`` > 0 (a batching estimator in static-image mode), ``batch`` frames are
    decoded, their patient regions estimated in one call, then judged by the tracker in
    order; otherwise each frame is estimated (tracking) and judged in turn.
    """
    from rehab.vision.capture import VideoFileSource
    from rehab.vision.tracking import PatientTracker, find_patient_region

    with VideoFileSource(path) as source:
        region = find_patient_region(source, estimator, max_frames=_CALIBRATION_FRAMES)
    logger.info("patient region %s", region)
    tracker = PatientTracker(estimator, region)
    t, world, image, vis, pending = [], [], [], [], []
    seen = 0

    def flush() -> None:
        nonlocal seen
        if batch:
            crops = [tracker.crop_of(f) for f in pending]
            raws = estimator.estimate_batch(crops, [f.t_s for f in pending])
            tracked_all = [tracker.judge(f, r) for f, r in zip(pending, raws, strict=True)]
        else:
            tracked_all = [tracker.pose_of(f) for f in pending]
        for frame, tracked in zip(pending, tracked_all, strict=True):
            t.append(frame.t_s)
            world.append(tracked.pose.world_xyz_m)
            image.append(tracked.pose.image_xy_px)
            vis.append(tracked.pose.visibility)
            seen += tracked.status.accepted
        pending.clear()

    with VideoFileSource(path) as source:
        for frame in source:
            bar.update(1)
            if frame.index % every:
                continue
            pending.append(frame)
            if len(pending) >= max(batch, 1):
                flush()
        if pending:
            flush()
        fps = source.fps
    return t, world, image, vis, seen, fps


class _Null:
    """A write sink for a progress bar that is switched off."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        return None


def _exercise(exercise_id: str) -> ExerciseDef:
    return load_library()[exercise_id]


_VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")


def _video_files(paths: tuple[Path, ...]) -> list[Path]:
    """The video files named, with a folder standing for the videos inside it."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in _VIDEO_SUFFIXES)
            if not found:
                raise CaptureError(f"no video files in folder {p}")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise CaptureError(f"video file not found: {p}")
    return files


def _frame_total(videos: list[Path]) -> int | None:
    from rehab.vision.capture import VideoFileSource

    total = 0
    for v in videos:
        with VideoFileSource(v) as source:
            if not source.frame_count:
                return None
            total += source.frame_count
    return total


@click.command(name="analyze")
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--exercise", "exercise_id", required=True, help="Exercise id (see `rehab exercises list`)."
)
@click.option(
    "--side",
    type=click.Choice(SIDES),
    default=None,
    help="Working side of a one-sided exercise (default: the exercise's default side).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write reps and the joint-angle time series to this JSON file (one video only).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE.value,
    show_default=True,
    help="Language of cues and deduction reasons.",
)
@click.option(
    "--every",
    type=click.IntRange(1, 30),
    default=1,
    show_default=True,
    help="Analyse every N-th frame only (faster, coarser).",
)
@click.option(
    "--pose-backend",
    type=click.Choice(POSE_BACKENDS),
    default="mediapipe",
    show_default=True,
    help="Pose estimator: MediaPipe (CPU), BlazePose in torch, or auto (torch on CUDA if present).",
)
@click.option(
    "--device",
    default="cpu",
    show_default=True,
    help="Device of the torch backend: cpu or cuda[:N].",
)
@click.option(
    "--batch",
    type=click.IntRange(0, 256),
    default=0,
    show_default=True,
    help="Torch backend: estimate N frames per network call, each on its own (the detector "
    "runs on every frame); 0 tracks frame to frame as MediaPipe does.",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def analyze(
    videos: tuple[Path, ...],
    exercise_id: str,
    side: str | None,
    out: Path | None,
    language: str,
    every: int,
    pose_backend: str,
    device: str,
    batch: int,
    no_progress: bool,
) -> None:
    """Count and score the reps of EXERCISE in recorded VIDEOS (files or folders).

    Prints one line per rep (times, range of motion, peak speed, smoothness, form score
    and what cost points) and a summary per video, with one progress bar over all of
    them; with --out (one video), writes the reps with the joint-angle time series as
    JSON.
    """
    exercise = _exercise(exercise_id)
    exercise.working_sides(side)  # refuse a bad --side before the slow part
    backend = PoseBackendSettings(pose_backend, device)
    files = _video_files(videos)
    if out is not None and len(files) > 1:
        raise RehabError("--out writes one video's results; give one video")
    sink = sys.stderr if not no_progress else _Null()
    with click.progressbar(length=_frame_total(files), label="pose", file=sink) as bar:
        posed = [pose_video(v, every, backend=backend, bar=bar, batch=batch) for v in files]
    for video, pv in zip(files, posed, strict=True):
        _report(video, pv, exercise, side, language, every, out)


def _report(
    video: Path,
    posed: PosedVideo,
    exercise: ExerciseDef,
    side: str | None,
    language: str,
    every: int,
    out: Path | None,
) -> None:
    """Score one posed video, print its table and summary, write its JSON if asked."""
    angles, result = score_skeleton(posed.skeleton, exercise, side, language)
    click.echo(format_rep_table(result, language))
    seen_pct = 100.0 * posed.frames_with_patient / posed.frames_read
    click.echo(
        f"{result.count} reps of {exercise.id} ({exercise.names.get(language)}); "
        f"patient seen in {posed.frames_with_patient}/{posed.frames_read} frames "
        f"({seen_pct:.0f}%)"
    )
    if out is not None:
        doc = analysis_to_dict(
            result,
            angles,
            language,
            video=str(video),
            fps=posed.fps,
            every=every,
            frames_analysed=posed.frames_read,
            frames_with_patient=posed.frames_with_patient,
        )
        try:
            out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            raise RehabError(f"cannot write {out}: {exc}") from exc
        click.echo(f"wrote {out}")


@click.group(name="exercises")
def exercises() -> None:
    """The exercise library."""


@exercises.command(name="list")
def list_exercises() -> None:
    """List the exercises: one id per line, then its English and Korean names."""
    for exercise_id, ex in load_library().items():
        click.echo(f"{exercise_id}\t{ex.names.en}\t{ex.names.ko}")
