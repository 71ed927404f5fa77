"""The wheel, as pre-commit installs it for another repository: it carries the ontology, shapes,
rules and queries (under kg/_project) and the web templates, and its `kg validate` checks the
files it is given, from any folder, without a checkout or KG_ROOT."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
VALID = (FIXTURES / "shapes" / "context.trig", FIXTURES / "shapes" / "context-background.trig")
INVALID = FIXTURES / "validation" / "state_without_source.ttl"
PROJECT_FOLDERS = {"ontology": "*.ttl", "shapes": "*", "rules": "*.rq", "queries": "*.rq"}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    target: Path  # what `pip install --target` made: the kg package and bin/kg
    repo: Path  # another repository, outside the checkout: the working folder of every run

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("KG_ROOT", "PYTHONPATH")}
        # Ahead of site-packages, where the editable install points at this checkout's src/.
        return {**env, "PYTHONPATH": str(self.target), "PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args], cwd=self.repo, env=self.env(), capture_output=True,
            text=True, timeout=120,
        )

    def kg(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "kg.cli", *args)


def _pip(*args: str | Path) -> None:
    # --no-index: nothing is downloaded; the build backend is the one installed in this venv.
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("the build backend hatchling is not installed: pip install -e '.[test]'")
    base = tmp_path_factory.mktemp("packaging")
    wheels, target, repo = base / "wheels", base / "site", base / "other-repo"
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, ROOT)
    [wheel] = wheels.glob("kg-*.whl")
    _pip("install", "--no-deps", "--no-index", "--target", target, wheel)
    # Another repository's files: valid ones in data/, a broken one elsewhere, and a file the
    # hook must leave alone.
    (repo / "data").mkdir(parents=True)
    (repo / "more").mkdir()
    for path in VALID:
        shutil.copy(path, repo / "data" / path.name)
    shutil.copy(INVALID, repo / "more" / INVALID.name)
    (repo / "README.md").write_text("# not RDF\n", encoding="utf-8")
    return Installed(wheel, target, repo)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _shape_count() -> int:
    return len(list((ROOT / "shapes").glob("*.ttl")))


# ---------------------------------------------------------------------------------------------
# What the wheel holds


def test_the_wheel_carries_the_project_folders_templates_static_files_and_script(
    installed: Installed,
) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = wheel.read(entry_points).decode()
    assert "kg/_project/ontology/kg.ttl" in names
    for folder, pattern in PROJECT_FOLDERS.items():
        files = [p for p in (ROOT / folder).glob(pattern) if p.is_file()]
        assert files, folder
        for path in files:
            assert f"kg/_project/{folder}/{path.name}" in names
    web = ROOT / "src" / "kg" / "web"
    for path in [*web.glob("templates/*"), *web.glob("static/*")]:
        assert f"kg/web/{path.relative_to(web).as_posix()}" in names
    assert "kg/web/templates/base.html" in names and "kg/web/static/kg.css" in names
    assert re.search(r"^kg = kg\.cli:main$", scripts, re.MULTILINE)
    # The data are the project's own, never shipped; nor are the tests or a stray build.
    assert not [n for n in names if n.split("/")[0] in ("data", "tests", "build", "src")]
    assert not [n for n in names if "/data/" in n or "__pycache__" in n]


def test_the_installed_kg_is_the_wheels_and_finds_its_packaged_folders(installed: Installed) -> None:
    done = installed.kg("--version")
    assert done.returncode == 0, done.stderr
    probe = installed.run(
        sys.executable, "-c",
        "import kg, kg.project as p; print(kg.__file__); print(p.project_root())",
    )
    assert probe.returncode == 0, probe.stderr
    module, root = map(Path, probe.stdout.split())
    assert module.is_relative_to(installed.target), module
    assert root == installed.target / "kg" / "_project"


# ---------------------------------------------------------------------------------------------
# kg validate in another repository


def test_installed_kg_validate_accepts_valid_files(installed: Installed) -> None:
    done = installed.kg("validate", "--data", *(f"data/{p.name}" for p in VALID))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _first_line(done.stdout) == (
        f"Conforms: 0 violations, 0 warnings (2 data files, {_shape_count()} shapes files)."
    )


def test_installed_kg_validate_rejects_a_broken_file_from_another_folder(
    installed: Installed,
) -> None:
    done = installed.kg("validate", "--data", f"more/{INVALID.name}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert _first_line(done.stdout) == "state:niger  <https://w3id.org/kg-mali/id/state/niger>"
    assert f"  in more/{INVALID.name}" in done.stdout.splitlines()
    assert "shapes:Fact-source (sh:MinCountConstraintComponent)" in done.stdout


def test_the_pre_commit_hook_runs_the_installed_script_on_the_rdf_files(
    installed: Installed,
) -> None:
    # As pre-commit runs a `language: python` hook: the entry, split as a shell would, then the
    # staged files that match `files`, all in one run (require_serial).
    yaml = pytest.importorskip("yaml")
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {"id", "name", "entry", "language"} <= hook.keys()
    assert hook.get("pass_filenames", True) is True
    assert hook["language"] == "python"
    staged = ["README.md", *(f"data/{p.name}" for p in VALID)]
    matching = [name for name in staged if re.search(hook["files"], name)]
    assert matching == staged[1:]
    executable, *arguments = shlex.split(hook["entry"])
    script = installed.target / "bin" / executable
    assert script.is_file(), "pip installed no console script `kg`"
    done = installed.run(script, *arguments, *matching)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _first_line(done.stdout).startswith("Conforms: 0 violations")
    broken = installed.run(script, *arguments, *matching, f"more/{INVALID.name}")
    assert broken.returncode == 1 and "Does not conform: 1 violation" in broken.stdout


# ---------------------------------------------------------------------------------------------
# What an installed kg cannot do: it has no data/ of its own, and builds nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("validate",), "kg: error: no data folder: this kg is installed without one; "),
        (("build",), "kg: error: no project folder: this kg is installed without data/ "),
        (("query", "--name", "regimes"), "kg: error: no project folder: "),
        (("stats",), "kg: error: no project folder: "),
    ],
)
def test_installed_kg_without_data_fails_in_one_line(
    installed: Installed, args: tuple[str, ...], message: str
) -> None:
    done = installed.kg(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(message) and line.endswith("set KG_ROOT to a kg project folder"), line
    assert not (installed.target / "kg" / "_project" / "build").exists()


def test_installed_kg_lists_its_named_queries(installed: Installed) -> None:
    done = installed.kg("query", "--list")
    assert done.returncode == 0, done.stderr
    assert "regimes" in done.stdout and "transfers-register" in done.stdout
