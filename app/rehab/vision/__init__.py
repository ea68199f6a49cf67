"""Vision: capture, pose backends, tracking, filtering, the canonical skeleton, joint angles.

The pure modules (:mod:`~rehab.vision.skeleton`, :mod:`~rehab.vision.angles`,
:mod:`~rehab.vision.filters`) import no MediaPipe, OpenCV, Qt or DDS; the adapters
(:mod:`~rehab.vision.capture`, :mod:`~rehab.vision.pose`) do, and are imported only where
used, so importing this package stays cheap. The reference data sets it is evaluated on
are in :mod:`rehab.datasets`.
"""
