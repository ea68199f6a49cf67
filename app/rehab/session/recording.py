"""What a session records, and how one frame's pose becomes angles (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rehab.exercises.analysis import RepEvent
from rehab.store import Deduction, NewRep
from rehab.vision.angles import compute_angles
from rehab.vision.pose import PoseFrame
from rehab.vision.skeleton import from_blazepose

POSE_COLUMNS = tuple(f"lm{j}.{axis}" for j in range(33) for axis in ("x_m", "y_m", "z_m", "vis"))
"""The pose stream: BlazePose world landmarks (m) and visibility, 33 x 4 per frame."""


def robot_columns(joint_names: Sequence[str]) -> tuple[str, ...]:
    """The robot stream's columns: position, velocity and effort per joint."""
    return tuple(f"{name}.{quantity}" for name in joint_names
                 for quantity in ("position_rad", "velocity_rad_s", "effort_nm"))


@dataclass(frozen=True)
class FrameAngles:
    """The angles of one frame: degrees and 0-1 confidences, NaN / 0 where unknown."""

    deg: dict[str, float]
    confidence: dict[str, float]


def frame_angles(pose: PoseFrame, names: Sequence[str], t_s: float) -> FrameAngles:
    """Joint angles of one pose, for the names the analysis needs."""
    if pose.missing:
        return FrameAngles(dict.fromkeys(names, math.nan), dict.fromkeys(names, 0.0))
    skeleton = from_blazepose(pose.world_xyz_m[None], pose.visibility[None], np.array([t_s]))
    angles = compute_angles(skeleton)
    deg = {n: float(angles.deg[n][0]) if n in angles.deg else math.nan for n in names}
    conf = {n: float(angles.confidence[n][0]) if n in angles.confidence else 0.0
            for n in names}
    return FrameAngles(deg, conf)


def pose_row(pose: PoseFrame) -> np.ndarray:
    """One row of the pose stream (NaN landmarks when no person)."""
    return np.concatenate([pose.world_xyz_m, pose.visibility[:, None]], axis=1).reshape(-1)


def stored_rep(event: RepEvent, rep_index: int, language: str,
               assistance: float | None, model_probability: float | None = None,
               model_reference: bool | None = None) -> NewRep:
    """The store's record of a counted rep, deductions explained in ``language``.

    ``model_probability`` is the learned model's probability of correct form
    (:func:`rehab.quality.live.rep_probability`, injected by the launcher), kept beside
    the rule score it never replaces; ``model_reference`` says whether it compared the rep
    with the patient's reference reps.

    A rep too sparsely sampled to measure is stored ``uncertain``, with its frame
    coverage and largest gap, so the set totals and trends leave its ROM and score out.
    """
    rep, metrics = event.rep, event.rep.metrics
    assert rep.score is not None, "only counted reps are stored"
    deductions = tuple(Deduction(d.id, round(float(d.points), 2), d.reason.get(language))
                       for d in rep.score.deductions)
    sampling = rep.sampling
    return NewRep(
        rep_index=rep_index, t_start_s=metrics.start_t_s, t_peak_s=metrics.peak_t_s,
        t_end_s=metrics.end_t_s, rom_deg=float(metrics.rom_deg),
        peak_velocity_deg_s=float(metrics.peak_velocity_deg_s),
        form_score=float(rep.score.score), deductions=deductions, flags=rep.score.flags,
        assistance=assistance, uncertain=rep.uncertain,
        frame_coverage=None if sampling is None else round(sampling.frame_coverage, 3),
        max_gap_s=None if sampling is None else round(sampling.max_gap_s, 3),
        model_probability=model_probability, side=rep.side, model_reference=model_reference)
