"""The rep segmenter on synthetic angle signals with known reps."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehab.exercises.library import Direction, RepThresholds
from rehab.exercises.segmentation import (
    PartialReason,
    RepSegmenter,
    SegmenterState,
    segment_reps,
)
from tests.exercises.signals import RepSpec, rep_signal
from tests.exercises.ui_prmd_sets import concatenated_set, needs_ui_prmd

ARM = RepThresholds(
    direction=Direction.INCREASE,
    start_deg=20,
    end_deg=12,
    min_rom_deg=40,
    min_duration_s=0.8,
    max_duration_s=20,
)


def _run(t: np.ndarray, a: np.ndarray, conf: np.ndarray | None = None, th=ARM):
    return segment_reps(t, a, np.ones_like(t) if conf is None else conf, th)


@pytest.mark.parametrize(
    ("n", "amplitude_deg", "up_s", "rest_s", "noise_deg", "fs_hz"),
    [
        (5, 140, 1.5, 1.0, 0.0, 30),
        (8, 90, 1.0, 0.5, 1.0, 30),
        (3, 60, 2.5, 2.0, 2.0, 30),
        (6, 120, 0.8, 0.0, 1.5, 30),  # back to back, no rest between reps
        (4, 100, 1.2, 0.8, 1.0, 15),  # a slow camera
        (4, 100, 1.2, 0.8, 1.0, 60),
    ],
)
def test_counts_known_reps_and_measures_them(
    n: int, amplitude_deg: float, up_s: float, rest_s: float, noise_deg: float, fs_hz: float
) -> None:
    spec = RepSpec(amplitude_deg, up_s=up_s, hold_s=0.3, down_s=up_s, rest_s=rest_s)
    t, a, truth = rep_signal([spec] * n, fs_hz=fs_hz)
    a = a + np.random.default_rng(n).normal(0.0, noise_deg, a.size)
    reps = _run(t, a)
    counted = [r for r in reps if r.counted]
    assert len(counted) == n
    assert not [r for r in reps if not r.counted]
    for rep, (start, mid, end) in zip(counted, truth, strict=True):
        # Filtered ROM: within 3 deg plus the noise's effect on the extremes.
        assert rep.rom_deg == pytest.approx(amplitude_deg, abs=3 + 3 * noise_deg)
        assert rep.peak_t_s == pytest.approx(mid, abs=0.3 + 0.15 * noise_deg)
        # Onset and offset are where the angle is within 10 % of the range of rest.
        assert start - 0.05 - 0.2 * noise_deg <= rep.start_t_s <= start + 0.35 * up_s
        assert end - 0.35 * up_s <= rep.end_t_s <= end + 0.05 + 0.2 * noise_deg
        # Minimum-jerk peak speed is 1.875 * amplitude / movement time. Differentiating
        # amplifies jitter: with 2 deg per-frame noise the peak speed is noise-dominated
        # for slow reps, so it is checked up to 1 deg (20 deg/s of slack per deg of noise).
        expected_v = 1.875 * amplitude_deg / up_s
        if noise_deg <= 1.0:
            slack = 0.15 * expected_v + 20 * noise_deg
            assert rep.peak_velocity_deg_s == pytest.approx(expected_v, abs=slack)
        assert rep.speed_peaks >= 2


def test_partial_reps_are_reported_not_counted() -> None:
    full, half = RepSpec(120), RepSpec(30)  # 30 deg: above start (20), below min ROM (40)
    t, a, _ = rep_signal([full, half, full, half])
    reps = _run(t, a)
    assert [r.counted for r in reps] == [True, False, True, False]
    assert [r.partial_reason for r in reps if not r.counted] == [PartialReason.ROM_BELOW_MIN] * 2
    assert reps[1].rom_deg == pytest.approx(30, abs=2)


def test_a_jerk_too_short_is_partial() -> None:
    t, a, _ = rep_signal([RepSpec(90), RepSpec(60, up_s=0.2, hold_s=0.0, down_s=0.2), RepSpec(90)])
    reps = _run(t, a)
    assert [r.counted for r in reps] == [True, False, True]
    assert reps[1].partial_reason is PartialReason.TOO_SHORT


def test_noise_alone_makes_no_rep() -> None:
    t = np.arange(0, 60, 1 / 30)
    a = 15 + np.random.default_rng(1).normal(0, 3, t.size)
    assert _run(t, a) == []


def test_incomplete_return_still_separates_reps() -> None:
    # The patient lowers only three quarters of the way between reps.
    reps = _run(*rep_signal([RepSpec(120, return_fraction=0.75, rest_s=0.2)] * 4)[:2])
    assert sum(r.counted for r in reps) == 4


def test_decreasing_direction_counts_sit_to_stand() -> None:
    th = RepThresholds(Direction.DECREASE, 20, 12, 40, 1.0, 20)
    t, a, _ = rep_signal([RepSpec(80, up_s=1.5, hold_s=0.8, down_s=2.0)] * 3)
    knee = 95 - (a - 10)  # 95 deg sitting, 15 deg standing
    reps = _run(t, knee, th=th)
    assert [r.counted for r in reps] == [True] * 3
    assert reps[0].start_deg == pytest.approx(95, abs=1)
    assert reps[0].peak_deg == pytest.approx(15, abs=1)
    assert reps[0].rom_deg == pytest.approx(80, abs=2)


def test_short_visibility_gap_is_bridged() -> None:
    t, a, truth = rep_signal([RepSpec(120, up_s=2.0)] * 3)
    conf = np.ones_like(t)
    _start, mid, _ = truth[1]
    gap = (t > mid - 0.2) & (t < mid + 0.15)  # 0.35 s < max_gap_s (0.5 s)
    conf[gap] = 0.1
    a = a.copy()
    a[gap] = np.where(np.arange(gap.sum()) % 2, np.nan, 500.0)  # garbage while not visible
    reps = _run(t, a, conf)
    assert [r.counted for r in reps] == [True] * 3
    assert reps[1].rom_deg < 125


def test_long_visibility_gap_aborts_the_rep_as_partial() -> None:
    t, a, truth = rep_signal([RepSpec(120, up_s=2.0)] * 3)
    conf = np.ones_like(t)
    start, _mid, _ = truth[1]
    conf[(t > start + 1.0) & (t < start + 2.5)] = 0.0  # 1.5 s lost mid-rep
    reps = _run(t, a, conf)
    assert [r.counted for r in reps] == [True, False, True]
    assert reps[1].partial_reason is PartialReason.TRACKING_LOST


def test_nan_angles_are_gaps_not_errors() -> None:
    t, a, _ = rep_signal([RepSpec(100)] * 2)
    a = a.copy()
    a[::7] = np.nan
    assert sum(r.counted for r in _run(t, a)) == 2


def test_held_too_long_is_partial_then_counting_resumes() -> None:
    th = RepThresholds(Direction.INCREASE, 20, 12, 40, 0.8, 6.0)
    t, a, _ = rep_signal([RepSpec(100, hold_s=9.0), RepSpec(100), RepSpec(100)])
    reps = _run(t, a, th=th)
    assert reps[0].partial_reason is PartialReason.TOO_LONG
    assert sum(r.counted for r in reps) == 2


def test_streaming_reports_each_rep_soon_after_it_ends() -> None:
    t, a, truth = rep_signal([RepSpec(120, rest_s=1.5)] * 4)
    seg = RepSegmenter(ARM)
    seen: list[tuple[float, float]] = []  # (time reported, rep end)
    states = set()
    for ti, ai in zip(t, a, strict=True):
        for rep in seg.push(float(ti), float(ai), 1.0):
            seen.append((float(ti), rep.end_t_s))
        states.add(seg.state)
    assert seg.count == 4 and len(seen) == 4
    assert states == set(SegmenterState)
    for (reported, _), (_, _, end) in zip(seen, truth, strict=True):
        # Reported once the angle has settled: within half a second of the true end.
        assert end - 0.3 <= reported <= end + 0.5


def test_smooth_rep_scores_better_sparc_than_a_jerky_one() -> None:
    t, a, _ = rep_signal([RepSpec(120, up_s=2.0, down_s=2.0)] * 2)
    jerky = a + 8 * np.sin(2 * np.pi * 2.5 * t) * (a > 20)
    smooth_rep, jerky_rep = _run(t, a)[0], _run(t, jerky)[0]
    assert smooth_rep.sparc > -3.5
    assert jerky_rep.sparc < smooth_rep.sparc - 1.0
    assert smooth_rep.speed_peaks == 2
    assert jerky_rep.speed_peaks > 4


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(50, 160),  # amplitude
            st.floats(0.8, 3.0),  # up (= down) time: the rep lasts at least min_duration_s
            st.floats(0.0, 2.0),  # hold
            st.floats(0.0, 2.5),  # rest
        ),
        min_size=1,
        max_size=6,
    ),
    st.floats(0.0, 1.5),
)
def test_count_matches_any_sequence_of_full_reps(reps, noise_deg) -> None:
    specs = [RepSpec(a, up_s=u, hold_s=h, down_s=u, rest_s=r) for a, u, h, r in reps]
    t, a, _ = rep_signal(specs)
    a = a + np.random.default_rng(len(reps)).normal(0, noise_deg, a.size)
    out = _run(t, a)
    assert sum(r.counted for r in out) == len(specs)
    assert all(r.counted for r in out)


def test_one_frame_glitches_neither_end_nor_start_a_rep() -> None:
    t, a, _ = rep_signal([RepSpec(120, up_s=1.5, hold_s=1.0)] * 3)
    glitched = a.copy()
    for i in range(15, len(t), 23):  # every 0.77 s one frame jumps by 90 deg either way
        glitched[i] += 90.0 if (i // 23) % 2 else -90.0
    reps = _run(t, glitched)
    assert [r.counted for r in reps] == [True] * 3
    clean = _run(t, a)
    for g, c in zip(reps, clean, strict=True):
        assert g.rom_deg == pytest.approx(c.rom_deg, abs=3)


@pytest.mark.parametrize("glitch_frames", [1, 4, 10])
def test_a_tracking_jump_mid_hold_is_a_gap_not_a_second_rep(glitch_frames: int) -> None:
    th = dataclasses.replace(ARM, max_speed_deg_s=1200.0)
    """A leg held at 90 deg that the tracker drops to the floor for up to a third of a
    second (60 deg in one frame, 1800 deg/s: faster than any rehabilitation movement) is
    one rep, as UI-PRMD's s07 straight leg raises show."""
    t = np.arange(0, 8, 1 / 30)
    a = 45 * (1 - np.cos(2 * np.pi * np.clip(t - 1, 0, 4) / 4))  # one 90 deg rep, 1-5 s
    mid = 3 * 30
    a[mid : mid + glitch_frames] = 0.0  # the tracker drops the limb
    reps = _run(t, a, th=th)
    assert [r.counted for r in reps] == [True]
    assert reps[0].rom_deg == pytest.approx(90, abs=2)


