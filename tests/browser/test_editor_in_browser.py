"""YASGUI on the home page, in a real browser: type, run, read; examples; share links; charts."""

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from driving import editor_text, open_editor, result_rows, run_in_editor, wait_for, wait_until

from kg.dataset import open_dataset_store
from kg.namespaces import KGO, PREFIXES
from kg.querying import get_named_query
from kg.store import run_query
from kg.web.editor_assets import find_editor_assets

SCREENSHOT_LIMIT = 250_000
DEALS = "SELECT DISTINCT ?t WHERE { ?t a kgo:ArmsDeal } ORDER BY ?t"

pytestmark = pytest.mark.skipif(
    find_editor_assets() is None, reason="YASGUI is not installed: run `make install` (npm ci)"
)


def _deal_names() -> list[str]:
    rows = run_query(open_dataset_store(), DEALS, prefixes={"kgo": KGO})
    return ["transfer:" + row[0].value.removeprefix(PREFIXES["transfer"]) for row in rows]


def test_type_a_query_run_it_and_read_the_table(
    browser: Any, site_url: str, console_errors: Any
) -> None:
    from selenium.webdriver.common.keys import Keys

    open_editor(browser, site_url + "/")
    browser.find_element("css selector", "#yasgui .tabPanel.active .CodeMirror").click()
    typing = browser.find_element("css selector", "#yasgui .tabPanel.active .CodeMirror textarea")
    typing.send_keys(Keys.CONTROL, "a")
    typing.send_keys(Keys.DELETE)
    typing.send_keys(DEALS)
    # Typing "kgo:" declared the project's prefix.
    text = wait_until(browser, lambda d: "kgo:ArmsDeal" in editor_text(d) and editor_text(d))
    assert text.startswith(f"PREFIX kgo: <{PREFIXES['kgo']}>\n")
    assert text.endswith(DEALS)
    run_in_editor(browser)
    expected = _deal_names()
    assert [row[0] for row in result_rows(browser)] == expected
    assert len(expected) > 5
    # IRIs of this site link to its pages here.
    link = browser.find_element(
        "css selector", "#yasgui .tabPanel.active .yasr table.dataTable tbody tr a"
    )
    assert link.text == expected[0]
    assert link.get_attribute("href") == site_url + "/id/" + expected[0].replace(":", "/", 1)
    link.click()
    assert wait_for(browser, "h1").text == "1961: 15 BTR-40 from the USSR to Mali"
    assert console_errors() == []


def test_the_projects_classes_and_properties_are_completed(browser: Any, site_url: str) -> None:
    from selenium.webdriver.common.keys import Keys

    def hints(driver: Any) -> list[str]:
        return [li.text for li in driver.find_elements("css selector", ".CodeMirror-hints li")]

    open_editor(browser, site_url + "/")
    browser.find_element("css selector", "#yasgui .tabPanel.active .CodeMirror").click()
    typing = browser.find_element("css selector", "#yasgui .tabPanel.active .CodeMirror textarea")
    typing.send_keys(Keys.CONTROL, "a")
    typing.send_keys(Keys.DELETE)
    typing.send_keys("SELECT * WHERE { ?d kgo:suppl")
    typing.send_keys(Keys.CONTROL, " ")
    assert wait_until(browser, hints) == ["kgo:supplier", "kgo:supplierBasis"]
    typing.send_keys(Keys.ESCAPE)
    typing.send_keys("ier ?s . ?d a kgo:Arms")
    typing.send_keys(Keys.CONTROL, " ")
    assert wait_until(browser, hints) == ["kgo:ArmsDeal", "kgo:ArmsTransfer"]


def test_a_browser_at_the_endpoint_lands_on_the_editor(browser: Any, site_url: str) -> None:
    open_editor(browser, site_url + "/sparql")
    assert browser.current_url == site_url + "/#query"
    assert browser.find_element("id", "editor").is_displayed()
    assert not browser.find_element("id", "query-form").is_displayed()


def test_pick_an_example_from_the_menu(browser: Any, site_url: str, console_errors: Any) -> None:
    from selenium.webdriver.support.ui import Select

    query = get_named_query("regimes")
    open_editor(browser, site_url + "/")
    Select(browser.find_element("id", "example-menu")).select_by_value("regimes")
    wait_until(browser, lambda d: editor_text(d) == query.text)
    active = browser.find_element("css selector", "#yasgui .tab.active a > span")
    assert active.text == query.title
    assert browser.find_element("id", "example-description").text == query.description
    run_in_editor(browser)
    expected = list(run_query(open_dataset_store(), query.text))
    assert len(result_rows(browser)) == len(expected) > 3
    assert console_errors() == []


def test_an_example_link_opens_in_the_editor(browser: Any, site_url: str) -> None:
    query = get_named_query("conflicts")
    open_editor(browser, site_url + "/")
    link = browser.find_element("css selector", "a.example[data-name='conflicts']")
    browser.execute_script("arguments[0].scrollIntoView()", link)
    link.click()
    wait_until(browser, lambda d: editor_text(d) == query.text)
    assert browser.current_url == site_url + "/"  # opened in place, not by loading a page


