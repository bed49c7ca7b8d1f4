"""The package's layers hold (import-linter, .importlinter) and a forbidden import breaks them.

Also: imports sit at the top of each module. An import inside a function is allowed only for a
heavy optional dependency, and the line must say so in a comment.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cs229llm"
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Imported inside functions on purpose: optional, slow to import, or absent on some machines.
HEAVY_OPTIONAL = ("dask", "distributed", "dask.distributed", "lm_eval", "trafilatura", "torch.distributed", "tomllib",
                  "transformers", "playwright")


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the ``cs229llm`` package found in ``package_parent``."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed in this environment ({LINT_IMPORTS}): pip install import-linter")
    return subprocess.run([str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache"], cwd=package_parent,
                          env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def test_the_package_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "cs229llm", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("module, line, contract", [
    ("data/pii.py", "from ..model import GPT", "Data stages never import models"),
    ("training/schedules.py", "from ..viz.live import LiveFigure", "Layers"),
    ("evaluation/perplexity.py", "from ..experiments import run", "Layers"),
    ("data/dedup_dask.py", "from . import dedup", "No import cycles"),
])
def test_a_forbidden_import_breaks_the_contract(package_copy, module, line, contract):
    path = package_copy / "cs229llm" / module
    path.write_text(path.read_text() + f"\n{line}  # deliberately broken\n")
    result = lint(package_copy)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def function_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import statement inside a function body."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, "." * child.level + (child.module or "")))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def misplaced_imports(source: str) -> list[str]:
    """Imports inside functions that are not a commented heavy optional dependency."""
    lines = source.splitlines()
    bad = []
    for lineno, module in function_imports(source):
        heavy = any(module == name or module.startswith(name + ".") for name in HEAVY_OPTIONAL)
        if not (heavy and "#" in lines[lineno - 1]):
            bad.append(f"line {lineno}: {module}")
    return bad


def test_imports_sit_at_the_top_of_every_module():
    problems = {str(path.relative_to(ROOT)): bad for path in sorted(PACKAGE.rglob("*.py"))
                if (bad := misplaced_imports(path.read_text()))}
    assert not problems, problems


def test_the_import_check_rejects_a_hidden_import():
    source = "import os\n\ndef f():\n    from .model import GPT\n    import distributed  # optional, heavy\n" \
             "    import lm_eval\n    return GPT\n"
    assert misplaced_imports(source) == ["line 4: .model", "line 6: lm_eval"]