def test_a_jump_that_does_not_come_back_was_real() -> None:
    """An arm dropped fast (or an estimator catching up with it) stays where it went:
    after max_gap_s the held samples are used, and the rep ends there."""
    t = np.arange(0, 8, 1 / 30)
    a = 45 * (1 - np.cos(2 * np.pi * np.clip(t - 1, 0, 4) / 4))
    a[(3 * 30) :] = 0.0  # drops to the floor and stays there
    reps = _run(t, a, th=dataclasses.replace(ARM, max_speed_deg_s=1200.0))
    assert [r.counted for r in reps] == [True]
    assert reps[0].end_t_s == pytest.approx(3.0, abs=0.2)


# -- clip edges (see the module docstring of rehab.exercises.segmentation) ----------------


def _from(t: np.ndarray, a: np.ndarray, t0_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The signal as a recording that starts at ``t0_s``."""
    keep = t >= t0_s
    return t[keep], a[keep]


@pytest.mark.parametrize("fraction", [0.4, 0.5, 0.7])
def test_a_rep_cut_by_the_start_counts_when_it_turns_and_comes_back(fraction: float) -> None:
    """Cut at ``fraction`` of the way up (in time, 48-110 deg of a 10-130 deg rep): the first
    rep reaches its top inside the recording and comes back; its range is measured from the
    return's rest (10 deg), its start is the first sample (the first output of the 3-sample
    median: the recording's second frame)."""
    spec = RepSpec(120, up_s=1.5, hold_s=0.3, down_s=1.5, rest_s=1.0)
    t, a, truth = rep_signal([spec] * 3)
    start, _, _ = truth[0]
    tc, ac = _from(t, a, start + fraction * spec.up_s)
    reps = _run(tc, ac)
    assert [r.counted for r in reps] == [True] * 3
    first = reps[0]
    assert first.start_t_s == pytest.approx(tc[1], abs=0.01)
    assert first.start_deg == pytest.approx(ac[1], abs=3)
    assert first.rom_deg == pytest.approx(120, abs=3)
    assert first.peak_deg == pytest.approx(130, abs=2)
    # At 70 % the rise left (15 deg) is below start_deg (20 deg): the fall from the top
    # starts the rep.
    assert first.counted


def test_a_start_within_the_end_threshold_of_rest_is_an_ordinary_rep() -> None:
    """At 30 % of the way up (31 deg, 21 above rest) the first sample lies within the end
    threshold (max(12, 0.3 x 120) = 36 deg) of the rest the rep returns to: the rep is
    measured from its own start, as a rep that began at rest."""
    spec = RepSpec(120, up_s=1.5, hold_s=0.3, down_s=1.5, rest_s=1.0)
    t, a, truth = rep_signal([spec] * 3)
    tc, ac = _from(t, a, truth[0][0] + 0.3 * spec.up_s)
    reps = _run(tc, ac)
    assert [r.counted for r in reps] == [True] * 3
    assert reps[0].rom_deg == pytest.approx(130 - ac[1], abs=3)


@pytest.mark.parametrize("from_onset_s", [0.9 * 1.5, 1.5 + 0.1, 1.5 + 0.35, 1.5 + 0.8])
def test_a_recording_that_starts_on_the_way_back_has_no_rep_for_it(from_onset_s: float) -> None:
    """No turning point inside the recording (it begins 1 deg below the top, in the hold, or
    on the way down; a turning point needs a rise of max(2, end_deg / 2) = 6 deg): that
    movement is no rep, and is not reported."""
    spec = RepSpec(120, up_s=1.5, hold_s=0.3, down_s=1.5, rest_s=1.0)
    t, a, truth = rep_signal([spec] * 3)
    start, _, _ = truth[0]
    tc, ac = _from(t, a, start + from_onset_s)
    reps = _run(tc, ac)
    assert [r.counted for r in reps] == [True, True]
    assert reps[0].start_t_s > truth[1][0] - 0.2


def test_a_held_raised_start_then_lowering_is_no_rep() -> None:
    """The sit-to-stand case: the stream starts at the end of range, still, and returns."""
    th = RepThresholds(Direction.DECREASE, 20, 12, 40, 1.0, 20)
    _, a, _ = rep_signal([RepSpec(80, up_s=1.5, hold_s=0.8, down_s=2.0)] * 3)
    knee = 95 - (a - 10)  # seated 95, standing 15
    standing = np.arange(0, 1.5, 1 / 30)
    sit_down = 15 + 80 * (1 - np.cos(np.pi * np.arange(0, 2, 1 / 30) / 2)) / 2
    t_all = np.arange(standing.size + sit_down.size + knee.size) / 30
    angle = np.concatenate([np.full(standing.size, 15.0), sit_down, knee])
    reps = _run(t_all, angle, th=th)
    assert [r.counted for r in reps] == [True] * 3


def test_a_rep_cut_by_the_end_is_partial() -> None:
    t, a, truth = rep_signal([RepSpec(120)] * 3)
    _, mid, _ = truth[-1]
    keep = t <= mid
    reps = _run(t[keep], a[keep])
    assert [r.counted for r in reps] == [True, True, False]
    assert reps[-1].partial_reason is PartialReason.TRACKING_LOST


def test_a_rep_cut_at_both_ends_is_partial() -> None:
    """Started past the middle of the rise and ended before the return settled: no rest."""
    spec = RepSpec(120, up_s=1.5, hold_s=0.3, down_s=1.5, rest_s=0.0)
    t, a, truth = rep_signal([spec])
    start, _, end = truth[0]
    keep = (t >= start + 0.7 * spec.up_s) & (t <= end - 0.5)
    reps = _run(t[keep], a[keep])
    assert [r.partial_reason for r in reps] == [PartialReason.TRACKING_LOST]


def test_the_baseline_is_final_after_a_settled_rest() -> None:
    """Live: once the patient has rested, reps are measured from that rest as always, and a
    movement resumed mid-way after a long gap is not a rep cut by the start."""
    t, a, _ = rep_signal([RepSpec(90)], lead_s=3.0)  # 3 s at rest first: settled
    seg = RepSegmenter(ARM)
    reps = [r for ti, ai in zip(t, a, strict=True) for r in seg.push(float(ti), float(ai), 1.0)]
    assert seg.state is SegmenterState.REST
    assert [r.counted for r in reps + seg.flush()] == [True]
    assert reps[0].start_deg == pytest.approx(10, abs=0.5)
    assert reps[0].rom_deg == pytest.approx(90, abs=3)
    # A gap mid-rep: the second half after the loss is not a rep cut by the start.
    spec = RepSpec(120, up_s=2.0, hold_s=0.5, down_s=2.0)
    t, a, truth = rep_signal([spec] * 2)
    conf = np.ones_like(t)
    start, mid, _ = truth[0]
    conf[(t > start + 1.2) & (t < mid + 0.6)] = 0.0
    reps = _run(t, a, conf)
    assert [r.counted for r in reps] == [False, True]
    assert reps[0].partial_reason is PartialReason.TRACKING_LOST


def test_noise_at_a_raised_start_makes_no_rep() -> None:
    t = np.arange(0, 20, 1 / 30)
    a = 70 + np.random.default_rng(3).normal(0, 3, t.size)
    assert _run(t, a) == []


# -- clip edges on UI-PRMD (real Kinect recordings, trimmed) -----------------------------

_UI_PRMD_ARMS = [(7, "shoulder_abduction"), (10, "shoulder_scaption")]


def _ui_prmd_set(movement: int, subject: int, exercise_id: str):
    """The ten correct files of one set, concatenated; the worked side's primary angle."""
    from rehab.exercises.library import load_library
    from rehab.vision.angles import compute_angles

    from .test_ui_prmd import _side

    ex = load_library()[exercise_id]
    side = _side(movement, subject)
    angles = compute_angles(concatenated_set(movement, subject, correct=True))
    name = ex.primary_angle.format(side=side)
    return angles.t_s, angles.deg[name], angles.confidence[name], ex.rep


@needs_ui_prmd
@pytest.mark.parametrize("fraction", [0.4, 0.5, 0.6])
@pytest.mark.parametrize("subject", range(1, 8))
@pytest.mark.parametrize(("movement", "exercise_id"), _UI_PRMD_ARMS)
def test_ui_prmd_sets_cut_mid_first_rep_still_count_it(
    movement: int, exercise_id: str, subject: int, fraction: float
) -> None:
    """m07 abduction and m10 scaption, s01-s07: the set starts ``fraction`` of the way from
    the first rep's onset to its peak (in time), mid-raise. The first rep is cut by the
    start, reaches its top, comes back: all ten count, the first from the first sample,
    its range measured from the rest it returns to."""
    t, a, c, th = _ui_prmd_set(movement, subject, exercise_id)
    full = segment_reps(t, a, c, th)
    assert sum(r.counted for r in full) == 10
    first = full[0]
    keep = t >= first.start_t_s + fraction * (first.peak_t_s - first.start_t_s)
    cut = segment_reps(t[keep], a[keep], c[keep], th)
    assert [r.counted for r in cut] == [True] * 10, [r.partial_reason for r in cut]
    assert cut[0].start_t_s == pytest.approx(t[keep][1], abs=0.04)
    assert cut[0].peak_deg == pytest.approx(first.peak_deg, abs=3)
    # From the return's rest: the range of the uncut rep up to the difference between the
    # rest before it and the rest after it (s05's first file starts mid-raise at 46 deg).
    assert cut[0].rom_deg == pytest.approx(first.peak_deg - first.end_deg, abs=3)
    for whole, part in zip(full[1:], cut[1:], strict=True):
        assert part.rom_deg == pytest.approx(whole.rom_deg, abs=0.5)


@needs_ui_prmd
@pytest.mark.parametrize("subject", range(1, 8))
@pytest.mark.parametrize(("movement", "exercise_id"), _UI_PRMD_ARMS)
def test_ui_prmd_sets_cut_mid_last_rep_end_with_a_partial(
    movement: int, exercise_id: str, subject: int
) -> None:
    """The same sets ending at the last rep's peak: nine reps and a partial (no return)."""
    t, a, c, th = _ui_prmd_set(movement, subject, exercise_id)
    last = [r for r in segment_reps(t, a, c, th) if r.counted][-1]
    keep = t <= last.peak_t_s
    cut = segment_reps(t[keep], a[keep], c[keep], th)
    assert [r.counted for r in cut] == [True] * 9 + [False]
    assert cut[-1].partial_reason is PartialReason.TRACKING_LOST