def test_an_address_with_a_query_runs_it_with_its_prefixes_declared(
    browser: Any, site_url: str, console_errors: Any
) -> None:
    open_editor(browser, site_url + "/?query=" + quote(DEALS))
    wait_for(browser, "#yasgui .tabPanel.active .yasr table.dataTable tbody tr")
    assert [row[0] for row in result_rows(browser)] == _deal_names()
    assert editor_text(browser) == f"PREFIX kgo: <{PREFIXES['kgo']}>\n{DEALS}"
    assert console_errors() == []


def test_a_shared_link_opens_the_query_and_its_results(browser: Any, site_url: str) -> None:
    query = get_named_query("regimes")
    open_editor(browser, site_url + "/?example=regimes")
    wait_until(browser, lambda d: editor_text(d) == query.text)
    # The address's example is the menu's choice, described.
    assert browser.find_element("id", "example-menu").get_attribute("value") == "regimes"
    assert browser.find_element("id", "example-description").text == query.description
    browser.find_element("css selector", "#yasgui .tabPanel.active .yasqe_share").click()
    popup = wait_for(browser, "#yasgui .tabPanel.active .yasqe_sharePopup input")
    link = popup.get_attribute("value")
    assert link.startswith(site_url + "/")
    assert "#query=" in link or "&query=" in link
    # A link naming another endpoint runs here all the same: the page may query no other.
    ours = "endpoint=" + quote(site_url + "/sparql", safe="")
    assert ours in link
    elsewhere = link.replace(ours, "endpoint=" + quote("http://example.invalid/sparql", safe=""))
    expected = list(run_query(open_dataset_store(), query.text))
    for address in (link, elsewhere):
        browser.execute_script("localStorage.clear()")
        browser.get("about:blank")
        browser.get(address)
        wait_for(browser, "#yasgui .tabPanel.active .yasr table.dataTable tbody tr")
        assert editor_text(browser) == query.text
        assert len(result_rows(browser)) == len(expected)


def test_the_chart_draws_a_bar_per_year(browser: Any, site_url: str, console_errors: Any) -> None:
    query = get_named_query("deliveries-by-year")
    rows = list(run_query(open_dataset_store(), query.text))
    totals: dict[str, int] = {}
    for row in rows:
        totals[row[0].value] = totals.get(row[0].value, 0) + int(row[4].value if row[4] else 0)
    open_editor(browser, site_url + "/?example=deliveries-by-year")
    run_in_editor(browser)
    browser.find_element("css selector", "#yasgui .tabPanel.active .yasr .select_chart").click()
    chart = wait_for(browser, "#yasgui .tabPanel.active svg.kg-chart-svg")
    assert chart.get_attribute("aria-label") == "Sum of number by year"
    bars = chart.find_elements("css selector", "rect.bar")
    assert len(bars) == len(totals) > 3
    labels = [t.text for t in chart.find_elements("css selector", "text")]
    assert labels[:2] == [next(iter(totals)), str(totals[next(iter(totals))])]
    assert console_errors() == []


def test_without_javascript_the_form_posts_to_the_endpoint(
    browser_without_js: Any, site_url: str
) -> None:
    """The editor stays hidden; the form posts, and the browser shows the endpoint's answer."""
    import json

    from selenium.webdriver.support.ui import Select

    query = get_named_query("regimes")
    browser_without_js.get(site_url + "/?example=regimes")
    assert not browser_without_js.find_element("id", "editor").is_displayed()
    textarea = browser_without_js.find_element("id", "query-text")
    assert textarea.is_displayed()
    assert textarea.get_property("value") == query.text
    Select(browser_without_js.find_element("id", "query-format")).select_by_value("json")
    browser_without_js.find_element("id", "run-query").click()
    wait_until(browser_without_js, lambda d: d.current_url == site_url + "/sparql")
    answer = json.loads(wait_for(browser_without_js, "pre").text)
    expected = list(run_query(open_dataset_store(), query.text))
    assert len(answer["results"]["bindings"]) == len(expected) > 3


def test_editor_screenshots(browser: Any, site_url: str, tmp_path: Path) -> None:
    """The editor with a table and with a chart; KG_SCREENSHOTS=docs/screenshots keeps them."""
    folder = Path(os.environ.get("KG_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    open_editor(browser, site_url + "/?example=deliveries-by-year")
    run_in_editor(browser)
    browser.execute_script("document.getElementById('query-h').scrollIntoView({block: 'start'})")
    browser.save_screenshot(str(folder / "editor.png"))
    browser.find_element("css selector", "#yasgui .tabPanel.active .yasr .select_chart").click()
    chart = wait_for(browser, "#yasgui .tabPanel.active svg.kg-chart-svg")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    browser.save_screenshot(str(folder / "editor-chart.png"))
    for name in ("editor.png", "editor-chart.png"):
        size = (folder / name).stat().st_size
        assert 0 < size < SCREENSHOT_LIMIT, (name, size)
