"""A real `kg serve` on a free loopback port, and headless Chromium driven by Selenium.

The browser is Debian's (`apt-get install -y chromium chromium-driver`): nothing is downloaded.
Without it, or without selenium, these tests are skipped and say why.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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


def _serve_command() -> list[str]:
    """`kg serve` once cli.py registers it; until then the very same click command, run alone."""
    from kg.cli import main

    if "serve" in main.commands:
        return [str(Path(sys.executable).parent / "kg"), "serve"]
    return [sys.executable, "-m", "kg.web.command"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, f"kg serve exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)  # polling: the server is not listening yet
    raise AssertionError(f"kg serve did not answer at {url} within {limit} s")


@pytest.fixture(scope="session")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a `kg serve` over the project's build."""
    folder = tmp_path_factory.mktemp("browser")
    data = folder / "dataset.nq"
    with data.open("wb") as out:
        export_dataset(open_dataset_store(), "nquads", out)
    port = _free_port()
    with (folder / "kg-serve.log").open("w") as log:
        process = subprocess.Popen(
            [*_serve_command(), "--data", str(data), "--as-is", "--port", str(port), "--workers", "1"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url + "/", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


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
