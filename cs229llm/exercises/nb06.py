"""Notebook 06: exercises (filled in by the catalogue for that notebook)."""

from .core import register

register()
