"""Drive JupyterLab in a real browser the way a learner does: open, run all, look, move sliders.

The browser suite (``tests/browser``) uses this module; it is plain Python so the checker
itself can be tested against a notebook that is broken on purpose. Notable: the server and
the browser are started in their own process group / temp profile and always torn down,
and a notebook "passes" only when what the page shows has no traceback, no
``cs229llm-error`` element and no widget that failed to render.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
BROKEN_WIDGET_TEXTS = ("Loading widget...", "Error displaying widget")

# JupyterLab user settings for the test server: every cell attached to the page (no
# virtual scrolling, so every output is in the DOM), no news/update requests, no autosave.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


class BrowserUnavailable(RuntimeError):
    """No usable Chromium (or Playwright) on this machine."""


def truthy_env(name: str) -> bool:
    """True when the environment variable ``name`` is set to something like 1/true/yes."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def browser_required() -> bool:
    """In CI (``CI=true``) or with ``CS229LLM_REQUIRE_BROWSER=1`` a missing browser is a failure."""
    return truthy_env("CI") or truthy_env("CS229LLM_REQUIRE_BROWSER")


def find_chromium() -> str:
    """Path of the Chromium executable: ``$CS229LLM_CHROMIUM``, else Debian's ``/usr/bin/chromium``.

    Raises:
        BrowserUnavailable: with the reason and how to install it.
    """
    candidate = os.environ.get("CS229LLM_CHROMIUM", DEFAULT_CHROMIUM)
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise BrowserUnavailable(
            f"no Chromium at {candidate} (install it with `apt-get install -y chromium`, "
            "or run `make browser`; set CS229LLM_CHROMIUM to use another build)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise BrowserUnavailable(f"the playwright package is missing ({error}); run `make venv`")
    return candidate


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_notebooks(destination: Path, source: Path = NOTEBOOKS_DIR) -> Path:
    """Copy the course notebooks so a run never touches committed files.

    A notebook whose py:percent source has no ``.ipynb`` yet gets one (unexecuted) in the copy.
    """
    shutil.copytree(source, destination,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for script in sorted(destination.glob("[0-9][0-9]_*.py")):
        target = script.with_suffix(".ipynb")
        if not target.exists():
            import jupytext

            jupytext.write(jupytext.read(script), target)
    return destination


def course_notebooks(directory: Path = NOTEBOOKS_DIR) -> list[str]:
    """Names (``NN_name``) of the course notebooks, ``.ipynb`` or py:percent source, in lecture order."""
    names = {path.stem for pattern in ("[0-9][0-9]_*.ipynb", "[0-9][0-9]_*.py")
             for path in directory.glob(pattern)}
    return sorted(names)


class LabServer:
    """A JupyterLab server on 127.0.0.1 with a random token, in its own process group.

    Args:
        root_dir: folder the server shows (a temporary copy of the notebooks).
        work_dir: scratch folder for settings, runtime files, the log and run directories.
        env: extra environment for the server and its kernels.
    """

    def __init__(self, root_dir: Path, work_dir: Path, env: dict[str, str] | None = None):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.extra_env = dict(env or {})
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = self.work_dir / "jupyterlab.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        settings = self.work_dir / "lab-settings"
        for relative, values in LAB_SETTINGS.items():
            path = settings / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        # runs and caches stay where the course keeps them (as for a learner and nbval), so
        # a run prepared once (tokenizer, proxy runs) is reused rather than recomputed
        env = dict(os.environ)
        env.update({
            "CS229LLM_PROFILE": "ci",
            "CS229LLM_THREADS": "2",
            "OMP_NUM_THREADS": "2",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.work_dir / "lab-workspaces"),
            "JUPYTER_CONFIG_DIR": str(self.work_dir / "jupyter-config"),
            "JUPYTER_RUNTIME_DIR": str(self.work_dir / "jupyter-runtime"),
            "IPYTHONDIR": str(self.work_dir / "ipython"),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 90.0) -> "LabServer":
        """Start the server and wait until its REST API answers; raise with the log tail if not."""
        jupyter = Path(sys.executable).parent / "jupyter"
        command = [
            str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--port-retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.terminals_enabled=False",
            "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            command.append("--allow-root")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=self.root_dir, env=self._environment(),
                                        stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str):
        """Call the server's REST API with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(self.base_url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session (and its kernel) so the next notebook has the CPU to itself."""
        for session in self.api("GET", "/api/sessions") or []:
            try:
                self.api("DELETE", f"/api/sessions/{session['id']}")
            except urllib.error.URLError:
                pass
        for kernel in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
            except urllib.error.URLError:
                pass

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server (and kernel) log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_size(self) -> int:
        """Current size of the log in bytes (to read only what a notebook added later)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        """The log text written after byte ``offset``."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(offset)
                return handle.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        """Shut down what we started: kernels, the server's process group, and any process left.

        Kernels run in their own sessions (jupyter_client starts them so), so after asking the
        server to shut them down, every process descended from the server is looked up and,
        if still alive, its process group is killed too.
        """
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            try:
                self.shutdown_kernels()
            except (urllib.error.URLError, OSError):
                pass
        spawned = descendants(process.pid)
        try:
            os.killpg(process.pid, signal.SIGTERM)  # start_new_session: the server leads its group
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
        for pid, started in spawned:
            kill_group(pid, started)


def _start_time(pid: int) -> int | None:
    """The start time of ``pid`` (clock ticks since boot) from /proc, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def descendants(root: int) -> list[tuple[int, int]]:
    """``(pid, start_time)`` of every live process below ``root`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []
    for pid in entries:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        started = _start_time(pid)
        if started is not None:
            found.append((pid, started))
        stack.extend(children.get(pid, []))
    return found


def kill_group(pid: int, started: int) -> None:
    """SIGKILL the process group led by ``pid`` (or just ``pid``), if it is still the same process."""
    if _start_time(pid) != started:
        return  # gone, or the id now belongs to someone else
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the test process dies (Linux prctl PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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


# JavaScript run in the page. ``window.jupyterapp`` is exposed by the server flag
# --LabApp.expose_app_in_browser; everything below goes through JupyterLab's public API.
# One notebook is open at a time; its state lives in ``window.__cs229llm``.
JS_OPEN = """
async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  const state = {panel, iopubErrors: [], runResult: null, runError: null,
                 imageHistory: {}, hashes: new WeakMap()};
  panel.sessionContext.iopubMessage.connect((_, msg) => {
    const kind = msg.header.msg_type;
    if (kind === 'error') {
      state.iopubErrors.push(`${msg.content.ename}: ${msg.content.evalue}`);
    } else if (kind === 'stream' && msg.content.name === 'stderr'
               && /Traceback \\(most recent call last\\)|Exception in comm_msg/.test(msg.content.text)) {
      state.iopubErrors.push(msg.content.text.slice(0, 400));
    }
  });
  // Image history per cell: a new entry each time the set of images a cell shows changes,
  // so a figure redrawn in place and a figure added per step can be told apart.
  const hashOf = (img) => {
    const src = img.getAttribute('src') || '';
    const known = state.hashes.get(img);
    if (known && known.src === src) return known.hash;
    let h = 5381;
    for (let i = 0; i < src.length; i += 7) h = ((h * 33) ^ src.charCodeAt(i)) >>> 0;
    const hash = `${src.length}:${h.toString(16)}`;
    state.hashes.set(img, {src, hash});
    return hash;
  };
  const record = () => {
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code') return;
      const imgs = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output img'));
      const signature = imgs.map(hashOf).join(',');
      const history = state.imageHistory[index] || (state.imageHistory[index] = []);
      const last = history[history.length - 1];
      if (imgs.length === 0 && last === undefined) return;
      if (last === undefined || last.signature !== signature) {
        if (history.length < 500) history.push({signature, count: imgs.length});
      }
    });
  };
  state.observer = new MutationObserver(record);
  state.observer.observe(panel.content.node, {subtree: true, childList: true,
                                              attributes: true, attributeFilter: ['src']});
  window.__cs229llm = state;
  return panel.id;
}
"""

JS_CLOSE = """
async () => {
  const state = window.__cs229llm;
  if (!state) return false;
  window.__cs229llm = null;
  state.observer.disconnect();
  try { await state.panel.sessionContext.shutdown(); } catch (e) {}
  state.panel.dispose();
  return true;
}
"""

JS_KERNEL_STATUS = """
() => {
  const s = window.__cs229llm && window.__cs229llm.panel.sessionContext;
  if (!s || !s.session || !s.session.kernel) return 'none';
  return s.session.kernel.connectionStatus === 'connected' ? s.session.kernel.status : 'connecting';
}
"""

JS_RUN_ALL = """
() => {
  const state = window.__cs229llm;
  state.runResult = null;
  state.imageHistory = {};
  window.jupyterapp.shell.activateById(state.panel.id);
  window.jupyterapp.commands.execute('notebook:run-all-cells')
    .then(ok => { state.runResult = ok === false ? 'stopped' : 'done'; })
    .catch(err => { state.runResult = 'failed'; state.runError = String(err); });
  return true;
}
"""

JS_PROGRESS = """
() => {
  const state = window.__cs229llm;
  const cells = state.panel.content.widgets.filter(c => c.model.type === 'code');
  const done = cells.filter(c => c.model.executionCount !== null).length;
  const s = state.panel.sessionContext;
  const status = s.session && s.session.kernel ? s.session.kernel.status : 'none';
  return {runResult: state.runResult, runError: state.runError, done, total: cells.length, status};
}
"""

JS_IMAGE_HISTORY = """
() => {
  const history = window.__cs229llm.imageHistory;
  const result = {};
  for (const [index, entries] of Object.entries(history)) {
    result[index] = entries.map(e => ({count: e.count, signature: e.signature}));
  }
  return result;
}
"""

JS_INSPECT = """
([widgetMime, brokenTexts]) => {
  const state = window.__cs229llm;
  const cells = state.panel.content.widgets;
  const result = {codeCells: 0, executed: 0, unexecuted: [], modelErrors: [], domTracebacks: [],
                  appErrors: [], widgetViews: 0, brokenWidgets: [], images: 0,
                  iopubErrors: state.iopubErrors.slice()};
  cells.forEach((cell, index) => {
    cell.node.setAttribute('data-cs229llm-cell', String(index));
    if (cell.model.type !== 'code') return;
    result.codeCells += 1;
    const source = cell.model.sharedModel.getSource().trim();
    if (cell.model.executionCount !== null) result.executed += 1;
    else if (source) result.unexecuted.push(index);
    // outputs as the model holds them, and the nodes that show them (same order)
    const outputs = cell.model.outputs;
    const children = Array.from(cell.outputArea.node.children)
      .filter(n => n.classList.contains('jp-OutputArea-child'));
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs.get(i).toJSON();
      if (output.output_type === 'error') {
        result.modelErrors.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      }
      if (output.data && output.data[widgetMime]) {
        result.widgetViews += 1;
        const node = children[i];
        const text = node ? (node.innerText || '') : '';
        const broken = brokenTexts.find(t => text.includes(t));
        const rendered = node && node.querySelector('.jupyter-widgets');
        if (broken || !rendered) {
          result.brokenWidgets.push(`cell ${index}: ${broken ? text.trim().slice(0, 200) : 'nothing rendered'}`);
        }
      }
    }
    cell.node.querySelectorAll('.jp-OutputArea-output').forEach(out => {
      const mime = out.getAttribute('data-mime-type') || '';
      const text = out.innerText || '';
      if (mime === 'application/vnd.jupyter.stderr' && /Traceback/.test(text)) {
        const lines = text.trim().split('\\n').filter(l => l.trim());
        result.domTracebacks.push(`cell ${index}: ${lines.slice(-1)[0].slice(0, 300)}`);
      }
    });
    cell.node.querySelectorAll('.cs229llm-error').forEach(el => {
      result.appErrors.push(`cell ${index}: ${(el.innerText || '').trim().slice(0, 300)}`);
    });
    result.images += cell.node.querySelectorAll('.jp-OutputArea-output img').length;
  });
  return result;
}
"""


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
