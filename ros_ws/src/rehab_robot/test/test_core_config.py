"""Configuration: loaded once from config/robot.yaml, strict, validated, frozen."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import yaml

from rehab_robot.core.config import find_config_file, load_config
from rehab_robot.core.errors import ConfigError

DEFAULT = find_config_file("robot.yaml")


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "robot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _raw() -> dict:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


def test_default_config_has_the_issue_settings() -> None:
    cfg = load_config()
    assert cfg.joint_names == ("shoulder_flexion", "elbow_flexion")
    assert cfg.rates.control_hz == 500.0
    assert cfg.rates.plant_hz >= 1000.0
    assert cfg.rates.joint_states_hz == 200.0
    assert cfg.safety.heartbeat_timeout_s == pytest.approx(0.2)
    shoulder = cfg.joints[0]
    assert shoulder.limits.position_max_rad == pytest.approx(math.radians(150.0))
    assert shoulder.limits.effort_limit_nm == 40.0
    for joint in cfg.joints:
        assert joint.limits.position_min_rad <= joint.default_rom_min_rad
        assert joint.default_rom_max_rad <= joint.limits.position_max_rad


def test_config_is_frozen() -> None:
    cfg = load_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.joints[0].limits.effort_limit_nm = 1000.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.safety.heartbeat_timeout_s = 10.0  # type: ignore[misc]
    assert isinstance(cfg.joints, tuple)


def _set(raw: dict, dotted: str, value: object) -> None:
    node = raw
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize(("dotted", "value", "field"), [
    ("watchdog.heartbeat_timeout_s", KeyError, "watchdog.heartbeat_timeout_s"),
    ("watchdog.heartbeat_timeout_s", -1.0, "watchdog.heartbeat_timeout_s"),
    ("watchdog.heartbeat_timeout_s", "fast", "watchdog.heartbeat_timeout_s"),
    ("watchdog.surprise", 1.0, "watchdog.surprise"),
    ("joints.0.limits.effort_limit_nm", 0.0, "joints[0].limits.effort_limit_nm"),
    ("joints.1.limits.position_max_deg", -20.0, "joints[1].limits"),
    ("joints.0.default_rom_deg", [-50.0, 140.0], "joints[0].default_rom_deg"),
    ("joints.0.name", "wrist_flexion", "joints"),
    ("rates.plant_hz", 500.0, "rates.plant_hz"),
    ("rates.joint_states_hz", 1000.0, "rates"),
    ("simulation.patient.strength", 1.5, "simulation.patient.strength"),
    ("sensor_sanity.plausible_velocity_deg_s", 150.0, "sensor_sanity.plausible_velocity_deg_s"),
    ("spasm.baseline_cutoff_hz", 20.0, "spasm.baseline_cutoff_hz"),
    ("assist_as_needed.forgetting_factor", math.nan, "assist_as_needed.forgetting_factor"),
])
def test_bad_config_is_refused_naming_the_key(tmp_path: Path, dotted: str, value: object,
                                              field: str) -> None:
    raw = _raw()
    _set(raw, dotted, value)
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, raw))
    assert info.value.field == field


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("joints: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_patient_variants_are_validated() -> None:
    from rehab_robot.core.simulation import with_patient

    assert with_patient(load_config(), strength=0.9).simulation.patient.strength == 0.9
    with pytest.raises(ConfigError, match="strength"):
        with_patient(load_config(), strength=1.2)
