"""/transfers: the register of arms deals as a page, with charts of the deliveries.

The page is the HTML face of `/transfers.csv`: the same named query (`transfers-register`) as a
table, then two bar charts drawn on the server as SVG: deliveries per year by equipment category
(`deliveries-per-year-by-category`) and deliveries under each regime in power
(`deliveries-per-regime`). Each chart comes with its rows as a table and its query one click
away, and alone as image/svg+xml under /transfers/. The charts count deliveries, never units:
the model counts each equipment model in its own unit (a system, a vehicle, a missile, a radar),
and units of different kinds do not add up.
"""

from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, request, url_for
from markupsafe import Markup

from kg.transfers import REGISTER_QUERY
from kg.web.page_queries import Cell, PageQuery, run_page_query
from kg.web import documents
from kg.web.negotiation import CSV_RESULTS
from kg.web.representations import HTML, Alternate, choose, finish_with, html_response, site_href
from kg.web.site import site
from kg.web.timeline import today_utc

blueprint = Blueprint("charts", __name__)

BY_CATEGORY = "deliveries-per-year-by-category"
BY_REGIME = "deliveries-per-regime"
FIRST_YEAR = 1960
SVG_MEDIA_TYPE = "image/svg+xml"
# What /transfers answers in, by Accept: the page first (a browser's */*), then the register.
FORMATS = (HTML, CSV_RESULTS)
# Qualitative colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999")
_TEXT = "#1a1a1a"
_GRID = "#d9d9d9"


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None


@dataclass(frozen=True)
class Segment:
    """Part of a bar: a category's deliveries in a year, or a regime's in its time."""

    bar: str  # the year, or the regime's name
    series: Link  # the category or regime, linked to its page
    count: int
    colour: str


def _link(label: Cell, node: Cell | None) -> Link:
    if node is None or not node.is_iri:
        return Link(label.value, None)
    path = site().iri_space.path_of(node.value)
    return Link(label.value, site_href(path) if path is not None else None)


def category_segments(answer: PageQuery) -> list[Segment]:
    """The rows of `deliveries-per-year-by-category`, a colour per category (first seen, first)."""
    colours: dict[str, str] = {}
    segments = []
    for row in answer.rows:
        category = row["category"].value
        colour = colours.setdefault(category, _PALETTE[len(colours) % len(_PALETTE)])
        segments.append(
            Segment(
                row["year"].value,
                _link(row["category"], row.get("categoryNode")),
                int(row["deliveries"].value),
                colour,
            )
        )
    return segments


def regime_segments(answer: PageQuery) -> list[Segment]:
    """The rows of `deliveries-per-regime`, oldest regime first."""
    return [
        Segment(
            row["regime"].value,
            _link(row["regime"], row.get("regimeNode")),
            int(row["deliveries"].value),
            _PALETTE[0],
        )
        for row in answer.rows
    ]


