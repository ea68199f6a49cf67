"""CiA 402 (CANopen drives and motion control) definitions shared by the driver and the
simulated drive: object indices, the power state machine, and the PDO layout used.

The PDO layout is the fixed one this robot's drives are commissioned with (set through
their EDS / commissioning tool, as is usual for cyclic synchronous modes):

- RPDO1 (COB-ID 0x200 + node): controlword 0x6040 (u16), target torque 0x6071 (i16, per
  mille of the motor rated torque 0x6076);
- TPDO1 (0x180 + node): statusword 0x6041 (u16), position actual 0x6064 (i32, counts);
- TPDO2 (0x280 + node): velocity actual 0x606C (i32, counts/s), torque actual 0x6077 (i16,
  per mille), interaction torque 0x2100 (i16, 0.01 N m, the cuff sensor on the drive's
  analogue input);
- TPDOs are sent on SYNC (COB-ID 0x080), as in cyclic synchronous torque mode.
"""

from __future__ import annotations

import enum
import struct

from canopen import objectdictionary as od
from canopen.objectdictionary import ObjectDictionary, ODVariable

CONTROLWORD = 0x6040
STATUSWORD = 0x6041
MODES_OF_OPERATION = 0x6060
MODES_DISPLAY = 0x6061
ERROR_CODE = 0x603F
POSITION_ACTUAL = 0x6064
VELOCITY_ACTUAL = 0x606C
TARGET_TORQUE = 0x6071
RATED_TORQUE = 0x6076
TORQUE_ACTUAL = 0x6077
INTERACTION_TORQUE = 0x2100

MODE_CYCLIC_SYNC_TORQUE = 10

SYNC_COB_ID = 0x080
RPDO1_BASE = 0x200
TPDO1_BASE = 0x180
TPDO2_BASE = 0x280

RPDO1 = struct.Struct("<Hh")
TPDO1 = struct.Struct("<Hi")
TPDO2 = struct.Struct("<ihh")

# Controlword commands (CiA 402 table "device control commands").
CW_DISABLE_VOLTAGE = 0x0000
CW_SHUTDOWN = 0x0006
CW_SWITCH_ON = 0x0007
CW_ENABLE_OPERATION = 0x000F
CW_FAULT_RESET = 0x0080

SW_FAULT_BIT = 0x0008


class PowerState(enum.Enum):
    """Power state machine states, with the statusword pattern that shows each."""

    NOT_READY_TO_SWITCH_ON = "not ready to switch on"
    SWITCH_ON_DISABLED = "switch on disabled"
    READY_TO_SWITCH_ON = "ready to switch on"
    SWITCHED_ON = "switched on"
    OPERATION_ENABLED = "operation enabled"
    QUICK_STOP_ACTIVE = "quick stop active"
    FAULT_REACTION_ACTIVE = "fault reaction active"
    FAULT = "fault"


# (mask, value, state): the CiA 402 statusword decoding table.
_DECODE = (
    (0x4F, 0x00, PowerState.NOT_READY_TO_SWITCH_ON),
    (0x4F, 0x40, PowerState.SWITCH_ON_DISABLED),
    (0x6F, 0x21, PowerState.READY_TO_SWITCH_ON),
    (0x6F, 0x23, PowerState.SWITCHED_ON),
    (0x6F, 0x27, PowerState.OPERATION_ENABLED),
    (0x6F, 0x07, PowerState.QUICK_STOP_ACTIVE),
    (0x4F, 0x0F, PowerState.FAULT_REACTION_ACTIVE),
    (0x4F, 0x08, PowerState.FAULT),
)

STATUSWORD_OF = {
    PowerState.NOT_READY_TO_SWITCH_ON: 0x0000,
    PowerState.SWITCH_ON_DISABLED: 0x0040,
    PowerState.READY_TO_SWITCH_ON: 0x0021,
    PowerState.SWITCHED_ON: 0x0023,
    PowerState.OPERATION_ENABLED: 0x0027,
    PowerState.QUICK_STOP_ACTIVE: 0x0007,
    PowerState.FAULT_REACTION_ACTIVE: 0x000F,
    PowerState.FAULT: 0x0008,
}


