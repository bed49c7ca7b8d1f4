"""A live figure: one matplotlib figure that redraws in place while an experiment runs.

Use it for training curves and benchmark charts: the notebook shows one figure that
grows, not a new figure per step. Outside a notebook it does nothing visible.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import display


class LiveFigure:
    """A figure shown once and updated in place with :meth:`update`.

    Args:
        nrows, ncols, figsize: passed to ``plt.subplots``.
        draw: ``draw(fig, axes, state)`` redraws everything from ``state``; called by update.
    """

    def __init__(self, draw, nrows: int = 1, ncols: int = 1, figsize=(7, 3.2)):
        self.draw = draw
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        plt.close(self.fig)  # we display it ourselves, once
        self._handle = None
        self.updates = 0

    def update(self, state) -> None:
        """Clear the axes, redraw from ``state`` and refresh the one displayed figure."""
        axes = self.axes if hasattr(self.axes, "flat") else [self.axes]
        for axis in getattr(axes, "flat", axes):
            axis.clear()
        self.draw(self.fig, self.axes, state)
        self.fig.tight_layout()
        self.updates += 1
        if get_ipython() is None:
            return
        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)
