"""A robot prescription is validated where it enters and maps onto the core's command."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rehab.errors import ValidationError
from rehab.robot import RobotPrescription
from rehab_robot.core.api import ControlMode

GOOD = RobotPrescription(
    exercise_id="elbow_flexion",
    mode="passive",
    joint_names=("elbow_flexion",),
    start_deg=(10.0,),
    end_deg=(90.0,),
    reps=5,
    tempo_s=2.0,
    hold_s=0.5,
    assistance=0.8,
    resistance=0.0,
    rom_min_deg=(0.0,),
    rom_max_deg=(120.0,),
)


def test_to_command_carries_every_field():
    cmd = GOOD.to_command()
    assert cmd.mode is ControlMode.PASSIVE
    assert cmd.joint_names == ("elbow_flexion",)
    assert (cmd.start_deg, cmd.end_deg) == ((10.0,), (90.0,))
    assert (cmd.reps, cmd.tempo_s, cmd.hold_s) == (5, 2.0, 0.5)
    assert (cmd.assistance, cmd.resistance) == (0.8, 0.0)
    assert (cmd.rom_min_deg, cmd.rom_max_deg) == ((0.0,), (120.0,))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exercise_id": ""}, "exercise_id"),
        ({"mode": "turbo"}, "mode"),
        ({"joint_names": ()}, "joint_names"),
        ({"start_deg": (10.0, 20.0)}, "start_deg"),
        ({"end_deg": (math.nan,)}, "end_deg"),
        ({"reps": 0}, "reps"),
        ({"tempo_s": 0.1}, "tempo_s"),
        ({"hold_s": -1.0}, "hold_s"),
        ({"assistance": 1.5}, "assistance"),
        ({"resistance": -0.1}, "resistance"),
        ({"rom_min_deg": (100.0,), "rom_max_deg": (50.0,)}, "rom_min_deg"),
        ({"end_deg": (130.0,)}, "end_deg"),
        ({"start_deg": (-5.0,)}, "start_deg"),
    ],
)
def test_bad_prescriptions_are_refused_with_the_field(change, field):
    with pytest.raises(ValidationError) as info:
        dataclasses.replace(GOOD, **change)
    assert info.value.field == field
