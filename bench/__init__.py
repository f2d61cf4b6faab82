"""Benchmarks (run as commands, not tests)."""
