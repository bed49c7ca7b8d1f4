"""environment.yml and pyproject.toml list the same packages, so conda users get what pip users get."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements):
    return {re.split(r"[<>=!\[ ]", r.strip().strip('"'), maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements if r.strip() and not r.strip().startswith("-e")}


def test_environment_yml_lists_pyproject_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"])
    for extra in ("course", "test"):
        wanted |= _names(project["optional-dependencies"][extra])
    listed = _names(line.strip()[2:] for line in (ROOT / "environment.yml").read_text().splitlines()
                    if line.strip().startswith("- ") and line.startswith("      "))
    assert wanted - listed == set(), f"missing from environment.yml: {sorted(wanted - listed)}"


def test_torch_is_not_pinned_in_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_spec = [d for d in project["dependencies"] if d.startswith("torch")][0]
    assert "==" not in torch_spec  # the Makefile chooses the build; the package only sets a floor
