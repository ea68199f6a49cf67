"""Exercises: the exercise library, rep segmentation, compensations and form scoring.

Pure: imports no Qt, no robot transport and no MediaPipe (an import-linter contract holds it).
"""
