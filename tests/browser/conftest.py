"""A real `kg serve` on a free loopback port, and headless Chromium driven by Selenium.

The browser is Debian's (`apt-get install -y chromium chromium-driver`): nothing is downloaded.
Without it, or without selenium, these tests are skipped and say why.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.dataset import open_dataset_store
from kg.export import export_dataset

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
def site_url(kg_serve, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a `kg serve` over the project's build."""
    folder = tmp_path_factory.mktemp("browser")
    data = folder / "dataset.nq"
    with data.open("wb") as out:
        export_dataset(open_dataset_store(), "nquads", out)
    args = ["--data", str(data), "--as-is", "--workers", "1"]
    with kg_serve(args, folder / "kg-serve.log", ready_path="/") as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
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
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
