"""Widgets and live plots the notebooks share (one figure that redraws in place)."""
