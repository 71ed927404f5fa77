"""The home page's plain form in a real browser, as served without the editor's npm assets:
pick a named query, run it, read the table, follow a link (query.js draws the table)."""

import os
from pathlib import Path


from kg.dataset import open_dataset_store
from kg.namespaces import KGO
from kg.querying import get_named_query
from kg.store import run_query

WAIT = 20  # seconds; the wait ends as soon as the element is there
SCREENSHOT_LIMIT = 200_000


def _wait_for(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def _run_example(browser, plain_site_url: str, name: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(plain_site_url + "/?example=regimes")  # another example in the form to begin with
    query = get_named_query(name)
    browser.find_element(By.CSS_SELECTOR, f"a.example[data-name='{name}']").click()
    textarea = _wait_for(browser, "#query-text")
    assert textarea.get_property("value") == query.text
    browser.find_element(By.ID, "run-query").click()
    return _wait_for(browser, "#results-table")


def test_pick_a_named_query_run_it_and_see_the_table(browser, plain_site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    query = get_named_query("deliveries-by-year")
    expected = list(run_query(open_dataset_store(), query.text))
    table = _run_example(browser, plain_site_url, "deliveries-by-year")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == [
        "year",
        "supplier",
        "recipient",
        "equipment",
        "number",
        "precision",
        "yearBasis",
        "regime",
        "deal",
        "delivery",
    ]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(expected) > 5
    assert table.find_element(By.TAG_NAME, "caption").text == f"{len(expected)} rows"
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == "1961"
    # IRIs link to their pages on this server; following one shows the entity.
    link = rows[0].find_element(By.CSS_SELECTOR, "td a")
    assert link.text == "transfer:1961-btr-40"
    assert link.get_attribute("href") == plain_site_url + "/id/transfer/1961-btr-40"
    link.click()
    assert _wait_for(browser, "h1").text == "1961: 15 BTR-40 from the USSR to Mali"


def test_without_the_assets_the_page_loads_no_editor(browser, plain_site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(plain_site_url + "/")
    scripts = [e.get_attribute("src") for e in browser.find_elements(By.CSS_SELECTOR, "script[src]")]
    assert scripts == [plain_site_url + "/static/query.js"]
    assert browser.find_elements(By.ID, "editor") == []
    assert browser.find_element(By.ID, "query-text").is_displayed()


def test_a_bad_query_shows_the_endpoints_message(browser, plain_site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(plain_site_url + "/")
    textarea = browser.find_element(By.ID, "query-text")
    textarea.clear()
    textarea.send_keys("SELECT WHERE {")
    browser.find_element(By.ID, "run-query").click()
    alert = _wait_for(browser, "#results [role=alert]")
    assert "syntax error" in alert.text


def test_a_shared_query_address_runs_it(browser, plain_site_url: str) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    query = "SELECT DISTINCT ?t WHERE { ?t a kgo:ArmsDeal }"
    expected = list(run_query(open_dataset_store(), query, prefixes={"kgo": KGO}))
    browser.get(plain_site_url + "/?query=" + quote(query))
    table = _wait_for(browser, "#results-table")
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == len(expected) > 0


def test_screenshots(browser, site_url: str, plain_site_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Home (with the editor), the plain form's results and an entity page;
    KG_SCREENSHOTS=docs/screenshots keeps them."""
    from selenium.webdriver.common.by import By

    folder = Path(os.environ.get("KG_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    browser.get(site_url + "/")
    _wait_for(browser, "h1")
    browser.save_screenshot(str(folder / "home.png"))
    _run_example(browser, plain_site_url, "deliveries-by-year")
    controls = browser.find_element(By.CSS_SELECTOR, "#query .controls")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", controls)
    browser.save_screenshot(str(folder / "results.png"))
    browser.get(site_url + "/id/transfer/1961-btr-40")
    _wait_for(browser, "h1")
    browser.save_screenshot(str(folder / "entity.png"))
    for name in ("home.png", "results.png", "entity.png"):
        size = (folder / name).stat().st_size
        assert 0 < size < SCREENSHOT_LIMIT, (name, size)
