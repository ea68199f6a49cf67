"""Which way the camera sees the patient: frontal, oblique or sagittal.

A compensation is only measurable in the plane the camera sees well: a knee falling
inward (valgus) is a frontal-plane movement and cannot be judged from the side, a trunk
bending forward is a sagittal-plane one and is poorly seen from the front by a single
camera (its depth). The view is read from the skeleton itself: the angle between the
body's left-right axis (the shoulder line plus the hip line, or the shoulder line alone
where a hip is unseen) and the image plane, in the canonical frame (``x`` image right,
``z`` toward the camera, ``y`` up). 0 deg: the patient faces (or turns their back to)
the camera; 90 deg: the camera sees them side-on.

Per frame the yaw is classified with hysteresis, so a view that hovers at a boundary does
not flicker: ``frontal`` below :data:`FRONTAL_MAX_DEG`, ``sagittal`` above
:data:`SAGITTAL_MIN_DEG`, ``oblique`` between, and a frame leaves its current view only
once the yaw is :data:`HYSTERESIS_DEG` past the boundary. A session's (or a rep's) view is
the most frequent view of its frames.

Examples
--------
>>> classify_views(np.array([5.0, 33.0, 36.0, 80.0, 57.0, np.nan]))
('frontal', 'frontal', 'oblique', 'sagittal', 'sagittal', 'sagittal')
>>> dominant_view(['frontal', None, 'sagittal', 'sagittal'])
'sagittal'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np

from rehab.vision.skeleton import Joint, SkeletonSeries

__all__ = [
    "FRONTAL_MAX_DEG",
    "HYSTERESIS_DEG",
    "SAGITTAL_MIN_DEG",
    "VIEWS",
    "ViewTracker",
    "body_yaw_deg",
    "camera_views_2d",
    "classify_views",
    "dominant_view",
    "facing_image_x",
]

VIEWS: tuple[str, ...] = ("frontal", "oblique", "sagittal")
"""The camera views, from facing the camera to side-on."""

FRONTAL_MAX_DEG = 30.0
"""Body yaw (deg) below which the camera sees the frontal plane."""

SAGITTAL_MIN_DEG = 60.0
"""Body yaw (deg) above which the camera sees the sagittal plane."""

HYSTERESIS_DEG = 5.0
"""How far past a boundary the yaw must go before the view changes (deg)."""


def body_yaw_deg(series: SkeletonSeries) -> np.ndarray:
    """Angle between the body's left-right axis and the image plane, per frame.

    Parameters
    ----------
    series
        The canonical skeleton (camera frame: ``z`` toward the camera).

    Returns
    -------
    numpy.ndarray
        ``(N,)`` degrees in 0..90; NaN where the shoulders are not seen.

    Examples
    --------
    >>> from rehab.datasets.synthetic import standing_pose
    >>> p = standing_pose()[None]
    >>> s = SkeletonSeries(np.zeros(1), p, np.ones((1, 18)), "test")
    >>> round(float(body_yaw_deg(s)[0]))
    0
    """
    p = np.asarray(series.xyz_m, dtype=float)
    vis = np.nan_to_num(np.asarray(series.visibility, dtype=float), nan=0.0)
    shoulders = p[:, Joint.L_SHOULDER] - p[:, Joint.R_SHOULDER]
    hips = p[:, Joint.L_HIP] - p[:, Joint.R_HIP]
    hips_seen = (vis[:, Joint.L_HIP] > 0.0) & (vis[:, Joint.R_HIP] > 0.0)
    lateral = np.where(hips_seen[:, None] & np.isfinite(hips), shoulders + hips, shoulders)
    shoulders_seen = (vis[:, Joint.L_SHOULDER] > 0.0) & (vis[:, Joint.R_SHOULDER] > 0.0)
    with np.errstate(invalid="ignore"):
        yaw = np.degrees(np.arctan2(np.abs(lateral[:, 2]), np.abs(lateral[:, 0])))
    return np.where(shoulders_seen, yaw, np.nan)


def _raw_view(yaw_deg: float) -> str:
    if yaw_deg < FRONTAL_MAX_DEG:
        return "frontal"
    if yaw_deg > SAGITTAL_MIN_DEG:
        return "sagittal"
    return "oblique"


class ViewTracker:
    """The camera view frame by frame, with hysteresis (streaming use).

    Examples
    --------
    >>> tr = ViewTracker()
    >>> [tr.update(y) for y in (10.0, 32.0, 36.0, 27.0, 24.0)]
    ['frontal', 'frontal', 'oblique', 'oblique', 'frontal']
    """

    def __init__(self) -> None:
        self.view: str | None = None

    def update(self, yaw_deg: float) -> str | None:
        """Take one frame's body yaw (deg, NaN when unknown) and return the view now.

        Parameters
        ----------
        yaw_deg
            The frame's body yaw from :func:`body_yaw_deg`.

        Returns
        -------
        str or None
            ``frontal``, ``oblique`` or ``sagittal``; None until a yaw was known (an
            unknown frame keeps the last view).
        """
        if not math.isfinite(yaw_deg):
            return self.view
        raw = _raw_view(yaw_deg)
        if self.view is None or raw == self.view:
            self.view = raw
            return self.view
        # Leave the current view only once clearly past its boundary.
        h = HYSTERESIS_DEG
        if self.view == "frontal":
            stay = yaw_deg < FRONTAL_MAX_DEG + h
        elif self.view == "sagittal":
            stay = yaw_deg > SAGITTAL_MIN_DEG - h
        else:
            stay = FRONTAL_MAX_DEG - h <= yaw_deg <= SAGITTAL_MIN_DEG + h
        if not stay:
            self.view = raw
        return self.view


def classify_views(yaw_deg: np.ndarray) -> tuple[str | None, ...]:
    """The view of every frame of a yaw series (see :class:`ViewTracker`).

    Parameters
    ----------
    yaw_deg
        ``(N,)`` body yaw in degrees, NaN where unknown.

    Returns
    -------
    tuple[str | None, ...]
        One view per frame; None before the first known yaw.
    """
    tracker = ViewTracker()
    return tuple(tracker.update(float(y)) for y in np.asarray(yaw_deg, dtype=float))


def dominant_view(views: Iterable[str | None]) -> str | None:
    """The most frequent known view (ties go to the more frontal), or None if none is known.

    Parameters
    ----------
    views
        Per-frame views.

    Returns
    -------
    str or None
        The dominant view.
    """
    counts = Counter(v for v in views if v is not None)
    if not counts:
        return None
    return max(VIEWS, key=lambda v: (counts[v], -VIEWS.index(v)))


def facing_image_x(image_xy: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Which way the patient faces in the image, per frame, from the feet.

    The feet point forward (toe ahead of ankle) whatever the knees and arms do, so in a
    side view the toe-minus-ankle ``x`` of the seen feet says where the patient faces,
    from the image alone (the world skeleton's depth is what may be unreliable).

    Parameters
    ----------
    image_xy
        ``(N, 18, 2)`` canonical joints in image pixels (``x`` to the image's right).
    visibility
        ``(N, 18)`` in 0..1; a foot counts where its ankle and toe are both above 0.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` +1 facing the image's right, -1 its left, 0 unknown (no foot seen, or
        the toes within 1 px of the ankles in ``x``: feet pointing at or away from the
        camera).

    Examples
    --------
    >>> xy = np.zeros((1, 18, 2)); xy[0, Joint.L_FOOT] = (12.0, 0.0)
    >>> facing_image_x(xy, np.ones((1, 18))).tolist()
    [1.0]
    """
    xy = np.asarray(image_xy, dtype=float)
    vis = np.nan_to_num(np.asarray(visibility, dtype=float), nan=0.0)
    dx = np.zeros(xy.shape[0])
    for ankle, toe in ((Joint.L_ANKLE, Joint.L_FOOT), (Joint.R_ANKLE, Joint.R_FOOT)):
        seen = (vis[:, ankle] > 0.0) & (vis[:, toe] > 0.0)
        step = xy[:, toe, 0] - xy[:, ankle, 0]
        dx += np.where(seen & np.isfinite(step), step, 0.0)
    return np.where(np.abs(dx) >= 1.0, np.sign(dx), 0.0)


