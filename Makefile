# `make demo` and `make test` each build .venv when it is missing or stale and install
# everything they need, Debian packages included when run as root.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
DEB_PACKAGES := fonts-noto-cjk poppler-utils libgl1 libegl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 \
	speech-dispatcher speech-dispatcher-espeak-ng espeak-ng libspeechd2 libpulse0 \
	libdbus-1-3 libfontconfig1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
ROS_PACKAGES := $(wildcard ros_ws/src/rehab_robot/setup.py)

.PHONY: demo test lint bench clean-venv debs

demo: $(STAMP)
	$(VENV)/bin/rehab demo

test: $(STAMP)
	$(VENV)/bin/ruff check app tests benchmarks ros_ws/src
	$(VENV)/bin/lint-imports setup.cfg
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests benchmarks ros_ws/src
	$(VENV)/bin/lint-imports setup.cfg

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

# Debian packages: only as root and only those missing, so a developer's machine is left alone.
debs:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		missing=""; for p in $(DEB_PACKAGES); do \
			dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		fi; \
	else echo "Not root: skipping Debian packages ($(DEB_PACKAGES))"; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first, pinned: that release is a local CPU build here; a bare requirement
# would pull several GB of CUDA build instead.
$(STAMP): $(VENV)/bin/python setup.cfg pyproject.toml $(ROS_PACKAGES) | debs
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	$(if $(ROS_PACKAGES),$(PIP) install --quiet -e ros_ws/src/rehab_robot)
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
