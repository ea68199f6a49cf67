"""The demo centre as the console opens it: seeded data and the demo's own settings file."""

from __future__ import annotations

from pathlib import Path

from rehab.demo import seed_demo
from rehab.demo_run import HeadlessOptions, demo_video
from rehab.store import Store
from rehab.ui.i18n import Language
from rehab.ui.models.settings import ConsoleSettings, save_settings

DEMO_SETTINGS_NAME = "demo_console.json"


def prepare_demo(options: HeadlessOptions, domain_id: int) -> tuple[Path, int]:
    """Seed the centre and write the demo's console settings.

    The settings are kept in the data folder, not in the user's own settings file.

    Parameters
    ----------
    options
        The demo's data folder, camera or video, and language.
    domain_id
        The DDS domain of the simulated robot node.

    Returns
    -------
    tuple of (Path, int)
        The settings file written and the demo patient's id.
    """
    with Store.open(options.data_dir) as store:
        patient_id = seed_demo(store).patient.id
    camera = str(options.camera) if options.camera is not None else str(
        options.video or demo_video())
    path = options.data_dir / DEMO_SETTINGS_NAME
    save_settings(ConsoleSettings(camera=camera, dds_domain_id=domain_id,
                                  language=Language(options.language),
                                  data_dir=str(options.data_dir)), path)
    return path, patient_id
