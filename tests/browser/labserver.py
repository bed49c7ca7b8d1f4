"""Start what the browser suite needs: a JupyterLab server on a temporary copy of the notebooks.

Course stage: the learner's view (issue 8). Notable: the server runs in its own process
group with a random token and its own settings (no virtual scrolling, no news fetches), and
:meth:`LabServer.stop` also ends the kernels, which jupyter_client starts in sessions of
their own, by verified process id; Chromium is Debian's, found here or reported missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

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


def snapshot_runs(destination: Path) -> Path:
    """A private copy of the course's run directories (a few MB) for the notebooks to use.

    Runs prepared before (by nbval, or a learner) are reused, as a learner's second run would,
    while a notebook run elsewhere at the same time cannot write into ours; caches
    (``CS229LLM_CACHE``) stay shared: they are safe to reuse and costly to rebuild.
    """
    source = Path(os.environ.get("CS229LLM_RUNS", REPO_ROOT / "runs"))
    destination.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        try:
            shutil.copytree(source, destination, dirs_exist_ok=True)
        except shutil.Error:
            pass  # a file another run was replacing as we copied: the notebook will redo it
    return destination


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
        env = dict(os.environ)
        env.update({
            "CS229LLM_RUNS": str(snapshot_runs(self.work_dir / "runs")),
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
