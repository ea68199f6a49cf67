"""Running a live session: capture, pose, scoring, robot and storage on one clock."""
