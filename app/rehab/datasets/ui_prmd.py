"""Loader of UI-PRMD's Kinect v2 recordings onto the canonical skeleton.

UI-PRMD (Vakanski et al., Data 3(1):2, 2018) stores each repetition as two gzipped CSV
files of 66 columns (22 joints x 3): ``positions`` and ``angles``. Only joint 0 (waist) is
an absolute position; every other joint is an offset in its parent's local frame, so
absolute positions are rebuilt down the kinematic tree (:func:`rebuild_absolute`):

* a joint's own rotation is ``R = Rz(a3) @ Rx(a1) @ Ry(a2)`` for its row triple
  ``(a1, a2, a3)`` in degrees (:func:`euler_zxy_to_matrix`), the usual BVH channel order
  "Zrotation Xrotation Yrotation". The data set's documentation says
  ``Rz(a3) @ Ry(a2) @ Rx(a1)``, which reads the arms about as well but not the legs. The
  file itself tells the order: over all 1400 repetitions ``a1`` stays within +-90 deg at
  every joint while ``a2`` and ``a3`` span +-180 deg, so ``a1`` is the middle angle of the
  sequence (x in the middle: Z-X-Y or Y-X-Z), and of those only Z-X-Y keeps the feet
  planted (ankles move a median 0.10 m during squats and sit-to-stand, against 0.16 m or
  more for the other 47 axis orders and angle sign patterns, 0.75 m for the documented
  one) and puts the seated knee in front of the hip at hip height (see
  ``tests/vision/test_ui_prmd.py`` and ``benchmarks/RESULTS.md``);
* its world rotation is its parent's world rotation times its own ``R`` (the full chain,
  also for the arms: we checked both this and the "chest rotation only" start for the
  arms that some published loaders use; both attach the arms at the shoulders, the full
  chain keeps the shoulder line closer to perpendicular to the spine, see the tests);
* its absolute position is the parent's position plus the parent's world rotation
  applied to its offset (the offsets lie along the bone in a rest pose: legs straight
  down ``-y``, arms along ``+-x``, toes along ``+z``).

Units are centimetres in the files; the result is in metres. The rebuilt frame has ``y``
up, the subject facing ``+z`` (toward the sensor) with their left toward ``+x``: the
canonical frame already (checked in the tests: toes point along the body's forward axis,
labelled left joints lie on the subject's left).
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehab.errors import DataFileError, NotFoundError
from rehab.vision.skeleton import KinectLayout, SkeletonSeries, from_kinect_v2

__all__ = [
    "UI_PRMD_PARENT",
    "UI_PRMD_RATE_HZ",
    "UiPrmdEpisode",
    "euler_zxy_to_matrix",
    "find_episodes",
    "load_episode",
    "read_ui_prmd_table",
    "rebuild_absolute",
]

UI_PRMD_RATE_HZ = 30.0
#: Parent of each of the 22 joints (joint 0, the waist, is the root).
UI_PRMD_PARENT: tuple[int, ...] = (
    -1, 0, 1, 2, 3, 4, 2, 6, 7, 8, 2, 10, 11, 12, 0, 14, 15, 16, 0, 18, 19, 20,
)  # fmt: skip

_NAME = re.compile(r"m(\d\d)_s(\d\d)_e(\d\d)_(positions|angles)(_inc)?\.txt(\.gz)?$")


@dataclass(frozen=True)
class UiPrmdEpisode:
    """One UI-PRMD repetition file pair.

    Parameters
    ----------
    movement, subject, episode
        Numbers from the file name (``m07_s01_e03``).
    correct
        False for the deliberately non-optimal ("incorrect", ``_inc``) repetitions.
    positions_path, angles_path
        The two files.
    """

    movement: int
    subject: int
    episode: int
    correct: bool
    positions_path: Path
    angles_path: Path


def read_ui_prmd_table(path: Path) -> np.ndarray:
    """Read one positions or angles file as ``(N, 22, 3)`` floats.

    Raises
    ------
    DataFileError
        The file is missing, unreadable, or not 66 numeric columns.
    """
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as fh:
            rows = [line.rstrip().rstrip(",") for line in fh if line.strip()]
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read ({exc})") from exc
    try:
        table = np.array([[float(v) for v in row.split(",")] for row in rows], dtype=float)
    except ValueError as exc:
        raise DataFileError(f"{path}: not numeric CSV ({exc})") from exc
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] != 66:
        raise DataFileError(f"{path}: expected rows of 66 columns, got shape {table.shape}")
    return table.reshape(-1, 22, 3)


def euler_zxy_to_matrix(angles_deg: np.ndarray) -> np.ndarray:
    """Rotation matrices ``Rz(a3) @ Rx(a1) @ Ry(a2)`` for ``(..., 3)`` angles in degrees.

    ``(a1, a2, a3)`` are the angles about x, y and z, as in the UI-PRMD angle files.

    Examples
    --------
    >>> np.round(euler_zxy_to_matrix(np.array([0.0, 0.0, 90.0])) @ [1, 0, 0], 6)
    array([0., 1., 0.])
    >>> np.round(euler_zxy_to_matrix(np.array([90.0, 90.0, 0.0])) @ [0, 0, 1], 6) + 0.0
    array([1., 0., 0.])
    """
    a = np.radians(np.asarray(angles_deg, dtype=float))
    c, s = np.cos(a), np.sin(a)
    c1, c2, c3 = c[..., 0], c[..., 1], c[..., 2]
    s1, s2, s3 = s[..., 0], s[..., 1], s[..., 2]
    r = np.empty((*a.shape[:-1], 3, 3))
    r[..., 0, 0] = c3 * c2 - s3 * s1 * s2
    r[..., 0, 1] = -s3 * c1
    r[..., 0, 2] = c3 * s2 + s3 * s1 * c2
    r[..., 1, 0] = s3 * c2 + c3 * s1 * s2
    r[..., 1, 1] = c3 * c1
    r[..., 1, 2] = s3 * s2 - c3 * s1 * c2
    r[..., 2, 0] = -c1 * s2
    r[..., 2, 1] = s1
    r[..., 2, 2] = c1 * c2
    return r


def rebuild_absolute(offsets: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Absolute joint positions from UI-PRMD's relative positions and Euler angles.

    Parameters
    ----------
    offsets
        ``(N, 22, 3)``: joint 0 absolute, the others offsets in the parent's frame.
    angles_deg
        ``(N, 22, 3)`` Euler angles ``(a1, a2, a3)`` in degrees, composed as
        :func:`euler_zxy_to_matrix`.

    Returns
    -------
    numpy.ndarray
        ``(N, 22, 3)`` absolute positions, same unit as ``offsets``.
    """
    own = euler_zxy_to_matrix(angles_deg)
    world_rot = np.empty_like(own)
    pos = np.empty_like(offsets, dtype=float)
    world_rot[:, 0], pos[:, 0] = own[:, 0], offsets[:, 0]
    for j in range(1, len(UI_PRMD_PARENT)):
        p = UI_PRMD_PARENT[j]
        pos[:, j] = pos[:, p] + np.einsum("nij,nj->ni", world_rot[:, p], offsets[:, j])
        world_rot[:, j] = world_rot[:, p] @ own[:, j]
    return pos


