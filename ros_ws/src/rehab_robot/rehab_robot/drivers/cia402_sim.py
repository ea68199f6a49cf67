"""Simulated CiA 402 servo drives on a CAN bus (python-can's virtual bus in the tests).

Each joint's drive is a :class:`canopen.LocalNode` (its SDO server answers the driver's
SDO requests from the object dictionary) plus a small PDO responder: it takes RPDO1
(controlword + target torque), and on every SYNC the drive set advances the shared
:class:`~rehab_robot.core.plant.SimulatedPlant` to the present time and answers with TPDO1
and TPDO2. Torque reaches the plant only in OPERATION ENABLED with cyclic synchronous torque
selected; a fault (injected with :meth:`SimulatedDrive.inject_fault`) drops the torque and
the power stage, as a drive's fault reaction does. This is the hardware fake: the code under
test is :class:`rehab_robot.drivers.canopen_driver.Cia402Driver`.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import canopen

from rehab_robot.core.api import Clock
from rehab_robot.core.plant import SimulatedPlant
from rehab_robot.drivers import cia402
from rehab_robot.drivers.cia402 import PowerState

logger = logging.getLogger(__name__)


class SimulatedDrive:
    """One CiA 402 drive driving one joint of the plant.

    Parameters
    ----------
    bus
        The drive set it belongs to (owns the plant and the lock).
    node_id
        CANopen node id.
    joint
        Index of the joint it drives.
    rated_torque_nm, counts_per_rev
        Motor rated torque (0x6076) and encoder resolution.
    """

    def __init__(self, bus: SimulatedCia402Bus, node_id: int, joint: int,
                 rated_torque_nm: float, counts_per_rev: int) -> None:
        self._bus = bus
        self.node_id = node_id
        self.joint = joint
        self.rated_torque_nm = rated_torque_nm
        self.counts_per_rad = counts_per_rev / (2.0 * math.pi)
        self.state = PowerState.SWITCH_ON_DISABLED
        self.state_history: list[PowerState] = [self.state]
        self.mode = 0
        self.error_code = 0
        self.persistent_fault = False
        self.target_per_mille = 0
        self._controlword = 0
        dictionary = cia402.object_dictionary(node_id)
        dictionary[cia402.RATED_TORQUE].default = round(rated_torque_nm * 1000.0)  # mN m
        self.node = canopen.LocalNode(node_id, dictionary)
        self.node.add_read_callback(self._on_sdo_read)
        self.node.add_write_callback(self._on_sdo_write)

    # ---------------------------------------------------------- state machine
    def _set_state(self, state: PowerState) -> None:
        if state is not self.state:
            self.state = state
            self.state_history.append(state)
        if state is not PowerState.OPERATION_ENABLED:
            self.target_per_mille = 0

    def apply_controlword(self, controlword: int) -> None:
        """Run the power state machine for a controlword (from SDO or RPDO)."""
        previous, self._controlword = self._controlword, controlword
        if self.state is PowerState.FAULT and self.persistent_fault:
            return          # the cause is still there: the reset does not take
        if self.state is PowerState.FAULT and controlword & cia402.CW_FAULT_RESET \
                and not previous & cia402.CW_FAULT_RESET:
            self.error_code = 0
        self._set_state(cia402.next_state(self.state, controlword, previous))

    def inject_fault(self, error_code: int = 0x2310, persistent: bool = False) -> None:
        """Make the drive fault (0x2310: continuous over-current), as hardware would."""
        with self._bus.lock:
            self.error_code = error_code
            self.persistent_fault = persistent
            self._set_state(PowerState.FAULT)

    def clear_cause(self) -> None:
        """The fault's cause is gone; a fault reset will now take."""
        self.persistent_fault = False

    @property
    def statusword(self) -> int:
        """Statusword: the state's pattern plus 'voltage enabled' and 'remote'."""
        word = cia402.STATUSWORD_OF[self.state] | 0x0200
        if self.state in (PowerState.READY_TO_SWITCH_ON, PowerState.SWITCHED_ON,
                          PowerState.OPERATION_ENABLED):
            word |= 0x0010
        return word

    @property
    def torque_nm(self) -> float:
        """Torque the power stage produces now (N m)."""
        if self.state is not PowerState.OPERATION_ENABLED \
                or self.mode != cia402.MODE_CYCLIC_SYNC_TORQUE:
            return 0.0
        return self.target_per_mille * self.rated_torque_nm / 1000.0

    # ---------------------------------------------------------- SDO server hooks
    def _on_sdo_read(self, index: int, subindex: int, od: Any) -> int | None:
        with self._bus.lock:
            plant = self._bus.plant
            values = {
                cia402.STATUSWORD: self.statusword,
                cia402.MODES_DISPLAY: self.mode,
                cia402.ERROR_CODE: self.error_code,
                cia402.POSITION_ACTUAL: round(plant.q_robot_rad[self.joint]
                                              * self.counts_per_rad),
                cia402.VELOCITY_ACTUAL: round(plant.qd_robot_rad_s[self.joint]
                                              * self.counts_per_rad),
                cia402.TORQUE_ACTUAL: self.target_per_mille if self.torque_nm else 0,
            }
            return values.get(index)

    def _on_sdo_write(self, index: int, subindex: int, od: Any, data: bytes) -> None:
        with self._bus.lock:
            value = od.decode_raw(data)
            if index == cia402.CONTROLWORD:
                self.apply_controlword(value)
            elif index == cia402.MODES_OF_OPERATION:
                self.mode = value
            elif index == cia402.TARGET_TORQUE:
                self.target_per_mille = value if self.state is PowerState.OPERATION_ENABLED else 0
            self._bus.update_torque()

    # ---------------------------------------------------------- PDOs
    def on_rpdo1(self, can_id: int, data: bytearray, timestamp: float) -> None:
        """RPDO1: controlword + target torque."""
        controlword, target = cia402.RPDO1.unpack(bytes(data[:4]))
        with self._bus.lock:
            self.apply_controlword(controlword)
            self.target_per_mille = target if self.state is PowerState.OPERATION_ENABLED else 0
            self._bus.update_torque()

    def transmit_tpdos(self) -> None:
        """TPDO1 and TPDO2 with the present values (called on SYNC, lock held)."""
        plant = self._bus.plant
        pos = round(plant.q_robot_rad[self.joint] * self.counts_per_rad)
        vel = round(plant.qd_robot_rad_s[self.joint] * self.counts_per_rad)
        torque = round(self.torque_nm / self.rated_torque_nm * 1000.0)
        interaction = max(-32768, min(32767, round(
            plant.interaction_torque_nm[self.joint] * 100.0)))
        network = self._bus.network
        network.send_message(cia402.TPDO1_BASE + self.node_id,
                             cia402.TPDO1.pack(self.statusword, pos))
        network.send_message(cia402.TPDO2_BASE + self.node_id,
                             cia402.TPDO2.pack(vel, torque, interaction))


