"""The patient's guided-exercise screen (Qt views of :mod:`rehab.ui.models.patient`)."""
