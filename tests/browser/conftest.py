"""A real `kg serve` on a free loopback port, and headless Chromium driven by Selenium.

The browser is Debian's (`apt-get install -y chromium chromium-driver`): nothing is downloaded.
Without it, or without selenium, these tests are skipped and say why. The browser keeps its
console's messages (`console_errors`); a second server runs without the editor's npm assets
(`plain_site_url`) and a second browser without JavaScript (`browser_without_js`), for the
fallbacks.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from kg.dataset import open_dataset_store
from kg.export import export_dataset
from kg.web.editor_assets import ASSETS_ENV

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KG_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1200,900",
)
INSTALL_HINT = "apt-get install -y chromium chromium-driver; pip install selenium"


@pytest.fixture(scope="session")
def served_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's build as one N-Quads file, for the servers below."""
    data = tmp_path_factory.mktemp("browser-data") / "dataset.nq"
    with data.open("wb") as out:
        export_dataset(open_dataset_store(), "nquads", out)
    return data


@pytest.fixture(scope="session")
def site_url(
    kg_serve, served_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a `kg serve` over the project's build."""
    folder = tmp_path_factory.mktemp("browser")
    args = ["--data", str(served_data), "--as-is", "--workers", "1"]
    with kg_serve(args, folder / "kg-serve.log", ready_path="/") as server:
        yield server.url


@pytest.fixture(scope="session")
def plain_site_url(
    kg_serve, served_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The same, as served where `npm ci` never ran: no node_modules, so no editor."""
    folder = tmp_path_factory.mktemp("browser-plain")
    args = ["--data", str(served_data), "--as-is", "--workers", "1"]
    with ExitStack() as stack:
        # Only the server's start sees the variable: the tests in this process keep the assets.
        with pytest.MonkeyPatch.context() as environment:
            environment.setenv(ASSETS_ENV, str(folder / "no-node-modules"))
            server = stack.enter_context(kg_serve(args, folder / "kg-serve.log", ready_path="/"))
        yield server.url


def _chromium(prefs: dict[str, Any] | None = None) -> Any:
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason=f"selenium is not installed ({INSTALL_HINT})"
    )
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)) and shutil.which(path) is None:
            pytest.skip(f"headless browser tests need {path} ({INSTALL_HINT})")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    driver = _chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def browser_without_js() -> Iterator[Any]:
    driver = _chromium({"profile.managed_default_content_settings.javascript": 2})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console_errors(browser: Any) -> Any:
    """A function giving the browser console's errors since the last call (SEVERE entries)."""
    browser.get_log("browser")  # what earlier tests left

    def errors() -> list[str]:
        return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]

    return errors
