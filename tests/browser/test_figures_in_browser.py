"""The server-drawn figures in a browser: follow a timeline mark, a chart's bar, a graph's node.

KG_SCREENSHOTS=docs/screenshots keeps the README's pictures of them (timeline.png,
transfers-charts.png, neighbourhood.png).
"""

import os
import shutil
from pathlib import Path

import pytest

WAIT = 20  # seconds; the wait ends as soon as the element is there
SCREENSHOT_LIMIT = 300_000


def _wait_for(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def _follow(browser, site_url: str, page: str, link_css: str) -> str:  # type: ignore[no-untyped-def]
    """Open `page`, click the link that `link_css` finds, and give the heading it leads to."""
    browser.get(site_url + page)
    link = _wait_for(browser, link_css)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    return _wait_for(browser, "h1").text


def test_open_the_timeline_and_follow_a_mark(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    heading = _follow(
        browser, site_url, "/timeline", "svg.timeline a[href='/id/delivery/1981-son-9']"
    )
    assert heading == "Delivery of 1 SON-9 radar (1981)"
    assert browser.current_url == site_url + "/id/delivery/1981-son-9"


def test_filter_the_timeline_without_javascript_and_follow_a_band(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(site_url + "/timeline")
    for box in browser.find_elements(By.CSS_SELECTOR, "form.kinds input[name=kind]"):
        if box.get_attribute("value") != "regime" and box.is_selected():
            box.click()
    browser.find_element(By.CSS_SELECTOR, "form.kinds button").click()
    _wait_for(browser, "svg.timeline")
    assert browser.current_url == site_url + "/timeline?kind=regime"
    marks = browser.find_elements(By.CSS_SELECTOR, "svg.timeline a")
    assert len(marks) == 10  # the regimes, each a band
    heading = _follow(
        browser,
        site_url,
        "/timeline?kind=regime",
        "svg.timeline a[href='/id/regime/mali-moussa-traore']",
    )
    assert heading == "Moussa Traoré regime"


def test_follow_a_bar_of_each_transfers_chart(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    heading = _follow(
        browser, site_url, "/transfers", "svg.chart a[href='/id/category/fire-control-radar']"
    )
    assert heading == "fire-control radar"
    heading = _follow(
        browser, site_url, "/transfers", "svg.chart a[href='/id/regime/mali-moussa-traore']"
    )
    assert heading == "Moussa Traoré regime"


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (make graphviz)"
)
def test_follow_a_node_of_the_neighbourhood_graph(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    heading = _follow(
        browser, site_url, "/id/transfer/1961-btr-40", "#neighbourhood svg a[href='/id/state/ussr']"
    )
    assert heading == "Union of Soviet Socialist Republics"


def test_figure_screenshots(browser, site_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The timeline, the transfers charts and a neighbourhood; KG_SCREENSHOTS keeps them."""
    folder = Path(os.environ.get("KG_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shots = {
        "timeline.png": ("/timeline", "figure.figure"),
        "transfers-charts.png": ("/transfers", "section[aria-labelledby='by-category-h'] figure"),
    }
    if shutil.which("dot") is not None:
        shots["neighbourhood.png"] = ("/id/transfer/1961-btr-40", "#neighbourhood")
    for name, (page, css) in shots.items():
        browser.get(site_url + page)
        element = _wait_for(browser, css)
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
        element.screenshot(str(folder / name))
        size = (folder / name).stat().st_size
        assert 0 < size < SCREENSHOT_LIMIT, (name, size)
