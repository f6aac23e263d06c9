"""Vigía: the application layer (settings, pipeline steps, CLI, demo) over the stage packages."""

__version__ = "0.1.0"
