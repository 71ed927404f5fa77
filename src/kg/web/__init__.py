"""The web side of kg: an app factory over the built graph; the SPARQL endpoint first.

`create_app` and `Settings` are imported on first use, so that `kg --help` and the other
commands, which import `kg.web.command` to register `serve`, do not load Flask.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.web.app import create_app
    from kg.web.settings import Settings

__all__ = ["create_app", "Settings"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from kg.web.app import create_app

        return create_app
    if name == "Settings":
        from kg.web.settings import Settings

        return Settings
    raise AttributeError(f"module 'kg.web' has no attribute {name!r}")