def decode_statusword(statusword: int) -> PowerState | None:
    """The power state a statusword shows, ``None`` if it matches no pattern.

    Examples
    --------
    >>> decode_statusword(0x0237)
    <PowerState.OPERATION_ENABLED: 'operation enabled'>
    >>> decode_statusword(0x0218)
    <PowerState.FAULT: 'fault'>
    """
    for mask, value, state in _DECODE:
        if statusword & mask == value:
            return state
    return None


def next_state(state: PowerState, controlword: int, previous_controlword: int) -> PowerState:
    """Drive-side transition for a controlword (CiA 402 power state machine).

    Fault reset acts on the rising edge of bit 7; quick stop is bit 2 low with bit 1 high.
    """
    if state is PowerState.FAULT:
        rising = controlword & CW_FAULT_RESET and not previous_controlword & CW_FAULT_RESET
        return PowerState.SWITCH_ON_DISABLED if rising else state
    if state in (PowerState.FAULT_REACTION_ACTIVE, PowerState.NOT_READY_TO_SWITCH_ON):
        return state
    cw = controlword & 0x8F
    if not cw & 0x02:                                   # disable voltage
        return PowerState.SWITCH_ON_DISABLED
    if not cw & 0x04:                                   # quick stop
        return PowerState.QUICK_STOP_ACTIVE if state is PowerState.OPERATION_ENABLED \
            else PowerState.SWITCH_ON_DISABLED
    if state is PowerState.QUICK_STOP_ACTIVE:
        return state
    if cw & 0x0F == CW_SHUTDOWN:
        return PowerState.READY_TO_SWITCH_ON
    if cw & 0x0F == CW_SWITCH_ON:
        if state in (PowerState.READY_TO_SWITCH_ON, PowerState.SWITCHED_ON,
                     PowerState.OPERATION_ENABLED):
            return PowerState.SWITCHED_ON
        return state
    if cw & 0x0F == CW_ENABLE_OPERATION:
        if state in (PowerState.SWITCHED_ON, PowerState.OPERATION_ENABLED):
            return PowerState.OPERATION_ENABLED
        return state
    return state


def object_dictionary(node_id: int) -> ObjectDictionary:
    """The object dictionary of one drive (the objects this robot uses).

    Parameters
    ----------
    node_id
        CANopen node id 1-127.
    """
    dictionary = ObjectDictionary()
    dictionary.node_id = node_id
    entries = (
        (0x1000, "Device type", od.UNSIGNED32, "ro", 0x00020192),
        (CONTROLWORD, "Controlword", od.UNSIGNED16, "rw", 0),
        (STATUSWORD, "Statusword", od.UNSIGNED16, "ro", 0),
        (ERROR_CODE, "Error code", od.UNSIGNED16, "ro", 0),
        (MODES_OF_OPERATION, "Modes of operation", od.INTEGER8, "rw", 0),
        (MODES_DISPLAY, "Modes of operation display", od.INTEGER8, "ro", 0),
        (POSITION_ACTUAL, "Position actual value", od.INTEGER32, "ro", 0),
        (VELOCITY_ACTUAL, "Velocity actual value", od.INTEGER32, "ro", 0),
        (TARGET_TORQUE, "Target torque", od.INTEGER16, "rw", 0),
        (RATED_TORQUE, "Motor rated torque", od.UNSIGNED32, "ro", 0),
        (TORQUE_ACTUAL, "Torque actual value", od.INTEGER16, "ro", 0),
        (INTERACTION_TORQUE, "Interaction torque", od.INTEGER16, "ro", 0),
    )
    for index, name, data_type, access, default in entries:
        var = ODVariable(name, index)
        var.data_type = data_type
        var.access_type = access
        var.default = default
        dictionary.add_object(var)
    return dictionary
