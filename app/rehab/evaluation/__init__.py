"""Evaluation of the measurement on public data sets (read by the CLI and benchmarks only)."""
