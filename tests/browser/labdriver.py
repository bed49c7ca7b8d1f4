"""Drive JupyterLab in a real browser the way a learner does: open, run all, look, move sliders.

Course stage: the learner's view (issue 8). The checker is plain Python, so it is itself
tested against notebooks broken on purpose. A notebook passes only when the page shows no
error output, no traceback (also none inside an ``Output`` widget), no ``cs229llm-error``
element, no widget that failed to render, and no callback error lost in the kernel.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from lab_scripts import (
    JS_CLOSE,
    JS_IMAGE_HISTORY,
    JS_INSPECT,
    JS_KERNEL_STATUS,
    JS_OPEN,
    JS_PROGRESS,
    JS_RUN_ALL,
)
from labserver import REPO_ROOT, LabServer

ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
BROKEN_WIDGET_TEXTS = ("Loading widget...", "Error displaying widget")


@dataclass
class NotebookReport:
    """What a learner would see after Run All: problems found (empty means the notebook passed)."""

    name: str
    problems: list[str] = field(default_factory=list)
    code_cells: int = 0
    executed_cells: int = 0
    widget_views: int = 0
    images: int = 0
    seconds: float = 0.0
    finished: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One readable paragraph for a test failure message."""
        head = (f"{self.name}: {self.executed_cells}/{self.code_cells} code cells ran, "
                f"{self.widget_views} widget views, {self.images} images, {self.seconds:.1f} s")
        return "\n  - ".join([head] + self.problems)


