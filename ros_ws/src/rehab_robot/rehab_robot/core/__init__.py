"""The pure robot core: no ROS, no DDS, no Qt imports (see ``api`` for the typed surface)."""
