"""Ops Center core: configuration, the shared store, alarm lifecycle and read-side queries.

This package knows nothing of Dash or OpenCV; ``detectors`` and ``layouts`` build on it.
"""