class SimulatedCia402Bus:
    """A set of simulated drives on one CAN channel, over one simulated plant.

    Parameters
    ----------
    plant
        The simulated robot + patient.
    clock
        Clock the plant is advanced to on every SYNC.
    node_ids
        One node id per joint, in joint order.
    rated_torque_nm
        Rated torque per drive (0x6076), N m.
    channel, interface
        python-can bus to sit on (``virtual`` in tests; a real channel would be a real bus).
    counts_per_rev
        Encoder resolution.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, plant: SimulatedPlant, clock: Clock, node_ids: tuple[int, ...],
                 rated_torque_nm: tuple[float, ...], channel: str = "rehab_robot",
                 interface: str = "virtual", counts_per_rev: int = 1 << 17) -> None:
        self.plant = plant
        self.clock = clock
        self.lock = threading.RLock()
        self.network = canopen.Network()
        self.network.NOTIFIER_CYCLE = 0.05     # quick shutdown; the bus is event driven
        self.drives = [SimulatedDrive(self, nid, j, rated_torque_nm[j], counts_per_rev)
                       for j, nid in enumerate(node_ids)]
        for drive in self.drives:
            self.network.add_node(drive.node)
        self.network.connect(interface=interface, channel=channel, receive_own_messages=False)
        for drive in self.drives:
            self.network.subscribe(cia402.RPDO1_BASE + drive.node_id, drive.on_rpdo1)
        self.network.subscribe(cia402.SYNC_COB_ID, self._on_sync)
        self.sync_count = 0

    def update_torque(self) -> None:
        """Hand the drives' present torques to the plant (lock held)."""
        self.plant.set_motor_torque(tuple(d.torque_nm for d in self.drives))

    def _on_sync(self, can_id: int, data: bytearray, timestamp: float) -> None:
        with self.lock:
            self.plant.advance_to(self.clock.now_s())
            self.sync_count += 1
            for drive in self.drives:
                drive.transmit_tpdos()

    def close(self) -> None:
        """Leave the bus."""
        self.network.disconnect()

    def __enter__(self) -> SimulatedCia402Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
