"""``python -m rehab.cli``: the ``rehab`` command."""

from rehab.cli import main

main()
