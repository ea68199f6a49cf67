"""The camera-position cue: asked for only when the view, not the set-up, hides a rule.

Sit-to-stand is filmed side-on (its ``camera_view`` is ``sagittal``); its frontal-plane
rules (lateral lean, shoulder shrug, uneven knees) cannot be seen from there. A patient
filmed as the exercise says is not asked to face the camera after every clean rep: those
rules are reported not assessable. A squat (``camera_view: frontal``) filmed side-on is
asked for the front view, as before (tests/exercises/test_view_ui_prmd.py).
"""

from __future__ import annotations

from rehab.exercises.analysis import analyze, rep_cue
from rehab.exercises.library import load_library
from rehab.vision.angles import compute_angles
from rehab.vision.view import body_yaw_deg, classify_views

from .test_view_ui_prmd import side_view
from .ui_prmd_sets import concatenated_set, needs_ui_prmd

LIB = load_library()


@needs_ui_prmd
def test_side_on_sit_to_stand_reports_frontal_rules_without_asking_to_turn() -> None:
    exercise = LIB["sit_to_stand"]
    assert exercise.camera_view == "sagittal"
    frontal_only = {r.id for r in exercise.compensations if "sagittal" not in r.views}
    assert frontal_only  # the exercise has rules a side camera cannot see
    series = side_view(concatenated_set(5, 1, correct=True))
    result = analyze(compute_angles(series), exercise, language="en",
                     views=classify_views(body_yaw_deg(series)))
    assert result.view == "sagittal" and result.count == 9
    for rep in result.reps:
        assert frontal_only <= set(rep.not_assessable)
        assert rep.wanted_view is None
        cue = rep_cue(rep)
        assert cue is None or "camera" not in cue.en


@needs_ui_prmd
def test_a_front_on_sit_to_stand_is_asked_to_turn_side_on() -> None:
    exercise = LIB["sit_to_stand"]
    series = concatenated_set(5, 1, correct=True)
    result = analyze(compute_angles(series), exercise, language="en",
                     views=classify_views(body_yaw_deg(series)))
    assert result.view == "frontal" and result.count == 9
    sagittal_only = {r.id for r in exercise.compensations if "frontal" not in r.views}
    assert sagittal_only
    assert all(rep.wanted_view == "sagittal" for rep in result.reps)