def year_chart_svg(
    segments: list[Segment], last_year: int, href: Callable[[str], str] = lambda h: h
) -> str:
    """Stacked bars on a year axis from 1960: deliveries per year, a colour per category."""
    width, left, right, top, plot_height, bottom = 960, 44, 16, 34, 180, 40
    years = last_year - FIRST_YEAR + 1
    step = (width - left - right) / years
    totals: dict[int, int] = {}
    for s in segments:
        totals[int(s.bar)] = totals.get(int(s.bar), 0) + s.count
    peak = max(totals.values(), default=1)
    unit = plot_height / peak
    legend = list(dict.fromkeys((s.series.text, s.colour) for s in segments))
    legend_rows = (len(legend) + 2) // 3
    height = top + plot_height + bottom + legend_rows * 18 + 8
    svg = _svg(
        width,
        height,
        "chart-year",
        "Number of deliveries per year, by equipment category",
        f"A stacked bar per year from {FIRST_YEAR} to {last_year}: {sum(totals.values())} "
        f"deliveries in {len(totals)} years, coloured by equipment category. Deliveries are "
        "counted, not units. The table below gives the same numbers.",
    )
    base = top + plot_height
    for n in range(peak + 1):
        y = round(base - n * unit, 1)
        _line(svg, left, width - right, y, y, _TEXT if n == 0 else _GRID)
        _text(svg, str(n), left - 6, y + 4, anchor="end")
    _text(svg, "deliveries", 4, top - 20)
    for year in range(FIRST_YEAR, last_year + 1, 10):
        x = left + (year - FIRST_YEAR + 0.5) * step
        _line(svg, x, x, base, base + 5, _TEXT)
        _text(svg, str(year), x, base + 18, anchor="middle")
    heights: dict[int, float] = {}
    for s in segments:
        year = int(s.bar)
        bottom_y = base - heights.get(year, 0)
        heights[year] = heights.get(year, 0) + s.count * unit
        x = left + (year - FIRST_YEAR) * step + 1
        group = _linked(
            svg, s.series.href, href, f"{year}: {s.count} {_deliveries(s.count)} of {s.series.text}"
        )
        ElementTree.SubElement(
            group,
            "rect",
            {
                "x": _n(x),
                "y": _n(bottom_y - s.count * unit),
                "width": _n(max(step - 2, 2)),
                "height": _n(s.count * unit),
                "fill": s.colour,
                "stroke": "#fff",
                "stroke-width": "1",
            },
        )
    for year, total in sorted(totals.items()):
        x = left + (year - FIRST_YEAR + 0.5) * step
        _text(svg, str(year), x, base - heights[year] - 4, anchor="middle", size="9")
    for i, (name, colour) in enumerate(legend):
        x, y = left + (i % 3) * 300, base + bottom + (i // 3) * 18
        ElementTree.SubElement(
            svg,
            "rect",
            {"x": _n(x), "y": _n(y - 10), "width": "12", "height": "12", "fill": colour},
        )
        _text(svg, name, x + 18, y)
    return ElementTree.tostring(svg, encoding="unicode")


def regime_chart_svg(segments: list[Segment], href: Callable[[str], str] = lambda h: h) -> str:
    """Horizontal bars, a regime each, oldest first: how many deliveries it received."""
    width, left, right, top, row = 960, 300, 60, 24, 26
    peak = max((s.count for s in segments), default=0) or 1
    unit = (width - left - right) / peak
    height = top + row * len(segments) + 40
    svg = _svg(
        width,
        height,
        "chart-regime",
        "Number of deliveries under each regime in power",
        f"A bar per regime of Mali, oldest first ({len(segments)} regimes, "
        f"{sum(s.count for s in segments)} deliveries): the deliveries received while it was "
        "in power. Deliveries are counted, not units. The table below gives the same numbers.",
    )
    base = top + row * len(segments)
    for n in range(peak + 1):
        x = left + n * unit
        _line(svg, x, x, top - 6, base, _TEXT if n == 0 else _GRID)
        _text(svg, str(n), x, base + 16, anchor="middle")
    _text(svg, "deliveries", width - right, base + 30, anchor="end")
    for i, s in enumerate(segments):
        y = top + i * row
        group = _linked(
            svg, s.series.href, href, f"{s.series.text} {s.count} {_deliveries(s.count)}"
        )
        _text(group, s.series.text, left - 8, y + row / 2 + 4, anchor="end")
        ElementTree.SubElement(
            group,
            "rect",
            {
                "x": _n(left),
                "y": _n(y + 4),
                "width": _n(max(s.count * unit, 0)),
                "height": _n(row - 8),
                "fill": s.colour,
            },
        )
        # Outside the link, whose name already says it: the link's visible text stays its label.
        _text(svg, str(s.count), left + s.count * unit + 6, y + row / 2 + 4)
    return ElementTree.tostring(svg, encoding="unicode")


def _deliveries(n: int) -> str:
    return "delivery" if n == 1 else "deliveries"


def _svg(width: int, height: float, name: str, title: str, description: str) -> ElementTree.Element:
    svg = ElementTree.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {_n(height)}",
            "width": str(width),
            "height": _n(height),
            "font-family": "system-ui, sans-serif",
            "font-size": "12",
            "class": "chart",
            "aria-labelledby": f"{name}-title {name}-desc",
        },
    )
    ElementTree.SubElement(svg, "title", {"id": f"{name}-title"}).text = title
    ElementTree.SubElement(svg, "desc", {"id": f"{name}-desc"}).text = description
    return svg


