"""Every page passes axe-core's checks (WCAG 2.1 A and AA, and its best practices) and leaves no
error in the browser's console. axe-core comes from npm (package.json), injected by the test.

To check another page, add its path to PAGES.
"""

from typing import Any
from urllib.parse import quote

import pytest
from driving import open_editor, run_in_editor, wait_for

from pathlib import Path

PAGES = [
    "/",
    "/?example=regimes",
    "/id/",
    "/id/transfer/",
    "/id/event/",
    "/id/transfer/1961-btr-40",
    "/id/person/sergey-lavrov",
    "/ontology",
    "/shapes",
    "/dumps",
    "/.well-known/void",
    "/timeline",
    "/timeline?kind=delivery&kind=war",
    "/transfers",
    "/search?q=keita",
    "/search?q=",
    "/id/regime/",
    "/id/statement/",
    "/id/regime/mali-transition-2020",
]
MISSING_PAGE = "/id/transfer/no-such-deal"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _axe_source() -> str:
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `make install` (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(driver: Any) -> list[str]:
    """axe-core's findings on the page loaded, one line each: rule, impact, where."""
    driver.execute_script(_axe_source())
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})
          .then((r) => done(r.violations.map((v) =>
            v.id + ' (' + v.impact + '): ' +
            v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))))
          .catch((e) => done(['axe failed: ' + e]));
        """,
        AXE_TAGS,
    )
    return result


@pytest.mark.parametrize("path", PAGES)
def test_page_passes_axe_and_logs_no_error(
    browser: Any, site_url: str, console_errors: Any, path: str
) -> None:
    browser.set_script_timeout(30)
    browser.get(site_url + path)
    wait_for(browser, "h1")
    assert axe_violations(browser) == []
    assert console_errors() == []


@pytest.mark.parametrize("view", ["table", "response", "chart"])
def test_the_editor_with_results_passes_axe(
    browser: Any, site_url: str, console_errors: Any, view: str
) -> None:
    browser.set_script_timeout(30)
    open_editor(browser, site_url + "/?example=deliveries-by-year")
    run_in_editor(browser)
    browser.find_element("css selector", f"#yasgui .tabPanel.active .yasr .select_{view}").click()
    wait_for(browser, f"#yasgui .tabPanel.active .yasr .select_{view}.selected")
    assert axe_violations(browser) == []
    assert console_errors() == []


def test_the_missing_page_passes_axe(browser: Any, site_url: str, console_errors: Any) -> None:
    browser.set_script_timeout(30)
    browser.get(site_url + MISSING_PAGE)
    wait_for(browser, "h1")
    assert axe_violations(browser) == []
    # Its 404 status is the one error the console may show.
    assert [e for e in console_errors() if "status of 404" not in e] == []


def test_the_plain_form_passes_axe(browser: Any, plain_site_url: str, console_errors: Any) -> None:
    browser.set_script_timeout(30)
    browser.get(plain_site_url + "/?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 5"))
    wait_for(browser, "#results-table")
    assert axe_violations(browser) == []
    assert console_errors() == []


def test_the_check_finds_what_is_wrong(browser: Any) -> None:
    """A page with an unlabelled image and form field: the check fails on it."""
    browser.set_script_timeout(30)
    browser.get(
        "data:text/html,<!doctype html><html lang=en><title>t</title><main><h1>t</h1>"
        "<img src=data:,><input type=text></main></html>"
    )
    found = [v.split(" ")[0] for v in axe_violations(browser)]
    assert found == ["image-alt", "label"]
