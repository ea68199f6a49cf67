"""CiA 402 servo drives over CANopen (``canopen`` + ``python-can``), cyclic synchronous torque.

Implements :class:`rehab_robot.core.api.ActuatorDriver`. One drive per joint. Configuration
and the power state machine go over SDO (modes of operation 0x6060 = 10, controlword 0x6040
walked Switch on disabled -> Ready to switch on -> Switched on -> Operation enabled while
the statusword 0x6041 is checked at every step); the cyclic exchange uses the PDO layout in
:mod:`rehab_robot.drivers.cia402`: every :meth:`Cia402Driver.read` sends SYNC and waits for each
drive's TPDO1/TPDO2, every :meth:`Cia402Driver.write_torque` sends each drive's RPDO1.

Faults: a statusword with the fault bit set, a drive that left Operation enabled, or a
missing TPDO comes back as ``SensorReading.fault`` (the supervisor then faults and zeroes
the torque); an SDO failure or an unreachable bus raises :class:`DriverError`.
:meth:`Cia402Driver.enable` with ``False`` disables the voltage and acknowledges a drive fault
(fault reset), so that a fault whose cause is gone can be cleared by the controller's reset.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import can
import canopen
from canopen.sdo.exceptions import SdoError

from rehab_robot.core.api import Clock, SensorReading
from rehab_robot.core.errors import DriverError
from rehab_robot.drivers import cia402
from rehab_robot.drivers.cia402 import PowerState

logger = logging.getLogger(__name__)

_PdoCallback = Callable[[int, bytearray, float], None]


class _NodeLink:
    """Driver-side view of one drive: its SDO client and its latest TPDO values."""

    def __init__(self, node: canopen.RemoteNode, name: str) -> None:
        self.node = node
        self.name = name
        self.rated_torque_nm = 0.0
        self.statusword = 0
        self.position_counts = 0
        self.velocity_counts_s = 0
        self.interaction_centi_nm = 0
        self.tpdo1_seq = -1
        self.tpdo2_seq = -1
        self.fault_text = ""


class Cia402Driver:
    """Joint torque control of CiA 402 drives in cyclic synchronous torque mode.

    Parameters
    ----------
    network
        A connected :class:`canopen.Network` (see :meth:`open`).
    node_ids
        Node id of each joint's drive, in joint order.
    joint_names
        The joints, in the controller's order.
    clock
        The controller's clock (stamps readings).
    counts_per_rev
        Encoder counts per joint revolution (position and velocity scaling).
    sync_timeout_s
        How long :meth:`read` waits for the TPDOs after SYNC (real time: this is the bus).
    state_timeout_s
        How long each enable step waits for the statusword to show the new state.

    Raises
    ------
    DriverError
        If a drive does not answer its SDO requests.
    """

    def __init__(self, network: canopen.Network, node_ids: tuple[int, ...],
                 joint_names: tuple[str, ...], clock: Clock, counts_per_rev: int = 1 << 17,
                 sync_timeout_s: float = 0.02, state_timeout_s: float = 0.5) -> None:
        if len(node_ids) != len(joint_names):
            raise ValueError("one node id per joint")
        self._network = network
        self._owns_network = False
        self._names = tuple(joint_names)
        self._clock = clock
        self._rad_per_count = 2.0 * math.pi / counts_per_rev
        self._sync_timeout_s = sync_timeout_s
        self._state_timeout_s = state_timeout_s
        self._cond = threading.Condition()
        self._sync_seq = 0
        self._enabled = False
        self._links = []
        for nid, name in zip(node_ids, joint_names, strict=True):
            link = _NodeLink(network.add_node(nid, cia402.object_dictionary(nid)), name)
            network.subscribe(cia402.TPDO1_BASE + nid, self._tpdo1_handler(link))
            network.subscribe(cia402.TPDO2_BASE + nid, self._tpdo2_handler(link))
            self._links.append(link)
        for link in self._links:
            rated_mnm = self._sdo_read(link, cia402.RATED_TORQUE)
            if rated_mnm <= 0:
                raise DriverError(f"{link.name} drive reports a rated torque of {rated_mnm} mN m")
            link.rated_torque_nm = rated_mnm / 1000.0

    @classmethod
    def open(cls, channel: str, interface: str, node_ids: tuple[int, ...],
             joint_names: tuple[str, ...], clock: Clock, **kwargs: float) -> Cia402Driver:
        """Connect to a CAN bus and the drives on it (the driver closes the bus on close).

        Raises
        ------
        DriverError
            If the bus cannot be opened or a drive does not answer.
        """
        network = canopen.Network()
        network.NOTIFIER_CYCLE = 0.05
        try:
            network.connect(interface=interface, channel=channel)
        except (can.CanError, OSError, ValueError) as exc:
            raise DriverError(f"cannot open CAN {interface}:{channel}: {exc}") from exc
        try:
            driver = cls(network, node_ids, joint_names, clock, **kwargs)
        except DriverError:
            network.disconnect()
            raise
        driver._owns_network = True
        return driver

    # ------------------------------------------------------------ ActuatorDriver
    @property
    def joint_names(self) -> tuple[str, ...]:
        """The driven joints."""
        return self._names

    def enable(self, on: bool) -> None:
        """Walk every drive to Operation enabled (CST) or back to Switch on disabled.

        Disabling goes over PDO only, so it never blocks the control loop on SDO time-outs
        (it is called on the way into a fault); it also acknowledges a drive fault (rising
        edge of controlword bit 7), which clears if its cause is gone.
        """
        if not on:
            self._enabled = False
            with self._cond:
                faulted = [bool(lk.statusword & cia402.SW_FAULT_BIT) for lk in self._links]
            for link, fault in zip(self._links, faulted, strict=True):
                if fault:
                    self._send_rpdo(link, cia402.CW_FAULT_RESET, 0)
                self._send_rpdo(link, cia402.CW_DISABLE_VOLTAGE, 0)
            return
        for link in self._links:
            self._sdo_write(link, cia402.MODES_OF_OPERATION, cia402.MODE_CYCLIC_SYNC_TORQUE)
            self._sdo_write(link, cia402.TARGET_TORQUE, 0)
            state = cia402.decode_statusword(self._sdo_read(link, cia402.STATUSWORD))
            if state is PowerState.FAULT:
                raise DriverError(f"{link.name} drive is in fault: reset first")
            for command, wanted in ((cia402.CW_SHUTDOWN, PowerState.READY_TO_SWITCH_ON),
                                    (cia402.CW_SWITCH_ON, PowerState.SWITCHED_ON),
                                    (cia402.CW_ENABLE_OPERATION, PowerState.OPERATION_ENABLED)):
                self._sdo_write(link, cia402.CONTROLWORD, command)
                self._wait_state(link, wanted)
            mode = self._sdo_read(link, cia402.MODES_DISPLAY)
            if mode != cia402.MODE_CYCLIC_SYNC_TORQUE:
                raise DriverError(f"{link.name} drive runs mode {mode}, not cyclic sync torque")
        self._enabled = True

    def read(self) -> SensorReading:
        """SYNC, then the drives' TPDOs: positions, velocities, interaction torques, faults."""
        with self._cond:
            self._sync_seq += 1
            seq = self._sync_seq
        try:
            self._network.send_message(cia402.SYNC_COB_ID, b"")
        except can.CanError as exc:
            raise DriverError(f"cannot send SYNC: {exc}") from exc
        deadline = time.monotonic() + self._sync_timeout_s
        with self._cond:
            while not all(lk.tpdo1_seq >= seq and lk.tpdo2_seq >= seq for lk in self._links):
                left = deadline - time.monotonic()
                if left <= 0.0:
                    missing = [lk.name for lk in self._links
                               if lk.tpdo1_seq < seq or lk.tpdo2_seq < seq]
                    return self._reading(f"no PDO from the {', '.join(missing)} drive(s) "
                                         f"within {self._sync_timeout_s * 1000:.0f} ms")
                self._cond.wait(left)
            reading = self._reading("")
            statuswords = [lk.statusword for lk in self._links]
        # Outside the lock: reading an error code is an SDO exchange whose answer arrives
        # on the same notifier thread that delivers the PDOs.
        fault = self._fault_text(statuswords)
        return SensorReading(reading.t_s, reading.position_rad, reading.velocity_rad_s,
                             reading.interaction_torque_nm, fault) if fault else reading

    def write_torque(self, torque_nm: tuple[float, ...]) -> None:
        """RPDO1 to each drive: controlword and target torque (per mille of rated)."""
        controlword = cia402.CW_ENABLE_OPERATION if self._enabled else cia402.CW_DISABLE_VOLTAGE
        for link, tau in zip(self._links, torque_nm, strict=True):
            per_mille = round(tau / link.rated_torque_nm * 1000.0) if self._enabled else 0
            self._send_rpdo(link, controlword, max(-32768, min(32767, per_mille)))

    def _send_rpdo(self, link: _NodeLink, controlword: int, target_per_mille: int) -> None:
        try:
            self._network.send_message(cia402.RPDO1_BASE + link.node.id,
                                       cia402.RPDO1.pack(controlword, target_per_mille))
        except can.CanError as exc:
            raise DriverError(f"cannot send the {link.name} RPDO: {exc}") from exc

    def close(self) -> None:
        """Disable the drives and, if this driver opened it, close the bus."""
        try:
            self.enable(False)
        except DriverError as exc:
            logger.warning("could not disable the drives on close: %s", exc)
        finally:
            if self._owns_network:
                self._network.disconnect()

    # ------------------------------------------------------------ internals
    def _tpdo1_handler(self, link: _NodeLink) -> _PdoCallback:
        def handle(can_id: int, data: bytearray, timestamp: float) -> None:
            statusword, position = cia402.TPDO1.unpack(bytes(data[:6]))
            with self._cond:
                link.statusword, link.position_counts = statusword, position
                link.tpdo1_seq = self._sync_seq
                self._cond.notify_all()
        return handle

    def _tpdo2_handler(self, link: _NodeLink) -> _PdoCallback:
        def handle(can_id: int, data: bytearray, timestamp: float) -> None:
            velocity, _torque, interaction = cia402.TPDO2.unpack(bytes(data[:8]))
            with self._cond:
                link.velocity_counts_s, link.interaction_centi_nm = velocity, interaction
                link.tpdo2_seq = self._sync_seq
                self._cond.notify_all()
        return handle

    def _reading(self, fault: str) -> SensorReading:
        k = self._rad_per_count
        return SensorReading(
            t_s=self._clock.now_s(),
            position_rad=tuple(lk.position_counts * k for lk in self._links),
            velocity_rad_s=tuple(lk.velocity_counts_s * k for lk in self._links),
            interaction_torque_nm=tuple(lk.interaction_centi_nm / 100.0 for lk in self._links),
            fault=fault)

    def _fault_text(self, statuswords: list[int]) -> str:
        """Fault description from the statuswords; each fault's error code is read once."""
        problems = []
        for link, word in zip(self._links, statuswords, strict=True):
            state = cia402.decode_statusword(word)
            if word & cia402.SW_FAULT_BIT:
                if not link.fault_text:
                    link.fault_text = f"{link.name} drive fault"
                    try:
                        code = self._sdo_read(link, cia402.ERROR_CODE)
                        link.fault_text += f" (error code 0x{code:04X})"
                    except DriverError as exc:
                        logger.warning("cannot read the error code: %s", exc)
                problems.append(link.fault_text)
                continue
            link.fault_text = ""
            if self._enabled and state is not PowerState.OPERATION_ENABLED:
                problems.append(f"{link.name} drive left operation enabled "
                                f"({state.value if state else hex(word)})")
        return "; ".join(problems)

    def _wait_state(self, link: _NodeLink, wanted: PowerState) -> None:
        deadline = time.monotonic() + self._state_timeout_s
        while True:
            word = self._sdo_read(link, cia402.STATUSWORD)
            state = cia402.decode_statusword(word)
            if state is wanted:
                return
            if state is PowerState.FAULT or time.monotonic() > deadline:
                raise DriverError(f"{link.name} drive did not reach '{wanted.value}' "
                                  f"(statusword 0x{word:04X}: {state.value if state else '?'})")
            time.sleep(0.001)   # polling real hardware over SDO; not in the control path

    def _sdo_read(self, link: _NodeLink, index: int) -> int:
        try:
            return int(link.node.sdo[index].raw)
        except (SdoError, can.CanError) as exc:
            raise DriverError(f"{link.name} drive: SDO read 0x{index:04X} failed: {exc}") from exc

    def _sdo_write(self, link: _NodeLink, index: int, value: int) -> None:
        try:
            link.node.sdo[index].raw = value
        except (SdoError, can.CanError) as exc:
            raise DriverError(f"{link.name} drive: SDO write 0x{index:04X} failed: "
                              f"{exc}") from exc