def _linked(
    parent: ElementTree.Element, target: str | None, href: Callable[[str], str], name: str
) -> ElementTree.Element:
    if target is None:
        group = ElementTree.SubElement(parent, "g")
    else:
        group = ElementTree.SubElement(parent, "a", {"href": href(target), "aria-label": name})
    ElementTree.SubElement(group, "title").text = name
    return group


def _line(
    parent: ElementTree.Element, x1: float, x2: float, y1: float, y2: float, colour: str
) -> None:
    ElementTree.SubElement(
        parent,
        "line",
        {
            "x1": _n(x1),
            "x2": _n(x2),
            "y1": _n(y1),
            "y2": _n(y2),
            "stroke": colour,
            "stroke-width": "1",
        },
    )


def _text(
    parent: ElementTree.Element,
    text: str,
    x: float,
    y: float,
    *,
    anchor: str = "start",
    size: str | None = None,
) -> None:
    attributes = {"x": _n(x), "y": _n(y), "fill": _TEXT, "text-anchor": anchor}
    if size:
        attributes["font-size"] = size
    ElementTree.SubElement(parent, "text", attributes).text = text


def _n(value: float) -> str:
    """A coordinate, as short as it can be written."""
    return f"{value:.1f}".removesuffix(".0")


def _last_year(answer: PageQuery) -> int:
    years = [int(row["year"].value) for row in answer.rows]
    return max([today_utc().year, *years])


@blueprint.route("/transfers")
def transfers_page() -> Response:
    """The page, or (by Accept) the register as CSV, as /transfers.csv; 406 for anything else."""
    choice = choose(None, FORMATS)
    twins = [
        Alternate(url_for("charts.transfers_page"), HTML.media_type, "HTML"),
        Alternate(url_for("documents.transfers"), CSV_RESULTS.media_type, "CSV"),
    ]
    if choice.format is CSV_RESULTS:
        return finish_with(documents.transfers(), twins, choice)
    return finish_with(_page(twins), twins, choice)


def _page(twins: list[Alternate]) -> Response:
    register = run_page_query(REGISTER_QUERY)
    by_category = run_page_query(BY_CATEGORY)
    by_regime = run_page_query(BY_REGIME)
    space = site().iri_space
    deals = []
    for row in register.rows:
        path = space.path_of(row["deal"].value)
        deals.append((row, site_href(path) if path is not None else None))
    categories = category_segments(by_category)
    regimes = regime_segments(by_regime)
    return html_response(
        "transfers.html",
        register=register,
        deals=deals,
        by_category=by_category,
        by_regime=by_regime,
        categories=categories,
        regimes=regimes,
        year_chart=Markup(year_chart_svg(categories, _last_year(by_category))),
        regime_chart=Markup(regime_chart_svg(regimes)),
        alternates=twins,
    )


@blueprint.route("/transfers/<name>.svg")
def chart_image(name: str) -> Response:
    origin = request.host_url.rstrip("/")
    absolute = lambda h: origin + h  # noqa: E731 - standalone, the links carry this site's address
    if name == BY_CATEGORY:
        answer = run_page_query(BY_CATEGORY)
        body = year_chart_svg(category_segments(answer), _last_year(answer), absolute)
    elif name == BY_REGIME:
        body = regime_chart_svg(regime_segments(run_page_query(BY_REGIME)), absolute)
    else:
        abort(404, f"no chart {name!r}; the charts are {BY_CATEGORY}.svg and {BY_REGIME}.svg")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return Response(body, 200, content_type=f"{SVG_MEDIA_TYPE}; charset=utf-8")