def find_episodes(
    root: Path, movement: int, *, correct: bool = True, subject: int | None = None
) -> list[UiPrmdEpisode]:
    """List the episodes of one movement under ``root`` (the ``kinect`` folder's parent).

    Raises
    ------
    NotFoundError
        ``root`` has no UI-PRMD Kinect folder.
    """
    kind = "correct" if correct else "incorrect"
    folder = Path(root) / "kinect" / kind
    if not (folder / "positions").is_dir():
        raise NotFoundError(f"no UI-PRMD Kinect data under {folder}")
    episodes = []
    for pos_path in sorted((folder / "positions").glob(f"m{movement:02d}_s*_positions*.txt*")):
        m = _NAME.search(pos_path.name)
        if m is None:
            continue
        mov, subj, ep = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if subject is not None and subj != subject:
            continue
        ang_name = pos_path.name.replace("_positions", "_angles")
        episodes.append(
            UiPrmdEpisode(mov, subj, ep, correct, pos_path, folder / "angles" / ang_name)
        )
    return episodes


def load_episode(episode: UiPrmdEpisode, *, t0_s: float = 0.0) -> SkeletonSeries:
    """Load one repetition onto the canonical skeleton (metres, 30 Hz from ``t0_s``).

    Raises
    ------
    DataFileError
        A file is missing or malformed, or the two files disagree in length.
    """
    offsets = read_ui_prmd_table(episode.positions_path)
    angles = read_ui_prmd_table(episode.angles_path)
    if offsets.shape != angles.shape:
        raise DataFileError(
            f"{episode.positions_path}: {offsets.shape[0]} frames but "
            f"{episode.angles_path.name} has {angles.shape[0]}"
        )
    xyz_m = rebuild_absolute(offsets, angles) / 100.0
    t_s = t0_s + np.arange(len(xyz_m)) / UI_PRMD_RATE_HZ
    return from_kinect_v2(xyz_m, t_s, layout=KinectLayout.UI_PRMD_22, source="ui_prmd")
