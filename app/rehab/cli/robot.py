"""``rehab robot``: run the simulated robot node, watch it, stop it.

``rehab robot sim`` runs the robot node (simulated robot and patient) in the foreground;
``rehab robot status`` listens to it for a moment and prints what it publishes. Both use
Cyclone DDS on loopback unless ``CYCLONEDDS_URI`` says otherwise, on ``$ROS_DOMAIN_ID``.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING

import click

from rehab.errors import RobotError

if TYPE_CHECKING:
    from rehab.robot import RobotClient, Telemetry

domain_option = click.option(
    "--domain-id", type=click.IntRange(0, 232), default=None,
    help="DDS domain (default: $ROS_DOMAIN_ID or 0).")


@click.group()
def robot() -> None:
    """Run the simulated robot node and talk to it over ROS 2 (Cyclone DDS)."""


@robot.command()
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="robot.yaml to use (default: the package's).")
@domain_option
@click.option("--duration-s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop after this many seconds (default: run until Ctrl-C).")
@click.option("--rt-priority", type=click.IntRange(0, 99), default=50, show_default=True,
              help="SCHED_FIFO priority of the control loop (0: normal scheduling); "
                   "without root or an rtprio limit it runs normally, with a warning.")
@click.option("--unique-check-s", type=click.FloatRange(min=0), default=1.5,
              show_default=True,
              help="Listen this long for another robot node on the domain before starting, "
                   "and refuse to start if one runs (0: do not check).")
def sim(config_path: str | None, domain_id: int | None, duration_s: float | None,
        rt_priority: int, unique_check_s: float) -> None:
    """Run the robot node with the simulated robot and patient until Ctrl-C."""
    from rehab_robot.core.errors import RobotCoreError
    from rehab_robot.node_dds import run_simulated
    from rehab_robot.transport.graph import DuplicateNodeError
    from rehab_robot.transport.participant import ensure_cyclonedds_uri

    uri = ensure_cyclonedds_uri()
    click.echo(f"Robot node (simulated robot + patient) on DDS domain "
               f"{_domain(domain_id)}, {uri}. Ctrl-C to stop.")
    try:
        status = run_simulated(config_path, domain_id, duration_s, rt_priority,
                               unique_check_s=unique_check_s)
    except DuplicateNodeError as exc:
        raise RobotError(f"robot node not started: {exc}") from exc
    except RobotCoreError as exc:
        raise RobotError(f"robot node: {exc}") from exc
    if status != 0:
        raise RobotError("robot node stopped on an internal error (robot left in e-stop); "
                         "see the log above")
    click.echo("Robot node stopped; actuators disabled.")


@robot.command()
@domain_option
@click.option("--wait-s", type=click.FloatRange(min=0.5), default=2.0, show_default=True,
              help="How long to listen.")
def status(domain_id: int | None, wait_s: float) -> None:
    """Listen to the robot node and print its state, mode, joints and rates."""
    from rehab.robot import RobotConflictError

    with _watch(domain_id) as client:
        start_s = time.monotonic()
        try:
            client.wait_for(lambda: client.status is not None, timeout_s=wait_s)
        except RobotConflictError:
            raise
        except RobotError:
            raise RobotError(
                f"no robot node answered on DDS domain {_domain(domain_id)} within "
                f"{wait_s:.1f} s (is `rehab robot sim` running?)") from None
        first = client.telemetry_count
        client.drain_telemetry()
        window_s = max(0.5, wait_s - (time.monotonic() - start_s))
        time.sleep(window_s)  # real cross-process I/O: the window measures the live rate
        if client.conflict is not None:
            # Two nodes' statuses and joint states would be blended: print none of it.
            raise client.conflict
        samples = client.drain_telemetry()
        rate_hz = (client.telemetry_count - first) / window_s
        _print_status(client, samples, rate_hz)


@robot.command()
@domain_option
def estop(domain_id: int | None) -> None:
    """Emergency stop: zero torque at once, latched until `rehab robot reset`."""
    with _watch(domain_id) as client:
        click.echo(client.estop())


@robot.command()
@domain_option
def reset(domain_id: int | None) -> None:
    """Clear an e-stop, fault or safe stop (the robot returns to idle)."""
    with _watch(domain_id) as client:
        click.echo(client.reset())


def _domain(domain_id: int | None) -> int:
    return domain_id if domain_id is not None else int(os.environ.get("ROS_DOMAIN_ID", "0"))


def _watch(domain_id: int | None) -> RobotClient:
    """A client that sends no heartbeats: watching must not keep the robot alive."""
    from rehab.robot import ClientSettings, connect

    return connect(domain_id, ClientSettings(client_id="rehab-cli", send_heartbeats=False))


def _print_status(client: RobotClient, samples: list[Telemetry], rate_hz: float) -> None:
    st = client.status
    click.echo(f"state:  {st.state.value}   mode: {st.mode.value}   link: "
               f"{client.link_state().value}")
    if st.reason:
        click.echo(f"reason: {st.reason}" + (f" [{st.reason_code}]" if st.reason_code else ""))
    if st.fault:
        click.echo(f"fault:  {st.fault}")
    click.echo(f"rep:    {st.rep}/{st.reps_total}   assistance: {st.assistance:.2f}   "
               f"heartbeat age: "
               + ("none yet" if st.heartbeat_age_s is None else f"{st.heartbeat_age_s:.2f} s"))
    if st.last_command_id:
        verdict = "accepted" if st.last_command_accepted else "refused"
        click.echo(f"last command: #{st.last_command_seq} {st.last_command_id} {verdict}"
                   + (f" [{st.last_command_code}]" if st.last_command_code else "")
                   + (f" ({st.last_command_reason})" if not st.last_command_accepted
                      and st.last_command_reason else ""))
    sample = samples[-1] if samples else client.latest_telemetry
    if sample is not None:
        click.echo("joints:")
        for i, name in enumerate(sample.names):
            click.echo(f"  {name:<20} {math.degrees(sample.position_rad[i]):8.2f} deg "
                       f"{math.degrees(sample.velocity_rad_s[i]):8.2f} deg/s "
                       f"{sample.effort_nm[i]:7.2f} N m")
    click.echo(f"rates:  joint_states {rate_hz:.1f} Hz, control loop "
               f"{st.control_rate_hz:.1f} Hz")
