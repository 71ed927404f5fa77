"""Waiting for pages and reading YASGUI in a Selenium-driven browser; no sleeps."""

from typing import Any, Callable

WAIT = 20  # seconds; every wait ends as soon as its condition holds


def wait_for(driver: Any, css: str) -> Any:
    """The first visible element matching `css`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_until(driver: Any, condition: Callable[[Any], Any]) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition)


def open_editor(driver: Any, url: str) -> None:
    """Load `url` with YASGUI's saved tabs forgotten, and wait until the editor is there."""
    driver.get(url)
    driver.execute_script("localStorage.clear()")
    driver.get(url)
    wait_for(driver, "#yasgui .tabPanel.active .CodeMirror")


def editor_text(driver: Any) -> str:
    """The query in the active tab's editor."""
    return driver.execute_script(
        "return document.querySelector('#yasgui .tabPanel.active .CodeMirror')"
        ".CodeMirror.getValue()"
    )


def run_in_editor(driver: Any) -> Any:
    """Press the active tab's run button and wait for its results table."""
    driver.find_element("css selector", "#yasgui .tabPanel.active .yasqe_queryButton").click()
    return wait_for(driver, "#yasgui .tabPanel.active .yasr table.dataTable tbody tr")


def result_rows(driver: Any) -> list[list[str]]:
    """The cells of the active tab's results table, row by row, without YASR's row numbers."""
    return driver.execute_script(
        """
        const rows = document.querySelectorAll(
          '#yasgui .tabPanel.active .yasr table.dataTable tbody tr');
        return [...rows].map((r) =>
          [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent));
        """
    )
