"""Reference data sets and the measures used to evaluate the vision pipeline against them.

Not part of a live session: tests, benchmarks and evaluation read these; the runtime
vision package (:mod:`rehab.vision`) never imports them (an import-linter contract keeps
it so). Like the vision maths, they import no MediaPipe, OpenCV, Qt or DDS.

- :mod:`~rehab.datasets.ui_prmd`: the UI-PRMD rehabilitation movements (Kinect v2 and
  Vicon), read onto the canonical skeleton;
- :mod:`~rehab.datasets.keraal`: KERAAL recordings (Kinect v2 and BlazePose of the same
  session);
- :mod:`~rehab.datasets.synthetic`: synthetic skeletons with known joint angles;
- :mod:`~rehab.datasets.agreement`: agreement of two sensors' joint angles of one
  movement (time alignment, RMSE, bias, correlation).
"""
