"""Where the project's sources live: the root folder and the files in each of its folders."""

import os
from pathlib import Path

from kg.errors import InputError

ROOT_ENV = "KG_ROOT"


def project_root() -> Path:
    """The folder holding ontology/, data/, shapes/, queries/: $KG_ROOT, else this checkout."""
    configured = os.environ.get(ROOT_ENV)
    if not configured:
        return Path(__file__).resolve().parents[2]
    root = Path(configured)
    if not root.is_dir():
        raise InputError(f"{ROOT_ENV}={configured}: not a directory")
    return root


def _root(root: Path | None) -> Path:
    return project_root() if root is None else root


def ontology_dir(root: Path | None = None) -> Path:
    return _root(root) / "ontology"


def data_dir(root: Path | None = None) -> Path:
    return _root(root) / "data"


def shapes_dir(root: Path | None = None) -> Path:
    return _root(root) / "shapes"


def rules_dir(root: Path | None = None) -> Path:
    return _root(root) / "rules"


def query_dir(root: Path | None = None) -> Path:
    return _root(root) / "queries"


def build_dir(root: Path | None = None) -> Path:
    return _root(root) / "build"


def _files(folder: Path, pattern: str) -> list[Path]:
    # A missing folder is an empty one: a fresh project may not have written it yet.
    return sorted(p for p in folder.glob(pattern) if p.is_file())


def ontology_files(root: Path | None = None) -> list[Path]:
    return _files(ontology_dir(root), "*.ttl")


def data_files(root: Path | None = None) -> list[Path]:
    return _files(data_dir(root), "*.trig")


def shape_files(root: Path | None = None) -> list[Path]:
    return _files(shapes_dir(root), "*.ttl")


def query_files(root: Path | None = None) -> list[Path]:
    return _files(query_dir(root), "*.rq")


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
