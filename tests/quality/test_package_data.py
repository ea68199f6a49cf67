"""The shipped model is package data: found through importlib.resources in a checkout and
in a non-editable install (``pip install .``), where the repository around it is gone."""

from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rehab.quality.live import DEFAULT_MANIFEST
from rehab.quality.weights import load_model

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_manifest_is_inside_the_package() -> None:
    package = Path(str(importlib.resources.files("rehab.quality")))
    assert DEFAULT_MANIFEST.parent == package / "models"
    assert DEFAULT_MANIFEST.is_file()
    assert load_model(DEFAULT_MANIFEST).manifest["weights_file"] == "form_quality_v1.pt"


def _data_files(app: Path) -> set[str]:
    """Every non-Python file of the package, as a wheel names it (``rehab/...``)."""
    return {p.relative_to(app).as_posix() for p in (app / "rehab").rglob("*")
            if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_a_non_editable_install_carries_the_weights_and_loads_them(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "app", src / "app",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(tmp_path / "dist")], check=True, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("rehab-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _data_files(src / "app") - names
    assert not missing, f"data files left out of the wheel: {sorted(missing)}"

    site = tmp_path / "site"
    subprocess.run([*pip, "install", str(wheel), "--no-deps", "--no-index", "--target",
                    str(site)], check=True, cwd=tmp_path)
    probe = ("import rehab; from rehab.quality.live import DEFAULT_MANIFEST, warm_up; "
             "warm_up(); print(rehab.__file__); print(DEFAULT_MANIFEST)")
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", probe], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True).stdout.splitlines()
    assert Path(out[0]).is_relative_to(site)
    assert Path(out[1]) == site / "rehab" / "quality" / "models" / "form_quality_v1.json"
