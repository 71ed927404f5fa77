"""The header's search box in a real browser: type a name, submit, follow the first hit."""

WAIT = 20  # seconds; the wait ends as soon as the element is there


def _wait_for(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def test_type_in_the_header_search_box_and_follow_a_hit(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site_url + "/id/event/")
    box = browser.find_element(By.CSS_SELECTOR, "header form[role=search] input[name=q]")
    box.send_keys("Lavrov", Keys.ENTER)
    first = _wait_for(browser, "ol.hits li a.hit")
    assert browser.current_url == site_url + "/search?q=Lavrov"
    assert first.text == "Sergey Lavrov"
    assert browser.find_element(By.ID, "site-search").get_property("value") == "Lavrov"
    first.click()
    heading = _wait_for(browser, "main h1")
    assert browser.current_url == site_url + "/id/person/sergey-lavrov"
    assert heading.text.startswith("Sergey Lavrov")


def test_screenshots_of_a_search_and_a_listing(browser, site_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The hits for "keita" and the dated events; KG_SCREENSHOTS=docs/screenshots keeps them."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("KG_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    browser.get(site_url + "/search?q=keita")
    _wait_for(browser, "ol.hits")
    browser.save_screenshot(str(folder / "search.png"))
    browser.get(site_url + "/id/event/")
    _wait_for(browser, "main table time")
    browser.save_screenshot(str(folder / "events.png"))
    for name in ("search.png", "events.png"):
        size = (folder / name).stat().st_size
        assert 0 < size < 200_000, (name, size)


def test_search_ignores_accents_and_case(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(site_url + "/search?q=keita")
    _wait_for(browser, "ol.hits li a.hit")
    hits = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits li a.hit")]
    assert "Modibo Keïta" in hits, hits
