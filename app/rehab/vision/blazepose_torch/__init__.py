"""MediaPipe BlazePose (pose detector + full landmark model) re-run in torch.

The networks' weights are read from the installed mediapipe 0.10.21 wheel at run time
(checked by SHA-256, never downloaded) and translated operator by operator
(:mod:`.graph`); the pre- and post-processing follows MediaPipe's 0.10.21 graphs.
"""
