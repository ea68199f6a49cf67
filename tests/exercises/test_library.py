"""The exercise library: every bundled file loads, and malformed files are refused by field."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rehab.errors import DataFileError, NotFoundError, ValidationError
from rehab.exercises.library import (
    DEFAULT_LIBRARY_DIR,
    CompensationMeasure,
    Direction,
    ExerciseFileError,
    SideMode,
    load_exercise,
    load_library,
)
from rehab.vision.angles import ANGLE_NAMES

REQUIRED = {
    "shoulder_flexion": SideMode.ONE,
    "shoulder_abduction": SideMode.ONE,
    "shoulder_abduction_bilateral": SideMode.BOTH,
    "shoulder_scaption": SideMode.ONE,
    "elbow_flexion": SideMode.ONE,
    "squat": SideMode.BOTH,
    "sit_to_stand": SideMode.BOTH,
    "forward_lunge": SideMode.ALTERNATING,
    "alternating_elbow_flexion": SideMode.ALTERNATING,
    "marching": SideMode.ALTERNATING,
    "seated_marching": SideMode.ALTERNATING,
    "seated_knee_extension": SideMode.ONE,
    "standing_hip_abduction": SideMode.ONE,
    "straight_leg_raise": SideMode.ONE,
    "seated_shoulder_flexion": SideMode.ONE,
    "seated_shoulder_abduction": SideMode.ONE,
}


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_bundled_library_holds_the_required_exercises() -> None:
    lib = load_library()
    assert set(REQUIRED) <= set(lib)
    for exercise_id, mode in REQUIRED.items():
        ex = lib[exercise_id]
        assert ex.side_mode is mode
        for name in ex.primary_angle_names(None if mode is not SideMode.ONE else "left"):
            assert name in ANGLE_NAMES
        assert _hangul(ex.names.ko) and not _hangul(ex.names.en)
        for cue in (
            ex.cues.rom_low,
            ex.cues.too_fast,
            ex.cues.good,
            *[c.cue for c in ex.compensations],
        ):
            assert _hangul(cue.ko), cue
            assert cue.en.isascii() and cue.en, cue
        assert ex.rep.end_deg < ex.rep.start_deg <= ex.rep.min_rom_deg <= ex.target_rom_deg


@pytest.mark.parametrize(
    ("exercise_id", "rule_id", "angle", "measure", "limit_deg"),
    [
        # The compensations named by the issue, with their clinical limits.
        (
            "shoulder_abduction",
            "trunk_lean",
            "trunk_lean_lateral",
            CompensationMeasure.ABS_CHANGE,
            15,
        ),
        (
            "shoulder_flexion",
            "trunk_lean",
            "trunk_lean_sagittal",
            CompensationMeasure.ABS_CHANGE,
            15,
        ),
        (
            "shoulder_abduction",
            "shoulder_hike",
            "shoulder_elevation_{side}",
            CompensationMeasure.CHANGE,
            24,  # the healthy reference: abduction lifts the girdle 17 deg at the median
        ),
        ("sit_to_stand", "trunk_flexion", "trunk_lean_sagittal", CompensationMeasure.VALUE, 55),
        ("squat", "knee_valgus", "knee_valgus_{side}", CompensationMeasure.VALUE, 10),
    ],
)
def test_named_compensation_rules(
    exercise_id: str, rule_id: str, angle: str, measure: CompensationMeasure, limit_deg: float
) -> None:
    rule = {c.id: c for c in load_library()[exercise_id].compensations}[rule_id]
    assert (rule.angle, rule.measure, rule.max_deg) == (angle, measure, limit_deg)


def test_sides_resolve_per_mode() -> None:
    lib = load_library()
    assert lib["shoulder_abduction"].primary_angle_names() == ("shoulder_abduction_right",)
    assert lib["shoulder_abduction"].primary_angle_names("left") == ("shoulder_abduction_left",)
    assert lib["squat"].primary_angle_names() == ("knee_flexion_left", "knee_flexion_right")
    assert lib["sit_to_stand"].rep.direction is Direction.DECREASE
    with pytest.raises(ValidationError, match="side"):
        lib["squat"].primary_angle_names("left")
    with pytest.raises(ValidationError, match="side"):
        lib["shoulder_abduction"].working_sides("up")


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match=r"unknown exercise 'jogging'.*squat"):
        load_library()["jogging"]


def test_exercise_definitions_are_frozen() -> None:
    ex = load_library()["squat"]
    with pytest.raises(AttributeError):
        ex.target_rom_deg = 10  # type: ignore[misc]


def _valid() -> dict[str, Any]:
    return yaml.safe_load((DEFAULT_LIBRARY_DIR / "shoulder_abduction.yaml").read_text("utf-8"))


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()

MALFORMED = [
    # (what is changed, new value, the field the error must name)
    ("id", "other_name", "id"),
    ("names", _DELETE, "names"),
    ("names.ko", "", "names.ko"),
    ("names.en", 42, "names.en"),
    ("primary_angle", "shoulder_abduction_left", "primary_angle"),
    ("primary_angle", "wrist_twist_{side}", "primary_angle"),
    ("side_mode", "three", "side_mode"),
    ("default_side", "middle", "default_side"),
    ("camera_view", "overhead", "camera_view"),
    ("rep", _DELETE, "rep"),
    ("rep.direction", "sideways", "rep.direction"),
    ("rep.start_deg", "twenty", "rep.start_deg"),
    ("rep.start_deg", True, "rep.start_deg"),
    ("rep.end_deg", 25, "rep.end_deg"),
    ("rep.min_rom_deg", -5, "rep.min_rom_deg"),
    ("rep.min_rom_deg", 10, "rep.min_rom_deg"),
    ("rep.max_duration_s", 0.6, "rep.max_duration_s"),
    ("rep.min_confidence", 1.5, "rep.min_confidence"),
    ("rep.min_rom", 30, "rep.min_rom"),
    ("target_rom_deg", 30, "target_rom_deg"),
    ("target_rom_deg", 400, "target_rom_deg"),
    ("tempo.up_s", _DELETE, "tempo.up_s"),
    ("compensations", {"id": "x"}, "compensations"),
    ("compensations.0.measure", "peak", "compensations[0].measure"),
    ("compensations.0.angle", "trunk_lean_{side}", "compensations[0].angle"),
    ("compensations.0.max_deg", 0, "compensations[0].max_deg"),
    ("compensations.0.cue.ko", None, "compensations[0].cue.ko"),
    ("compensations.1.id", "trunk_lean", "compensations"),
    ("cues.good", _DELETE, "cues.good"),
    ("scoring", {"sparc_ok": -5, "sparc_floor": -4}, "scoring.sparc_floor"),
    ("colour", "blue", "colour"),
]


@pytest.mark.parametrize(("dotted", "value", "field"), MALFORMED)
def test_malformed_file_is_refused_naming_file_and_field(
    tmp_path: Path, dotted: str, value: Any, field: str
) -> None:
    data = copy.deepcopy(_valid())
    path = tmp_path / "shoulder_abduction.yaml"
    _set(data, dotted, value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ExerciseFileError) as info:
        load_exercise(path)
    assert info.value.field == field
    assert str(path) in str(info.value)
    assert f"'{field}'" in str(info.value)
    assert isinstance(info.value, DataFileError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("", "must be a mapping"),
    ],
)
def test_unparseable_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, "utf-8")
    with pytest.raises(ExerciseFileError, match=message):
        load_exercise(path)


def test_missing_file_and_empty_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExerciseFileError, match="cannot be read"):
        load_exercise(tmp_path / "nope.yaml")
    with pytest.raises(ExerciseFileError, match="no exercise files"):
        load_library(tmp_path)


def test_valid_copy_loads_from_another_folder(tmp_path: Path) -> None:
    (tmp_path / "shoulder_abduction.yaml").write_text(
        yaml.safe_dump(_valid(), allow_unicode=True), "utf-8"
    )
    lib = load_library(tmp_path)
    assert list(lib) == ["shoulder_abduction"]
    assert lib["shoulder_abduction"].source == tmp_path / "shoulder_abduction.yaml"


def test_other_side_compensation_reads_the_resting_limb() -> None:
    lib = load_library()
    rule = {c.id: c for c in lib["shoulder_abduction"].compensations}["other_arm"]
    assert rule.angle == "shoulder_abduction_{other}"
    assert rule.angle_names(("right",)) == ("shoulder_abduction_left",)
    assert rule.angle_names(("left",)) == ("shoulder_abduction_right",)
    # Both sides working (the analyser's history of an alternating exercise): both read.
    assert set(rule.angle_names(("left", "right"))) == {
        "shoulder_abduction_left", "shoulder_abduction_right"}
    leg = {c.id: c for c in lib["straight_leg_raise"].compensations}["standing_leg"]
    assert leg.angle_names(("right",)) == ("hip_flexion_left",)


@pytest.mark.parametrize(
    ("source", "angle", "message"),
    [
        # Both legs work in a squat: there is no resting side to read.
        ("squat", "knee_flexion_{other}", "'{other}' needs a one-sided"),
        ("shoulder_abduction", "trunk_lean_lateral_{other}", "not a known angle"),
    ],
)
def test_other_side_placeholder_is_refused_where_it_means_nothing(
    tmp_path: Path, source: str, angle: str, message: str
) -> None:
    data = yaml.safe_load((DEFAULT_LIBRARY_DIR / f"{source}.yaml").read_text("utf-8"))
    data["compensations"][0]["angle"] = angle
    data["compensations"][0]["measure"] = "abs_change"
    path = tmp_path / f"{source}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ExerciseFileError, match=re.escape(message)) as info:
        load_exercise(path)
    assert info.value.field == "compensations[0].angle"


def test_an_exercise_is_named_in_the_readers_language_or_by_its_id() -> None:
    library = load_library()
    assert library.name("squat", "en") == library["squat"].names.en
    assert library.name("squat", "ko") == library["squat"].names.ko
    assert library.name("retired_exercise", "ko") == "retired_exercise"
