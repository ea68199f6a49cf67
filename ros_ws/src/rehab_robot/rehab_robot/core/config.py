"""Typed, frozen robot configuration, loaded once from config/robot.yaml and validated.

The YAML is the one place where defaults live: every key is required, unknown keys are
refused, and every value is range-checked here, where it enters. The result is a tree of
frozen dataclasses (safety limits cannot be changed while the robot runs); angles are
converted to radians on load. Variants (a stronger simulated patient, another seed) are made
with :func:`dataclasses.replace`, which re-runs no validation, so callers that build variants
from user input call :func:`validate_config` again.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rehab_robot.core.errors import ConfigError

PACKAGE = "rehab_robot"
SUPPORTED_JOINTS = ("shoulder_flexion", "elbow_flexion")


@dataclass(frozen=True)
class JointLimits:
    """Hard limits of one joint (radians, N m)."""

    position_min_rad: float
    position_max_rad: float
    velocity_limit_rad_s: float
    effort_limit_nm: float
    torque_rate_limit_nm_s: float


@dataclass(frozen=True)
class ImpedanceGains:
    """Joint-space impedance: stiffness (N m/rad) and damping (N m s/rad)."""

    stiffness_nm_rad: float
    damping_nm_s_rad: float


@dataclass(frozen=True)
class FrictionModel:
    """Joint friction: viscous (N m s/rad) plus Coulomb (N m)."""

    viscous_nm_s_rad: float
    coulomb_nm: float


@dataclass(frozen=True)
class JointConfig:
    """Everything configured for one joint."""

    name: str
    limits: JointLimits
    default_rom_min_rad: float
    default_rom_max_rad: float
    gains: ImpedanceGains
    friction: FrictionModel
    spasm_torque_threshold_nm: float
    spasm_deviation_threshold_nm: float
    assist_stiffness_max_nm_rad: float
    resistive: ImpedanceGains


@dataclass(frozen=True)
class RatesConfig:
    """Loop rates (Hz)."""

    control_hz: float
    plant_hz: float
    joint_states_hz: float
    status_hz: float
    diagnostics_hz: float

    @property
    def control_period_s(self) -> float:
        """Nominal control period (s)."""
        return 1.0 / self.control_hz


@dataclass(frozen=True)
class SafetyConfig:
    """Supervisor settings other than the per-joint limits."""

    heartbeat_timeout_s: float
    stale_timeout_s: float
    plausible_velocity_rad_s: float
    position_tolerance_rad: float
    spasm_duration_s: float
    spasm_filter_cutoff_hz: float
    spasm_baseline_cutoff_hz: float
    enable_ramp_s: float
    disable_ramp_s: float
    rom_margin_rad: float
    rom_restoring_stiffness_nm_rad: float
    safe_stop_damping_nm_s_rad: float


@dataclass(frozen=True)
class TrajectoryConfig:
    """Reference trajectory settings."""

    approach_velocity_rad_s: float
    approach_min_s: float


@dataclass(frozen=True)
class AssistConfig:
    """Assist-as-needed adaptation (see :class:`rehab_robot.core.modes.AssistAsNeeded`)."""

    forgetting_factor: float
    learning_gain_nm_rad_per_rad: float
    error_tolerance_rad: float
    min_fraction: float
    damping_per_stiffness_s: float
    compensation_gain: float
    compensation_min_severity: float
    slow_min: float
    good_form_score: float


@dataclass(frozen=True)
class LinkParams:
    """One rigid link of the arm model.

    Mass (kg), length (m), centre of mass from the proximal joint (m), inertia about the
    centre of mass (kg m^2).
    """

    mass_kg: float
    length_m: float
    com_m: float
    inertia_kgm2: float


@dataclass(frozen=True)
class ArmParams:
    """A planar two-link arm (upper arm, forearm) in the sagittal plane."""

    upper: LinkParams
    fore: LinkParams


@dataclass(frozen=True)
class ModelConfig:
    """Nominal dynamic model used by the controller (gravity compensation)."""

    gravity_m_s2: float
    robot: ArmParams
    rotor_inertia_kgm2: tuple[float, ...]
    limb: ArmParams


@dataclass(frozen=True)
class PatientConfig:
    """The simulated patient (see :mod:`rehab_robot.core.plant`)."""

    strength: float
    max_torque_nm: tuple[float, ...]
    tracking_stiffness_nm_rad: float
    tracking_damping_nm_s_rad: float
    reaction_delay_s: float
    fatigue_per_rep: float
    spasm_rate_per_min: float
    spasm_torque_nm: tuple[float, ...]
    max_shortening_velocity_rad_s: float
    spasm_duration_s: float
    spasticity_velocity_threshold_rad_s: float
    spasticity_gain_nm_s_rad: tuple[float, ...]


@dataclass(frozen=True)
class SimulationConfig:
    """The simulated robot + patient limb."""

    seed: int
    initial_position_rad: tuple[float, ...]
    coupling_stiffness_nm_rad: float
    coupling_damping_nm_s_rad: float
    limb_damping_nm_s_rad: float
    robot_mass_factor: float
    limb_mass_factor: float
    friction_factor: float
    patient: PatientConfig


@dataclass(frozen=True)
class RobotConfig:
    """The whole robot configuration (frozen; load with :func:`load_config`)."""

    joints: tuple[JointConfig, ...]
    rates: RatesConfig
    safety: SafetyConfig
    trajectory: TrajectoryConfig
    assist: AssistConfig
    model: ModelConfig
    simulation: SimulationConfig

    @property
    def joint_names(self) -> tuple[str, ...]:
        """Joint names in configuration order (the order of every per-joint tuple)."""
        return tuple(j.name for j in self.joints)


def find_config_file(name: str = "robot.yaml") -> Path:
    """Locate one of the package's configuration files.

    Looks in the source tree (editable installs, tests) and then in
    ``<prefix>/share/rehab_robot/config`` (colcon and non-editable pip installs).

    Parameters
    ----------
    name
        File name inside ``config/`` (``robot.yaml``, ``cyclonedds_loopback.xml``).

    Returns
    -------
    Path
        The existing file.

    Raises
    ------
    ConfigError
        If it is in neither place.
    """
    candidates = [
        Path(__file__).resolve().parents[2] / "config" / name,
        Path(sys.prefix) / "share" / PACKAGE / "config" / name,
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(name, f"not found in {', '.join(str(c) for c in candidates)}")


def load_config(path: Path | str | None = None) -> RobotConfig:
    """Load and validate the robot configuration.

    Parameters
    ----------
    path
        YAML file; the packaged ``config/robot.yaml`` when ``None``.

    Returns
    -------
    RobotConfig
        The validated, frozen configuration.

    Raises
    ------
    ConfigError
        If the file is missing, is not YAML, lacks a key, has an unknown key, or a value is
        out of range; the error names the dotted key.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg.joint_names
    ('shoulder_flexion', 'elbow_flexion')
    """
    file = Path(path) if path is not None else find_config_file("robot.yaml")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(file), f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(file), f"not valid YAML: {exc}") from exc
    config = parse_config(raw)
    validate_config(config)
    return config


class _Section:
    """A YAML mapping read strictly: every key must be taken, none may be left over."""

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise ConfigError(path or "<root>", f"expected a mapping, got {type(raw).__name__}")
        self._raw = raw
        self._path = path
        self._taken: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def raw(self, key: str) -> Any:
        if key not in self._raw:
            raise ConfigError(self._key(key), "missing")
        self._taken.add(key)
        return self._raw[key]

    def section(self, key: str) -> _Section:
        return _Section(self.raw(key), self._key(key))

    def number(self, key: str, lo: float = -math.inf, hi: float = math.inf,
               lo_open: bool = False) -> float:
        value = self.raw(key)
        return _number(value, self._key(key), lo, hi, lo_open)

    def numbers(self, key: str, n: int, lo: float = -math.inf, hi: float = math.inf,
                lo_open: bool = False) -> tuple[float, ...]:
        value = self.raw(key)
        if not isinstance(value, list) or len(value) != n:
            raise ConfigError(self._key(key), f"expected a list of {n} numbers, got {value!r}")
        return tuple(_number(v, f"{self._key(key)}[{i}]", lo, hi, lo_open)
                     for i, v in enumerate(value))

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(self._key(key), f"expected an integer, got {value!r}")
        return value

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(self._key(key), f"expected a non-empty string, got {value!r}")
        return value

    def done(self) -> None:
        extra = sorted(set(self._raw) - self._taken)
        if extra:
            raise ConfigError(self._key(str(extra[0])), "unknown key")


def _number(value: Any, key: str, lo: float, hi: float, lo_open: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"expected a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < lo or x > hi or (lo_open and x <= lo):
        bound = f"({lo}, {hi}]" if lo_open else f"[{lo}, {hi}]"
        raise ConfigError(key, f"{x} is outside {bound}")
    return x


def _gains(sec: _Section) -> ImpedanceGains:
    gains = ImpedanceGains(sec.number("stiffness_nm_rad", 0.0), sec.number("damping_nm_s_rad", 0.0))
    sec.done()
    return gains


def _joint(sec: _Section) -> JointConfig:
    lim = sec.section("limits")
    limits = JointLimits(
        position_min_rad=math.radians(lim.number("position_min_deg", -360.0, 360.0)),
        position_max_rad=math.radians(lim.number("position_max_deg", -360.0, 360.0)),
        velocity_limit_rad_s=math.radians(lim.number("velocity_limit_deg_s", 0.0, lo_open=True)),
        effort_limit_nm=lim.number("effort_limit_nm", 0.0, lo_open=True),
        torque_rate_limit_nm_s=lim.number("torque_rate_limit_nm_s", 0.0, lo_open=True),
    )
    lim.done()
    rom = sec.numbers("default_rom_deg", 2, -360.0, 360.0)
    fric = sec.section("friction")
    friction = FrictionModel(fric.number("viscous_nm_s_rad", 0.0), fric.number("coulomb_nm", 0.0))
    fric.done()
    joint = JointConfig(
        name=sec.text("name"),
        limits=limits,
        default_rom_min_rad=math.radians(rom[0]),
        default_rom_max_rad=math.radians(rom[1]),
        gains=_gains(sec.section("gains")),
        friction=friction,
        spasm_torque_threshold_nm=sec.number("spasm_torque_threshold_nm", 0.0, lo_open=True),
        spasm_deviation_threshold_nm=sec.number("spasm_deviation_threshold_nm", 0.0,
                                                lo_open=True),
        assist_stiffness_max_nm_rad=sec.number("assist_stiffness_max_nm_rad", 0.0, lo_open=True),
        resistive=_gains(sec.section("resistive")),
    )
    sec.done()
    return joint


def _link(sec: _Section) -> LinkParams:
    link = LinkParams(
        mass_kg=sec.number("mass_kg", 0.0),
        length_m=sec.number("length_m", 0.0, lo_open=True),
        com_m=sec.number("com_m", 0.0),
        inertia_kgm2=sec.number("inertia_kgm2", 0.0),
    )
    sec.done()
    return link


def _arm(sec: _Section) -> ArmParams:
    return ArmParams(_link(sec.section("upper")), _link(sec.section("fore")))


def _model(sec: _Section, n: int) -> ModelConfig:
    robot, limb = sec.section("robot"), sec.section("limb")
    model = ModelConfig(
        gravity_m_s2=sec.number("gravity_m_s2", 0.0, 20.0),
        robot=_arm(robot),
        rotor_inertia_kgm2=robot.numbers("rotor_inertia_kgm2", n, 0.0),
        limb=_arm(limb),
    )
    for part in (robot, limb, sec):
        part.done()
    return model


def _patient(sec: _Section, n: int) -> PatientConfig:
    patient = PatientConfig(
        strength=sec.number("strength", 0.0, 1.0),
        max_torque_nm=sec.numbers("max_torque_nm", n, 0.0),
        tracking_stiffness_nm_rad=sec.number("tracking_stiffness_nm_rad", 0.0),
        tracking_damping_nm_s_rad=sec.number("tracking_damping_nm_s_rad", 0.0),
        reaction_delay_s=sec.number("reaction_delay_s", 0.0, 2.0),
        fatigue_per_rep=sec.number("fatigue_per_rep", 0.0, 1.0),
        spasm_rate_per_min=sec.number("spasm_rate_per_min", 0.0),
        spasm_torque_nm=sec.numbers("spasm_torque_nm", n, 0.0),
        max_shortening_velocity_rad_s=math.radians(
            sec.number("max_shortening_velocity_deg_s", 0.0, lo_open=True)),
        spasm_duration_s=sec.number("spasm_duration_s", 0.0),
        spasticity_velocity_threshold_rad_s=math.radians(
            sec.number("spasticity_velocity_threshold_deg_s", 0.0)),
        spasticity_gain_nm_s_rad=sec.numbers("spasticity_gain_nm_s_rad", n, 0.0),
    )
    sec.done()
    return patient


def _simulation(sec: _Section, n: int) -> SimulationConfig:
    sim = SimulationConfig(
        seed=sec.integer("seed"),
        initial_position_rad=tuple(math.radians(x)
                                   for x in sec.numbers("initial_position_deg", n, -360, 360)),
        coupling_stiffness_nm_rad=sec.number("coupling_stiffness_nm_rad", 0.0, lo_open=True),
        coupling_damping_nm_s_rad=sec.number("coupling_damping_nm_s_rad", 0.0),
        limb_damping_nm_s_rad=sec.number("limb_damping_nm_s_rad", 0.0),
        robot_mass_factor=sec.number("robot_mass_factor", 0.0, 10.0, lo_open=True),
        limb_mass_factor=sec.number("limb_mass_factor", 0.0, 10.0, lo_open=True),
        friction_factor=sec.number("friction_factor", 0.0, 10.0),
        patient=_patient(sec.section("patient"), n),
    )
    sec.done()
    return sim


def parse_config(raw: Any) -> RobotConfig:
    """Build a :class:`RobotConfig` from parsed YAML (strict keys, value ranges).

    Cross-field checks are in :func:`validate_config`; :func:`load_config` runs both.

    Parameters
    ----------
    raw
        The YAML document as parsed (nested dicts and lists).

    Returns
    -------
    RobotConfig
        The configuration, angles converted from degrees to radians.

    Raises
    ------
    ConfigError
        Naming the dotted key that is missing, unknown or out of range.
    """
    root = _Section(raw, "")
    joints_raw = root.raw("joints")
    if not isinstance(joints_raw, list) or not joints_raw:
        raise ConfigError("joints", "expected a non-empty list of joints")
    joints = tuple(_joint(_Section(j, f"joints[{i}]")) for i, j in enumerate(joints_raw))
    n = len(joints)
    rates = root.section("rates")
    rates_cfg = RatesConfig(*(rates.number(k, 0.0, 100_000.0, lo_open=True) for k in (
        "control_hz", "plant_hz", "joint_states_hz", "status_hz", "diagnostics_hz")))
    rates.done()
    wd, san, sp = root.section("watchdog"), root.section("sensor_sanity"), root.section("spasm")
    ramps, rom, stop = root.section("ramps"), root.section("rom"), root.section("safe_stop")
    safety = SafetyConfig(
        heartbeat_timeout_s=wd.number("heartbeat_timeout_s", 0.0, 10.0, lo_open=True),
        stale_timeout_s=san.number("stale_timeout_s", 0.0, 1.0, lo_open=True),
        plausible_velocity_rad_s=math.radians(
            san.number("plausible_velocity_deg_s", 0.0, lo_open=True)),
        position_tolerance_rad=math.radians(san.number("position_tolerance_deg", 0.0, 10.0)),
        spasm_duration_s=sp.number("duration_s", 0.0, 5.0),
        spasm_filter_cutoff_hz=sp.number("filter_cutoff_hz", 0.0, lo_open=True),
        spasm_baseline_cutoff_hz=sp.number("baseline_cutoff_hz", 0.0, lo_open=True),
        enable_ramp_s=ramps.number("enable_s", 0.0, 10.0),
        disable_ramp_s=ramps.number("disable_s", 0.0, 10.0),
        rom_margin_rad=math.radians(rom.number("margin_deg", 0.0, 45.0, lo_open=True)),
        rom_restoring_stiffness_nm_rad=rom.number("restoring_stiffness_nm_rad", 0.0),
        safe_stop_damping_nm_s_rad=stop.number("damping_nm_s_rad", 0.0),
    )
    for sec in (wd, san, sp, ramps, rom, stop):
        sec.done()
    tr = root.section("trajectory")
    trajectory = TrajectoryConfig(
        approach_velocity_rad_s=math.radians(
            tr.number("approach_velocity_deg_s", 0.0, lo_open=True)),
        approach_min_s=tr.number("approach_min_s", 0.0, 60.0),
    )
    tr.done()
    aan = root.section("assist_as_needed")
    assist = AssistConfig(
        forgetting_factor=aan.number("forgetting_factor", 0.0, 1.0),
        learning_gain_nm_rad_per_rad=aan.number("learning_gain_nm_rad_per_rad", 0.0),
        error_tolerance_rad=math.radians(aan.number("error_tolerance_deg", 0.0, 90.0)),
        min_fraction=aan.number("min_fraction", 0.0, 1.0),
        damping_per_stiffness_s=aan.number("damping_per_stiffness_s", 0.0, 1.0),
        compensation_gain=aan.number("compensation_gain", 0.0, 1.0),
        compensation_min_severity=aan.number("compensation_min_severity", 0.0, 1.0),
        slow_min=aan.number("slow_min", 0.0, 1.0, lo_open=True),
        good_form_score=aan.number("good_form_score", 0.0, 100.0),
    )
    aan.done()
    config = RobotConfig(
        joints=joints,
        rates=rates_cfg,
        safety=safety,
        trajectory=trajectory,
        assist=assist,
        model=_model(root.section("model"), n),
        simulation=_simulation(root.section("simulation"), n),
    )
    root.done()
    return config


def validate_config(config: RobotConfig) -> None:
    """Cross-field checks that keep the configuration safe and the model meaningful.

    Parameters
    ----------
    config
        A configuration built by :func:`parse_config`.

    Raises
    ------
    ConfigError
        If joints are not the supported two-link arm, limits are inverted, the default ROM
        is not inside the hard limits, or the rates are inconsistent.
    """
    if config.joint_names != SUPPORTED_JOINTS:
        raise ConfigError("joints", f"the arm model needs exactly {list(SUPPORTED_JOINTS)}, "
                                    f"in that order; got {list(config.joint_names)}")
    for i, joint in enumerate(config.joints):
        key = f"joints[{i}]"
        lim = joint.limits
        if lim.position_min_rad >= lim.position_max_rad:
            raise ConfigError(f"{key}.limits", "position_min_deg must be below position_max_deg")
        if not (lim.position_min_rad <= joint.default_rom_min_rad
                < joint.default_rom_max_rad <= lim.position_max_rad):
            raise ConfigError(f"{key}.default_rom_deg", "must be an increasing pair inside "
                                                        "the position limits")
        init = config.simulation.initial_position_rad[i]
        if not lim.position_min_rad <= init <= lim.position_max_rad:
            raise ConfigError("simulation.initial_position_deg", f"{joint.name} is outside its "
                                                                 "position limits")
    rates = config.rates
    if rates.plant_hz < 1000.0 or rates.plant_hz < rates.control_hz:
        raise ConfigError("rates.plant_hz", "must be >= 1000 and >= control_hz")
    if rates.joint_states_hz > rates.control_hz or rates.status_hz > rates.control_hz:
        raise ConfigError("rates", "publishing rates cannot exceed control_hz")
    if config.safety.heartbeat_timeout_s < 2.0 * rates.control_period_s:
        raise ConfigError("watchdog.heartbeat_timeout_s", "must span at least two ticks")
    fastest = max(j.limits.velocity_limit_rad_s for j in config.joints)
    if config.safety.plausible_velocity_rad_s <= 2.0 * fastest:
        raise ConfigError("sensor_sanity.plausible_velocity_deg_s",
                          "must be well above (> 2x) every joint's velocity limit, or healthy "
                          "motion reads as an encoder fault")
    if config.safety.spasm_baseline_cutoff_hz >= config.safety.spasm_filter_cutoff_hz:
        raise ConfigError("spasm.baseline_cutoff_hz", "must be below filter_cutoff_hz")
    if config.safety.stale_timeout_s < rates.control_period_s:
        raise ConfigError("sensor_sanity.stale_timeout_s", "must span at least one tick")
