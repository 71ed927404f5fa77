"""Where the project's sources live: the root folder and the files in each of its folders.

The root is $KG_ROOT, else the source checkout this module lives in (src/kg/project.py), else,
in an install from a wheel, the copy of ontology/, shapes/, rules/ and queries/ that the wheel
carries as kg/_project (see pyproject.toml). That copy is read-only and has no data/ nor build/:
an installed kg validates the data files it is given, and builds nothing until KG_ROOT is set.
"""

import os
from importlib import resources
from pathlib import Path

from kg.errors import InputError

ROOT_ENV = "KG_ROOT"

# <root>/src/kg/project.py in a checkout (an editable install included).
_SOURCES = Path(__file__).resolve().parents[1]
_CHECKOUT = _SOURCES.parent


def project_root() -> Path:
    """The folder holding ontology/, data/, shapes/, queries/: $KG_ROOT, else this checkout,
    else the folders packaged in the wheel."""
    configured = os.environ.get(ROOT_ENV)
    if not configured:
        return shipped_root()
    root = Path(configured)
    if not root.is_dir():
        raise InputError(f"{ROOT_ENV}={configured}: not a directory")
    return root


def shipped_root() -> Path:
    """The project folders that come with this code, whatever $KG_ROOT says: this checkout, else
    the folders packaged in the wheel."""
    if _is_checkout():
        return _CHECKOUT
    packaged = packaged_root()
    # Neither: the checkout's path all the same, whose missing folders the commands report.
    return _CHECKOUT if packaged is None else packaged


def _is_checkout() -> bool:
    # Not merely "a pyproject.toml two levels up": a wheel installed with `pip --target vendor`
    # inside another project has one there too.
    return _SOURCES.name == "src" and (_CHECKOUT / "pyproject.toml").is_file()


def packaged_root() -> Path | None:
    """The project folders shipped inside an installed wheel (kg/_project), if there are any."""
    folder = resources.files("kg") / "_project"
    # A Path only when the package is files on disk, as pip installs it (not inside a zip).
    return folder if isinstance(folder, Path) and folder.is_dir() else None


def is_packaged(root: Path) -> bool:
    """Whether `root` is the read-only copy inside an installed wheel, without data/ or build/."""
    packaged = packaged_root()
    return packaged is not None and root == packaged


def _root(root: Path | None) -> Path:
    return project_root() if root is None else root


def ontology_dir(root: Path | None = None) -> Path:
    return _root(root) / "ontology"


def data_dir(root: Path | None = None) -> Path:
    return _folder_outside_package(
        root, "data",
        "no data folder: this kg is installed without one; give the data files "
        f"(kg validate --data FILE...) or set {ROOT_ENV} to a kg project folder",
    )


def shapes_dir(root: Path | None = None) -> Path:
    return _root(root) / "shapes"


def rules_dir(root: Path | None = None) -> Path:
    return _root(root) / "rules"


def query_dir(root: Path | None = None) -> Path:
    return _root(root) / "queries"


def build_dir(root: Path | None = None) -> Path:
    # Never build into the installed package: the dataset comes from a project's data/.
    return _folder_outside_package(
        root, "build",
        f"no project folder: this kg is installed without data/ to build from; set {ROOT_ENV} "
        "to a kg project folder",
    )


def _folder_outside_package(root: Path | None, name: str, refusal: str) -> Path:
    """The project's folder `name`, which the copy inside an installed wheel does not have."""
    folder = _root(root)
    if is_packaged(folder):
        raise InputError(refusal)
    return folder / name


def _files(folder: Path, pattern: str) -> list[Path]:
    # A missing folder is an empty one: a fresh project may not have written it yet.
    return sorted(p for p in folder.glob(pattern) if p.is_file())


def ontology_files(root: Path | None = None) -> list[Path]:
    return _files(ontology_dir(root), "*.ttl")


def data_files(root: Path | None = None) -> list[Path]:
    return _files(data_dir(root), "*.trig")


def shape_files(root: Path | None = None) -> list[Path]:
    return _files(shapes_dir(root), "*.ttl")


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
