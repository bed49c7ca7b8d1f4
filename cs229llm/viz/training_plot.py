"""A live training plot for notebooks: loss and per-domain bits per byte, redrawn in place as the trainer reports."""

from __future__ import annotations

import time

from .live import LiveFigure


class LiveTrainingPlot:
    """A trainer callback drawing one figure, redrawn in place: train loss and per-domain bits per byte.

    Pass an instance in ``callbacks``; its ``.live`` is the :class:`cs229llm.viz.live.LiveFigure`.
    Redrawing costs a few hundred milliseconds, so train events redraw at most every
    ``min_interval_s`` seconds; evaluations and the end of training always redraw.
    """

    def __init__(self, figsize=(7, 3), min_interval_s: float = 2.0):
        self.min_interval_s = min_interval_s
        self._last_draw = float("-inf")

        self.train_steps: list[int] = []
        self.train_loss: list[float] = []
        self.eval_steps: list[int] = []
        self.eval_metrics: dict[str, list[float]] = {}
        self.tokens_per_s: list[float] = []
        self.live = LiveFigure(self._draw, nrows=1, ncols=2, figsize=figsize)

    def __call__(self, event: dict) -> None:
        if event["kind"] == "train":
            self.train_steps.append(event["step"])
            self.train_loss.append(event["loss"])
            self.tokens_per_s.append(event["tokens_per_s"])
        elif event["kind"] == "eval":
            self.eval_steps.append(event["step"])
            for key, value in event.items():
                if key.startswith("bpb/"):
                    self.eval_metrics.setdefault(key[4:], []).append(value)
        elif event["kind"] != "end":
            return
        now = time.perf_counter()
        if event["kind"] == "train" and now - self._last_draw < self.min_interval_s:
            return
        self.live.update(self)
        self._last_draw = time.perf_counter()

    @staticmethod
    def _draw(fig, axes, state) -> None:
        loss_axis, bpb_axis = axes
        loss_axis.plot(state.train_steps, state.train_loss, color="black")
        loss_axis.set_xlabel("step")
        loss_axis.set_ylabel("train loss (nats/token)")
        if state.tokens_per_s:
            loss_axis.set_title(f"{state.tokens_per_s[-1]:,.0f} tokens/s", fontsize=9)
        for domain, values in sorted(state.eval_metrics.items()):
            style = dict(color="black", linewidth=2.5) if domain == "all" else dict(linewidth=1)
            bpb_axis.plot(state.eval_steps[-len(values):], values, label=domain, **style)
        bpb_axis.set_xlabel("step")
        bpb_axis.set_ylabel("held-out bits per byte")
        if state.eval_metrics:
            bpb_axis.legend(fontsize=7, ncol=2)
