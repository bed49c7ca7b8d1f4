"""Fixtures for the browser suite: one JupyterLab server and one headless Chromium per session.

The server serves a temporary copy of ``notebooks/`` (a run never edits committed files)
with the ci profile; both processes are shut down at the end even when tests fail. Where no
browser can be had the suite is skipped with the reason, except in CI (``CI=true``) where
that is a failure. Tests are grouped by notebook so each notebook is run once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from labdriver import LabPage  # noqa: E402
from labserver import (  # noqa: E402
    CHROMIUM_ARGS,
    BrowserUnavailable,
    LabServer,
    browser_required,
    copy_notebooks,
    find_chromium,
)

NOTEBOOK_TIMEOUT_S = float(os.environ.get("CS229LLM_BROWSER_NOTEBOOK_TIMEOUT", "480"))
BROWSER_DIR = Path(__file__).parent


def notebook_key(item) -> str:
    """The notebook (two-digit prefix) a browser test is about, "~" (last) for the others."""
    callspec = getattr(item, "callspec", None)
    if callspec and "notebook" in callspec.params:
        return str(callspec.params["notebook"])[:2]
    marker = item.get_closest_marker("notebook")
    return marker.args[0][:2] if marker else "~"


def order_within_notebook(item) -> int:
    """Within one notebook: the Run All check first, named interactions next, slider sweeps last."""
    return {"test_notebook_runs_clean_in_lab": 0,
            "test_every_panel_answers_its_controls": 2}.get(getattr(item, "originalname", ""), 1)


def pytest_collection_modifyitems(config, items):
    """Mark everything here ``browser`` and keep the tests of one notebook together."""
    ours = [item for item in items if BROWSER_DIR in Path(str(item.fspath)).parents]
    if not ours:
        return
    for item in ours:
        item.add_marker(pytest.mark.browser)
    first = items.index(ours[0])
    mine = set(ours)
    rest = [item for item in items if item not in mine]
    ordered = sorted(ours, key=lambda item: (notebook_key(item), order_within_notebook(item)))
    items[:] = rest[:first] + ordered + rest[first:]


def pytest_configure(config):
    config.addinivalue_line("markers", "notebook(prefix): the course notebook a browser test uses")


def unavailable(reason: str):
    """Skip, or fail in CI where the browser suite must run."""
    if browser_required():
        pytest.fail(f"browser suite required here (CI) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium executable (skip, or fail in CI, when there is none)."""
    try:
        return find_chromium()
    except BrowserUnavailable as error:
        unavailable(str(error))


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """A temporary copy of the course notebooks: the folder JupyterLab serves."""
    return copy_notebooks(tmp_path_factory.mktemp("browser") / "notebooks")


def _terminate_as_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def lab_server(chromium_path, lab_root, tmp_path_factory):
    """JupyterLab on the temporary notebooks; stopped at the end, also on failure or SIGTERM."""
    server = LabServer(lab_root, tmp_path_factory.mktemp("jupyterlab"))
    # a CI timeout sends SIGTERM: turn it into KeyboardInterrupt so the teardown below runs
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt) if in_main_thread else None
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium driven by Playwright; closed (and the driver stopped) at the end."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        try:
            # launch() gives every run a fresh temporary profile (user data dir)
            instance = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                                  args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            unavailable(f"Chromium at {chromium_path} did not start: {str(error)[:500]}")
        try:
            yield instance
        finally:
            instance.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def lab(lab_server, browser):
    """The one JupyterLab page of the session; ``lab.open_notebook(path)`` opens a notebook."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    lab_page = LabPage(lab_server, page)
    try:
        lab_page.load()
        yield lab_page
    finally:
        lab_page.close_current()
        context.close()


class CourseNotebooks:
    """Runs each course notebook once (Run All) and hands the open notebook to the tests."""

    def __init__(self, lab: LabPage, root: Path):
        self.lab = lab
        self.root = root
        self.current = None
        self.failed: dict[str, str] = {}  # notebook -> why it could not be opened

    def path_for(self, prefix: str) -> str | None:
        matches = sorted(self.root.glob(f"{prefix}*.ipynb"))
        return matches[0].name if matches else None

    def get(self, prefix: str):
        """The notebook whose name starts with ``prefix``, already run; skip if not written yet."""
        name = self.path_for(prefix)
        if name is None:
            pytest.skip(f"notebook {prefix}* not in notebooks/ yet")
        if name in self.failed:
            pytest.fail(self.failed[name], pytrace=False)
        if self.current is None or self.current.path != name or self.lab.current is not self.current:
            try:
                self.current = self.lab.open_notebook(name)
            except Exception as error:
                self.failed[name] = f"{name} could not be opened in JupyterLab: {error}"
                raise
            self.current.run_all(timeout=NOTEBOOK_TIMEOUT_S)
        elif not self.current.report.finished:  # no use waiting on it again for every test
            pytest.fail(self.current.report.summary(), pytrace=False)
        return self.current


@pytest.fixture(scope="session")
def course(lab, lab_root) -> CourseNotebooks:
    """``course.get("04")``: notebook 04 open in the page, already run once."""
    return CourseNotebooks(lab, lab_root)
