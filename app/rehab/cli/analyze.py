"""``rehab analyze`` and ``rehab exercises``: score a recorded video, list the library.

A thin adapter: vision reads the video and finds the patient's pose, the pure exercise
code counts and scores the reps, and this module only wires them, shows progress on
stderr and writes the results.

``rehab analyze`` first calibrates the patient region on the opening frames (the person
the estimator finds there is the patient), then follows that person through the video with
:class:`~rehab.vision.tracking.PatientTracker`, so someone walking through the picture is
not scored. The landmark series is smoothed offline (zero-phase, gaps kept as gaps) before
the joint angles are computed.

Angles come from the world landmarks (3D, every angle) or, as a fallback, from the image
landmarks (2D, :func:`~rehab.vision.angles.compute_angles_2d_by_frame`: only the angles in
the body plane facing the camera, by each frame's estimated view; compensations that need
another angle are then not assessable). ``--3d`` and ``--2d`` choose; by default the 2D
fallback is taken when the world skeleton is unreliable by the rigid-segment rule of
:mod:`rehab.vision.world_check`, and the output says which source was used and why.
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
from rehab.messages import Message
from rehab.vision.angles import (
    USABLE_2D_ANGLES,
    AngleSeries,
    compute_angles,
    compute_angles_2d_by_frame,
)
from rehab.vision.filters import butterworth_zero_phase, offline_cutoff_hz, smooth_skeleton
from rehab.vision.pose import POSE_BACKENDS, PoseBackendSettings
from rehab.vision.skeleton import SkeletonSeries, blazepose_to_canonical_points, from_blazepose
from rehab.vision.view import body_yaw_deg, camera_views_2d, classify_views, dominant_view
from rehab.vision.world_check import (
    MAX_DEPTH_JITTER_M,
    MAX_SEGMENT_CV,
    WorldReliability,
    world_reliability,
)

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
    views = _seen_views(smoothed)
    return angles, analyze_angles(angles, exercise, side, language, views=views)


ANGLE_SOURCES = ("auto", "3d", "2d")
"""``--3d``/``--2d``/neither: where the joint angles come from."""

# The low-pass of the image landmarks: the same cut-off as the world skeleton's
# (rehab.vision.filters.smooth_skeleton's default).
_IMAGE_CUTOFF_HZ = 6.0


@dataclass(frozen=True)
class AngleChoice:
    """Where a video's joint angles come from, and why.

    Attributes
    ----------
    source
        ``"3d"`` (world landmarks) or ``"2d"`` (image landmarks).
    note
        Why, as a catalogue message (shown in the reader's language).
    world
        The world skeleton's check (:func:`~rehab.vision.world_check.world_reliability`),
        made also when ``--3d`` or ``--2d`` chose (reported, not used).
    """

    source: str
    note: Message
    world: WorldReliability


def choose_angle_source(
    skeleton: SkeletonSeries, requested: str = "auto", primary_in_2d: Message | None = None
) -> AngleChoice:
    """Choose 3D or 2D angles for a posed video: as asked, else by the world check.

    Parameters
    ----------
    skeleton
        The world skeleton as estimated (not smoothed).
    requested
        ``"3d"``, ``"2d"`` or ``"auto"``: 2D when the world skeleton is unreliable
        (:mod:`rehab.vision.world_check`), 3D when it is reliable or cannot be judged.
    primary_in_2d
        None when the 2D angles can measure the exercise's primary angle from the
        recording's view; else why not. Then ``auto`` keeps 3D even when the world is
        unreliable (a shaky angle counts reps, a missing one cannot).

    Returns
    -------
    AngleChoice
        The source and the note that says why.

    Raises
    ------
    RehabError
        If ``requested`` is not one of :data:`ANGLE_SOURCES`.
    """
    if requested not in ANGLE_SOURCES:
        raise RehabError(f"angle source must be one of {', '.join(ANGLE_SOURCES)}")
    check = world_reliability(skeleton)
    if requested == "3d":
        return AngleChoice("3d", Message("analyze.angles.world_asked"), check)
    if requested == "2d":
        return AngleChoice("2d", Message("analyze.angles.image_asked"), check)
    params: dict[str, object] = {
        "cv_pct": 100.0 * check.median_cv,
        "cv_limit_pct": 100.0 * MAX_SEGMENT_CV,
        "jitter_cm": 100.0 * check.depth_jitter_m,
        "jitter_limit_cm": 100.0 * MAX_DEPTH_JITTER_M,
    }
    if check.reliable is None:
        return AngleChoice("3d", Message("analyze.angles.world_unjudged"), check)
    if check.reliable:
        return AngleChoice("3d", Message("analyze.angles.world_reliable", params), check)
    if primary_in_2d is not None:
        params["reason"] = primary_in_2d
        return AngleChoice("3d", Message("analyze.angles.world_unreliable_kept", params), check)
    return AngleChoice("2d", Message("analyze.angles.world_unreliable", params), check)


_VIEW_MESSAGES = {
    "frontal": "view.frontal",
    "oblique": "view.oblique",
    "sagittal": "view.sagittal",
}


def primary_not_in_2d(
    exercise: ExerciseDef, side: str | None, view: str | None
) -> Message | None:
    """Why 2D angles cannot count this exercise from ``view``, or None when they can.

    Parameters
    ----------
    exercise, side
        The exercise and its working side (``--side``).
    view
        The recording's dominant camera view (:func:`~rehab.vision.view.dominant_view`).

    Returns
    -------
    Message or None
        ``analyze.angles.primary_not_in_view`` naming the angle and the view; None when
        every primary angle is in :data:`~rehab.vision.angles.USABLE_2D_ANGLES` of the view.
    """
    usable = USABLE_2D_ANGLES.get(view, frozenset()) if view is not None else frozenset()
    if all(name in usable for name in exercise.primary_angle_names(side)):
        return None
    angle = Message("angle." + exercise.primary_angle.replace("_{side}", ""))
    shown_view = Message(_VIEW_MESSAGES[view]) if view is not None else Message("view.unknown")
    return Message("analyze.angles.primary_not_in_view", {"angle": angle, "view": shown_view})


@dataclass(frozen=True)
class ScoredVideo:
    """A posed video's joint angles, its reps, and where the angles came from.

    ``warning`` is set when 2D angles were used (``--2d``) but cannot measure the
    exercise's primary angle from the recording's view (no rep can be counted).
    """

    angles: AngleSeries
    result: AnalysisResult
    choice: AngleChoice
    warning: Message | None = None


def score_posed(
    posed: PosedVideo,
    exercise: ExerciseDef,
    side: str | None,
    language: str,
    angle_source: str = "auto",
) -> ScoredVideo:
    """Count and score a posed video's reps from 3D or 2D angles (:func:`choose_angle_source`).

    3D: as :func:`score_skeleton`. 2D: the image landmarks are low-passed like the world
    ones, each frame is read in its estimated view (the world skeleton's body yaw, the
    facing side from the feet, :func:`~rehab.vision.view.camera_views_2d`), and the
    compensation rules whose angles that view's 2D angles lack are not assessable. The
    default keeps 3D when 2D cannot measure the primary angle from the recording's view.

    Returns
    -------
    ScoredVideo
        The angles, the reps and the choice.
    """
    skeleton = posed.skeleton
    smoothed = smooth_skeleton(skeleton)
    views = _seen_views(smoothed)
    unseen = primary_not_in_2d(exercise, side, dominant_view(views))
    choice = choose_angle_source(skeleton, angle_source, unseen)
    warning = unseen if choice.source == "2d" else None
    if choice.source == "3d":
        angles, result = score_skeleton(skeleton, exercise, side, language)
        return ScoredVideo(angles, result, choice, warning)
    image = _smooth_image(posed.image_xy_px, skeleton.t_s)
    views_2d = camera_views_2d(views, image, skeleton.visibility)
    angles = compute_angles_2d_by_frame(image, skeleton.visibility, skeleton.t_s, views_2d)
    result = analyze_angles(angles, exercise, side, language, views=views,
                            measurable=USABLE_2D_ANGLES)
    return ScoredVideo(angles, result, choice, warning)


def _seen_views(skeleton: SkeletonSeries) -> tuple[str | None, ...]:
    """The camera view per frame, None where the patient was not seen.

    :func:`~rehab.vision.view.classify_views` holds the last view through unknown frames
    (right for a live stream); offline, a frame without the patient shows no view, so it
    does not count toward the recording's dominant view.
    """
    views = classify_views(body_yaw_deg(skeleton))
    return tuple(None if gone else v for v, gone in zip(views, skeleton.missing, strict=True))


def _smooth_image(image_xy_px: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Zero-phase low-pass of image landmarks, as :func:`smooth_skeleton` does the world's."""
    if len(t_s) < 2:
        return image_xy_px
    fs_hz = 1.0 / float(np.median(np.diff(t_s)))
    return butterworth_zero_phase(image_xy_px, fs_hz, offline_cutoff_hz(_IMAGE_CUTOFF_HZ, fs_hz))


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
@click.option(
    "--3d",
    "force_3d",
    is_flag=True,
    help="Joint angles from the world (3D) landmarks, even when they look unreliable.",
)
@click.option(
    "--2d",
    "force_2d",
    is_flag=True,
    help="Joint angles from the image (2D) landmarks, in the body plane facing the camera "
    "(the estimated view); compensations needing other angles are not assessable. "
    "Default: 2D only when the world landmarks are unreliable (rigid body segments "
    "change length by more than 15%, or depth jitters more than 2.5 cm).",
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
    force_3d: bool,
    force_2d: bool,
    no_progress: bool,
) -> None:
    """Count and score the reps of EXERCISE in recorded VIDEOS (files or folders).

    Prints one line per rep (times, range of motion, peak speed, smoothness, form score
    and what cost points) and a summary per video, with one progress bar over all of
    them; with --out (one video), writes the reps with the joint-angle time series as
    JSON. Says whether the angles came from the world (3D) or image (2D) landmarks, and
    why.
    """
    if force_3d and force_2d:
        raise click.UsageError("--2d and --3d exclude each other: give one, or neither to "
                               "let the world landmarks' check choose")
    angle_source = "3d" if force_3d else "2d" if force_2d else "auto"
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
        _report(video, pv, exercise, side, language, every, out, angle_source)


def _report(
    video: Path,
    posed: PosedVideo,
    exercise: ExerciseDef,
    side: str | None,
    language: str,
    every: int,
    out: Path | None,
    angle_source: str = "auto",
) -> None:
    """Score one posed video, print its table and summary, write its JSON if asked."""
    scored = score_posed(posed, exercise, side, language, angle_source)
    angles, result, choice = scored.angles, scored.result, scored.choice
    note = choice.note.text(language)
    click.echo(format_rep_table(result, language))
    seen_pct = 100.0 * posed.frames_with_patient / posed.frames_read
    click.echo(
        f"{result.count} reps of {exercise.id} ({exercise.names.get(language)}); "
        f"patient seen in {posed.frames_with_patient}/{posed.frames_read} frames "
        f"({seen_pct:.0f}%)"
    )
    click.echo(Message("analyze.angles.line", {"source": choice.source, "note": note})
               .text(language))
    warning = scored.warning.text(language) if scored.warning is not None else None
    if warning is not None:
        click.echo(warning)
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
            angles_source=choice.source,
            angles_note=note,
            angles_warning=warning,
            world_segment_cv=_rounded(choice.world.median_cv),
            world_depth_jitter_m=_rounded(choice.world.depth_jitter_m, 4),
        )
        try:
            out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            raise RehabError(f"cannot write {out}: {exc}") from exc
        click.echo(f"wrote {out}")


def _rounded(value: float, digits: int = 3) -> float | None:
    """A figure for strict JSON, rounded; None when not finite."""
    if not np.isfinite(value):
        return None
    return round(float(value), digits)


@click.group(name="exercises")
def exercises() -> None:
    """The exercise library."""


@exercises.command(name="list")
def list_exercises() -> None:
    """List the exercises: one id per line, then its English and Korean names."""
    for exercise_id, ex in load_library().items():
        click.echo(f"{exercise_id}\t{ex.names.en}\t{ex.names.ko}")
