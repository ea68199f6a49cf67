"""The ``rehab`` command line.

Each domain adds its own command group in a module of this package; this module only
assembles them and turns :class:`~rehab.errors.RehabError` into one clear line.
"""

from __future__ import annotations

import logging
import sys

import click

from rehab import __version__
from rehab.cli.analyze import analyze, exercises
from rehab.cli.console import console
from rehab.cli.db import db
from rehab.cli.demo import demo
from rehab.cli.eval import eval_group
from rehab.cli.export import export, report
from rehab.cli.model import model
from rehab.cli.patients import patients
from rehab.cli.robot import robot
from rehab.cli.users import users
from rehab.errors import RehabError


class _Group(click.Group):
    """A click group that reports app errors as one line and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RehabError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rehab")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Robot-assisted rehabilitation: database, robot, analysis and the console."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


cli.add_command(analyze)
cli.add_command(exercises)
cli.add_command(console)
cli.add_command(db)
cli.add_command(demo)
cli.add_command(eval_group)
cli.add_command(model)
cli.add_command(patients)
cli.add_command(export)
cli.add_command(report)
cli.add_command(robot)
cli.add_command(users)


def main() -> None:
    """Console entry point."""
    sys.exit(cli.main(prog_name="rehab", standalone_mode=True))
