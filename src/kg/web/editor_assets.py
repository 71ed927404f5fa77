"""The SPARQL editor's files: YASGUI (@zazuko/yasgui), installed from npm into node_modules.

`make install` runs `npm ci`; nothing from node_modules is committed or packaged. The files are
served under an address that carries the package's version, so that browsers may keep each one
for a year. Without node_modules (an install from a wheel, or `npm ci` never run) there is no
editor and the pages keep their plain form: `find_editor_assets()` returns None.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kg.project import shipped_root

ASSETS_ENV = "KG_WEB_ASSETS"  # another node_modules folder (or a missing one, to go without)
PACKAGE = "@zazuko/yasgui"
# The name each file is served under, and where the package keeps it.
FILES = {
    "yasgui.min.js": "build/yasgui.min.js",
    "yasgui.min.js.map": "build/yasgui.min.js.map",
    "yasgui.min.css": "build/yasgui.min.css",
}
ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class EditorAssets:
    """Where the installed package is, and its version (part of every file's address)."""

    folder: Path
    version: str

    def path_of(self, name: str) -> Path | None:
        """The file served as `name`, None for a name that is not one of FILES."""
        relative = FILES.get(name)
        return None if relative is None else self.folder / relative


def node_modules() -> Path:
    """$KG_WEB_ASSETS, else the checkout's node_modules."""
    configured = os.environ.get(ASSETS_ENV)
    return Path(configured) if configured else shipped_root() / "node_modules"


def find_editor_assets() -> EditorAssets | None:
    """The installed YASGUI, None when it is absent or incomplete."""
    folder = node_modules() / PACKAGE
    try:
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    assets = EditorAssets(folder, str(version))
    if not all((folder / relative).is_file() for relative in FILES.values()):
        return None
    return assets