def camera_views_2d(
    views: tuple[str | None, ...] | list[str | None],
    image_xy: np.ndarray,
    visibility: np.ndarray,
) -> tuple[str | None, ...]:
    """The view of each frame as the 2D angles need it (which side faces the camera).

    ``frontal`` and ``oblique`` stay as they are; a ``sagittal`` frame becomes
    ``sagittal_left`` when the patient faces the image's left (the camera then sees their
    left side) and ``sagittal_right`` when they face its right. The facing is decided
    once per run of consecutive sagittal frames, by the majority of its frames'
    :func:`facing_image_x` (a patient does not turn round without passing through the
    other views; single frames misread by a lifted heel or a hidden toe do not flip it),
    else by the recording's majority; with no foot seen at all it is None.

    Parameters
    ----------
    views
        Per-frame views (:func:`classify_views`).
    image_xy
        ``(N, 18, 2)`` canonical joints in image pixels.
    visibility
        ``(N, 18)`` in 0..1.

    Returns
    -------
    tuple[str | None, ...]
        One of ``frontal``, ``oblique``, ``sagittal_left``, ``sagittal_right`` or None per
        frame.

    Examples
    --------
    >>> xy = np.zeros((3, 18, 2)); xy[:, Joint.L_FOOT] = [(-9.0, 0), (-9.0, 0), (9.0, 0)]
    >>> camera_views_2d(["frontal", "sagittal", "sagittal"], xy, np.ones((3, 18)))
    ('frontal', 'sagittal_left', 'sagittal_left')
    """
    facing = facing_image_x(image_xy, visibility)
    overall = float(np.sign(facing.sum()))
    out: list[str | None] = list(views)
    sagittal = np.array([v == "sagittal" for v in views], dtype=bool)
    edges = np.flatnonzero(np.diff(np.r_[0, sagittal.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        side = float(np.sign(facing[start:stop].sum())) or overall
        name = None if side == 0.0 else "sagittal_left" if side < 0.0 else "sagittal_right"
        out[start:stop] = [name] * (stop - start)
    return tuple(out)
