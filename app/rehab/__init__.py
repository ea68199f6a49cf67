"""Robot-assisted rehabilitation therapy: console, patient screen, scoring, robot client, store."""

__version__ = "0.1.0"
