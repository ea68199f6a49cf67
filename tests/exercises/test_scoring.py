"""Explainable scoring: each deduction, its size, and the cue chosen."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehab.exercises.compensation import CompensationSeen
from rehab.exercises.library import LocalizedText, Tempo, load_library
from rehab.exercises.scoring import DeductionKind, partial_cue, score_rep
from rehab.exercises.segmentation import PartialReason, RepMetrics

EX = load_library()["shoulder_abduction"]  # target 150 deg, tempo 2 + 0.5 + 2 = 4.5 s

GOOD = RepMetrics(
    counted=True,
    partial_reason=None,
    start_t_s=0.0,
    peak_t_s=2.2,
    end_t_s=4.5,
    duration_s=4.5,
    start_deg=10.0,
    peak_deg=160.0,
    end_deg=10.0,
    rom_deg=150.0,
    peak_velocity_deg_s=140.0,
    sparc=-2.8,
    speed_peaks=2,
)


def _lean(points: float = 15.0) -> CompensationSeen:
    rule = {c.id: c for c in EX.compensations}["trunk_lean"]
    return CompensationSeen("trunk_lean", "trunk_lean_lateral", 22.0, 15.0, 0.8, points, rule.cue)


def test_a_good_rep_scores_100_with_praise() -> None:
    s = score_rep(GOOD, (), EX)
    assert s.score == 100 and s.deductions == () and s.flags == ()
    assert s.cue == EX.cues.good


@pytest.mark.parametrize(
    ("rom_deg", "points"),
    [(160, 0.0), (135, 0.0), (120, 8.0), (105, 16.0), (60, 40.0), (45, 40.0)],
)
def test_rom_deduction_grows_linearly_below_90_percent(rom_deg: float, points: float) -> None:
    s = score_rep(replace(GOOD, rom_deg=rom_deg), (), EX)
    got = sum(d.points for d in s.deductions if d.kind is DeductionKind.ROM)
    assert got == pytest.approx(points)
    if points:
        assert s.deductions[0].id == "rom_low"
        assert f"{rom_deg:.0f} deg" in s.deductions[0].reason.en


@pytest.mark.parametrize(
    ("duration_s", "flag", "points"),
    [
        (4.5, None, 0.0),
        (2.7, None, 0.0),  # 60 % of the prescription: the edge of the tolerance
        (2.025, "too_fast", 7.5),
        (1.35, "too_fast", 15.0),
        (0.5, "too_fast", 15.0),
        (6.3, None, 0.0),
        (9.45, "too_slow", 7.5),
        (20.0, "too_slow", 15.0),
    ],
)
def test_tempo_deduction(duration_s: float, flag: str | None, points: float) -> None:
    s = score_rep(replace(GOOD, duration_s=duration_s), (), EX)
    tempo = [d for d in s.deductions if d.kind is DeductionKind.TEMPO]
    assert sum(d.points for d in tempo) == pytest.approx(points)
    assert [d.id for d in tempo] == ([flag] if flag else [])


@pytest.mark.parametrize(
    ("sparc", "points"), [(-2.0, 0.0), (-3.5, 0.0), (-4.75, 7.5), (-9.0, 15.0)]
)
def test_smoothness_deduction(sparc: float, points: float) -> None:
    s = score_rep(replace(GOOD, sparc=sparc), (), EX)
    got = sum(d.points for d in s.deductions if d.kind is DeductionKind.SMOOTHNESS)
    assert got == pytest.approx(points)


def test_each_compensation_costs_its_penalty_and_explains_itself() -> None:
    s = score_rep(GOOD, (_lean(),), EX)
    assert s.score == 85
    (d,) = s.deductions
    assert (d.kind, d.id, d.points) == (DeductionKind.COMPENSATION, "trunk_lean", 15.0)
    assert "22 deg (limit 15 deg)" in d.reason.en and "22°" in d.reason.ko
    assert s.cue.en == "Keep your trunk upright; do not lean to the side."


def test_biggest_deduction_gives_the_cue_and_compensation_wins_ties() -> None:
    # ROM at 70 % costs 16 > 15 for the lean: the ROM cue comes first.
    s = score_rep(replace(GOOD, rom_deg=105), (_lean(),), EX)
    assert s.flags == ("rom_low", "trunk_lean") and s.cue == EX.cues.rom_low
    assert s.score == pytest.approx(100 - 16 - 15)
    # Tempo costs exactly 15 like the lean: the compensation's cue (safety) wins.
    s = score_rep(replace(GOOD, duration_s=1.0), (_lean(),), EX)
    assert s.flags[0] == "trunk_lean" and s.cue.ko == _lean().cue.ko


def test_score_never_goes_below_zero() -> None:
    bad = replace(GOOD, rom_deg=40, duration_s=0.5, sparc=-10)
    s = score_rep(bad, (_lean(40), replace(_lean(40), rule_id="shoulder_hike")), EX)
    assert s.score == 0
    assert len(s.deductions) == 5


def test_prescription_overrides_target_and_tempo() -> None:
    rep = replace(GOOD, rom_deg=90, duration_s=2.0)
    assert score_rep(rep, (), EX).score < 80
    prescribed = score_rep(rep, (), EX, target_rom_deg=90, tempo=Tempo(1.0, 0.0, 1.0))
    assert prescribed.score == 100


def test_cues_in_both_languages() -> None:
    s = score_rep(replace(GOOD, rom_deg=80), (), EX)
    assert s.cue.get("ko") == "팔을 조금 더 높이 올려 보세요."
    assert s.cue.get("en") == "Raise your arm a little higher."
    with pytest.raises(ValueError, match="language"):
        LocalizedText("가", "a").get("fr")


@pytest.mark.parametrize(
    ("reason", "cue_id"),
    [
        (PartialReason.ROM_BELOW_MIN, "rom_low"),
        (PartialReason.TOO_SHORT, "too_fast"),
        (PartialReason.TOO_LONG, None),
        (PartialReason.TRACKING_LOST, None),
    ],
)
def test_partial_cue(reason: PartialReason, cue_id: str | None) -> None:
    cue = partial_cue(reason, EX)
    assert cue == (getattr(EX.cues, cue_id) if cue_id else None)


@settings(max_examples=200, deadline=None)
@given(
    rom=st.floats(0, 200),
    duration=st.floats(0.05, 60),
    sparc_value=st.one_of(st.just(float("nan")), st.floats(-20, 0)),
    n_comp=st.integers(0, 2),
)
def test_score_is_100_minus_the_deductions_and_more_range_never_hurts(
    rom: float, duration: float, sparc_value: float, n_comp: int
) -> None:
    comps = (_lean(), replace(_lean(10.0), rule_id="shoulder_hike"))[:n_comp]
    rep = replace(GOOD, rom_deg=rom, duration_s=duration, sparc=sparc_value)
    s = score_rep(rep, comps, EX)
    assert 0 <= s.score <= 100
    assert s.score == pytest.approx(max(0.0, 100 - sum(d.points for d in s.deductions)))
    assert all(d.points > 0 for d in s.deductions)
    assert list(s.deductions) == sorted(s.deductions, key=lambda d: d.points, reverse=True)
    assert s.cue == (s.deductions[0].cue if s.deductions else EX.cues.good)
    more = score_rep(replace(rep, rom_deg=rom + 10), comps, EX)
    assert more.score >= s.score