class LabPage:
    """One browser page with JupyterLab loaded; notebooks are opened in it one at a time."""

    def __init__(self, server: LabServer, page):
        self.server = server
        self.page = page
        self.loaded = False
        self.current: LabNotebook | None = None

    def load(self, timeout: float = 90.0) -> None:
        """(Re)load JupyterLab and wait until the application has started and restored."""
        self.page.goto(f"{self.server.base_url}/lab?token={self.server.token}",
                       wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_function(
            "() => window.jupyterapp && document.querySelector('#jp-main-dock-panel')",
            timeout=timeout * 1000)
        self.page.evaluate("async () => { await window.jupyterapp.started;"
                           " await window.jupyterapp.restored; return true; }")
        self.loaded = True
        self.current = None

    def open_notebook(self, path: str, timeout: float = 90.0) -> "LabNotebook":
        """Open ``path`` (relative to the server root), closing the notebook open before."""
        self.close_current()
        if not self.loaded:
            self.load(timeout)
        notebook = LabNotebook(self, path)
        try:
            panel_id = self.page.evaluate(JS_OPEN, path)
        except Exception:  # the page is in a bad state (a crash, a dialog): reload once and retry
            self.load(timeout)
            panel_id = self.page.evaluate(JS_OPEN, path)
        notebook.panel_css = f'[id="{panel_id}"]'
        notebook.wait_kernel_idle(timeout)
        self.current = notebook
        return notebook

    def close_current(self) -> None:
        """Close the open notebook and shut down its kernel (reload the page if it misbehaves)."""
        if self.current is None:
            return
        self.current = None
        try:
            self.page.evaluate(JS_CLOSE)
        except Exception:  # a page in a bad state: start afresh next time
            self.loaded = False
        self.server.shutdown_kernels()


class LabNotebook:
    """One notebook open in the browser, with the helpers the tests use to look and act."""

    def __init__(self, lab: LabPage, path: str):
        self.lab = lab
        self.server = lab.server
        self.page = lab.page
        self.path = path
        self.name = Path(path).stem
        self.panel_css = ".jp-NotebookPanel"
        self.report: NotebookReport | None = None

    # --- running --------------------------------------------------------------------------
    def wait_kernel_idle(self, timeout: float = 60.0, settle: float = 0.3) -> None:
        """Wait until the kernel is connected and idle (still idle ``settle`` s later)."""
        deadline = time.monotonic() + timeout
        idle_since = None
        while time.monotonic() < deadline:
            if self.page.evaluate(JS_KERNEL_STATUS) == "idle":
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= settle:
                    return
            else:
                idle_since = None
            time.sleep(0.1)
        raise TimeoutError(f"{self.name}: kernel not idle after {timeout:.0f} s "
                           f"(status {self.page.evaluate(JS_KERNEL_STATUS)})")

    def run_all(self, timeout: float = 300.0) -> NotebookReport:
        """Run All Cells, wait for the run to end and the kernel to be idle, then inspect the page."""
        start = time.monotonic()
        log_offset = self.server.log_size()
        self.page.evaluate(JS_RUN_ALL)
        deadline = start + timeout
        progress = {}
        while time.monotonic() < deadline:
            progress = self.page.evaluate(JS_PROGRESS)
            if progress["runResult"] is not None and progress["status"] == "idle":
                break
            time.sleep(0.25)
        else:
            self.report = NotebookReport(self.name, problems=[
                f"Run All did not finish within {timeout:.0f} s "
                f"({progress.get('done')}/{progress.get('total')} cells ran)"],
                seconds=time.monotonic() - start, finished=False)
            return self.report
        self.wait_kernel_idle(60)
        report = self.inspect(wait_widgets=15.0, log_offset=log_offset)
        if progress["runResult"] == "failed":
            report.problems.append(f"run-all-cells failed: {progress['runError']}")
        report.seconds = time.monotonic() - start
        self.report = report
        return report

    def inspect(self, wait_widgets: float = 5.0, log_offset: int | None = None) -> NotebookReport:
        """Look at the page now: tracebacks, cs229llm-error elements, widget views that did not render.

        Widget views get up to ``wait_widgets`` seconds to finish loading before they count as
        broken; with ``log_offset``, the server log written since then is searched for errors
        raised in widget callbacks (they never reach a cell).
        """
        deadline = time.monotonic() + wait_widgets
        while True:
            found = self.page.evaluate(JS_INSPECT, [WIDGET_VIEW_MIME, list(BROKEN_WIDGET_TEXTS)])
            still_loading = any("Loading widget" in item for item in found["brokenWidgets"])
            if not still_loading or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        report = NotebookReport(self.name, code_cells=found["codeCells"],
                                executed_cells=found["executed"],
                                widget_views=found["widgetViews"], images=found["images"])
        if found["unexecuted"]:
            report.problems.append(f"cells never ran: {found['unexecuted']}")
        report.problems += [f"error output in {item}" for item in found["modelErrors"]]
        report.problems += [f"traceback shown in {item}" for item in found["domTracebacks"]]
        report.problems += [f"cs229llm-error in {item}" for item in found["appErrors"]]
        report.problems += [f"widget did not render in {item}" for item in found["brokenWidgets"]]
        shown = " ".join(found["modelErrors"] + found["domTracebacks"])
        for item in found["iopubErrors"]:
            if item.split(":")[0] not in shown:
                report.problems.append(f"kernel error not shown in a cell: {item.strip()[:300]}")
        if log_offset is not None:
            for line in self.server.log_since(log_offset).splitlines():
                if "Exception in comm_msg" in line or "Exception in comm_open" in line:
                    report.problems.append(f"kernel log: {line.strip()[:300]}")
        return report

    def image_history(self) -> dict[int, list[dict]]:
        """Per code cell, each distinct set of images it showed since Run All (``count``, ``signature``)."""
        return {int(k): v for k, v in self.page.evaluate(JS_IMAGE_HISTORY).items()}

    def close(self) -> None:
        """Close the notebook and shut down its kernel."""
        if self.lab.current is self:
            self.lab.close_current()

    # --- looking and acting -----------------------------------------------------------------
    def locator(self, css: str):
        """A Playwright locator for ``css`` inside this notebook's panel."""
        return self.page.locator(f"{self.panel_css} {css}")

    def count(self, css: str) -> int:
        """How many elements match ``css`` in the notebook."""
        return self.locator(css).count()

    def screenshot(self, css: str, name: str | None = None) -> Path:
        """Save a PNG of the first element matching ``css`` under ``test-artifacts/browser/``."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS_DIR / f"{name or self.name}.png"
        element = self.locator(css).first
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(target), scale="css", animations="disabled")
        return target

    def text_of(self, css: str, index: int = 0) -> str:
        """Visible text of the ``index``-th element matching ``css``."""
        return self.locator(css).nth(index).inner_text().strip()

    def image_sources(self, css: str = "") -> list[str]:
        """``src`` of every output image inside ``css`` (the whole notebook when empty)."""
        return self.locator(f"{css} img").evaluate_all(
            "imgs => imgs.map(i => i.getAttribute('src') || '')")

    def press_slider(self, slider_class: str, key: str, times: int = 1, index: int = 0) -> None:
        """Focus the handle of slider ``.slider_class`` and press ``key`` (ArrowRight, End, ...)."""
        handle = self.locator(f".{slider_class} .noUi-handle").nth(index)
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def set_slider(self, slider_class: str, value, index: int = 0) -> None:
        """Type ``value`` into the slider's readout box and press Enter (ipywidgets validates it)."""
        readout = self.locator(f".{slider_class} .widget-readout").nth(index)
        readout.scroll_into_view_if_needed()
        readout.click()
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.type(str(value))
        self.page.keyboard.press("Enter")

    def slider_value(self, slider_class: str, index: int = 0) -> str:
        """The value the slider's readout shows."""
        return self.locator(f".{slider_class} .widget-readout").nth(index).inner_text().strip()

    def wait_until(self, condition, what: str, timeout: float = 60.0) -> None:
        """Poll ``condition()`` until it is true; raise naming ``what`` if it never is."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {what} within {timeout:.0f} s")
            time.sleep(0.3)

    def wait_for_change(self, read, before, timeout: float = 60.0):
        """Poll ``read()`` until it differs from ``before``; return the new value or raise."""
        deadline = time.monotonic() + timeout
        value = read()
        while value == before and time.monotonic() < deadline:
            time.sleep(0.2)
            value = read()
        if value == before:
            raise AssertionError(f"{self.name}: nothing changed within {timeout:.0f} s "
                                 f"(still {str(before)[:200]!r})")
        return value


def numbers_in(text: str) -> dict[str, float]:
    """``"precision=0.97 recall=0.95"`` -> ``{"precision": 0.97, "recall": 0.95}``."""
    return {key: float(value) for key, value in
            re.findall(r"([A-Za-z_][\w\-]*)\s*[=:]\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)", text)}


@dataclass
class FigureTrace:
    """How the images of one cell changed during a run (from :meth:`LabNotebook.image_history`).

    ``in_place``: changes where the cell kept its number of images but one was redrawn;
    ``grew``: changes where the cell gained images; ``final_count``/``max_count``: images shown.
    """

    cell: int
    in_place: int
    grew: int
    final_count: int
    max_count: int


def figure_traces(history: dict[int, list[dict]]) -> dict[int, FigureTrace]:
    """Summarise each cell's image history (moments with no image, mid-redraw, are ignored)."""
    traces = {}
    for cell, entries in history.items():
        states = []
        for entry in entries:
            if entry["count"] == 0 and states:
                continue  # an output being replaced: removed, then drawn again
            if not states or states[-1] != (entry["count"], entry["signature"]):
                states.append((entry["count"], entry["signature"]))
        states = [state for state in states if state[0] > 0]
        if not states:
            continue
        pairs = list(zip(states, states[1:]))
        traces[cell] = FigureTrace(
            cell=cell,
            in_place=sum(1 for a, b in pairs if a[0] == b[0] and a[1] != b[1]),
            grew=sum(1 for a, b in pairs if b[0] > a[0]),
            final_count=states[-1][0],
            max_count=max(count for count, _ in states))
    return traces
