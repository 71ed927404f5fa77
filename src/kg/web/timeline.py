"""/timeline: Mali's regimes as bands and the dated events as marks on one axis, 1960 to today.

The data are the rows of the named query `timeline-marks` (queries/timeline-marks.rq), run by the
query workers like any query. The picture is SVG drawn here on the server, so it reads without
JavaScript, prints, and embeds (`/timeline.svg` serves it alone as image/svg+xml); the page gives
the same rows as a table. `?kind=delivery&kind=war` keeps those kinds (a GET form of checkboxes
makes the links). A date is shown at the precision the data give it (kgo:DatePrecision, derived
by rules/date-precision.rq): "1961", "November 1968", "22 September 1960"; on the axis a year
is a bar as wide as the year, a month a narrower bar, a day a dot.
"""

import calendar
import datetime
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, request
from markupsafe import Markup
from pyoxigraph import NamedNode

from kg.web.page_queries import Cell, PageQuery, run_page_query
from kg.web.negotiation import MediaFormat
from kg.web.representations import (
    HTML, JSON_LIST, Alternate, Choice, choose, finish_with, html_response, site_href,
)
from kg.web.site import site

blueprint = Blueprint("timeline", __name__)

QUERY_NAME = "timeline-marks"
SVG_MEDIA_TYPE = "image/svg+xml"
SVG = MediaFormat("svg", SVG_MEDIA_TYPE, "https://www.iana.org/assignments/media-types/image/svg+xml")
# What /timeline answers in, by Accept: the page first (a browser's */*), the picture, the data.
FORMATS = (HTML, SVG, JSON_LIST)
# (kind as the query names it, what the page calls it), in the order of the lanes.
KINDS: tuple[tuple[str, str], ...] = (
    ("regime", "Regimes"),
    ("politics", "Independence, falls of regimes, resignations"),
    ("delivery", "Arms deliveries"),
    ("war", "Wars"),
    ("rebellion", "Rebellions and insurgencies"),
    ("operation", "Military operations"),
    ("diplomacy", "Diplomatic visits and agreements"),
)
_KIND_NAMES = dict(KINDS)
_LANE_LABELS = {
    "politics": "Politics",
    "delivery": "Arms deliveries",
    "war": "Wars",
    "rebellion": "Rebellions",
    "operation": "Operations",
    "diplomacy": "Diplomacy",
}
FIRST_YEAR = 1960
# xsd:date, xsd:gYearMonth or xsd:gYear, a time zone allowed after it; years BCE are not drawn.
_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?$")
PRECISIONS = ("year", "month", "day")

# Geometry of the picture, in SVG user units.
_WIDTH, _LEFT, _RIGHT, _TOP = 960, 120, 16, 28
_BAND_HEIGHT, _LANE_PAD, _STEP, _AXIS, _LEGEND = 30, 8, 14, 34, 22
_COLOURS = {
    "politics": "#6a3d9a",
    "delivery": "#b15928",
    "war": "#e31a1c",
    "rebellion": "#ff7f00",
    "operation": "#33a02c",
    "diplomacy": "#1f78b4",
}
_BAND_COLOURS = ("#dbe9f6", "#fbe3c9")
_TEXT = "#1a1a1a"


@dataclass(frozen=True)
class When:
    """A date as the data give it: its text ("1968-11") and its precision ("month")."""

    value: str
    precision: str

    @property
    def first_day(self) -> datetime.date:
        found = _DATE.match(self.value)
        assert found is not None, self.value  # when_of keeps only dates it can read
        year, month, day = found.groups()
        return datetime.date(int(year), int(month or 1), int(day or 1))

    @property
    def last_day(self) -> datetime.date:
        first = self.first_day
        if self.precision == "year":
            return datetime.date(first.year, 12, 31)
        if self.precision == "month":
            return first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return first

    @property
    def text(self) -> str:
        """The date at its own precision: "1961", "October 2021", "11 November 2021"."""
        day = self.first_day
        if self.precision == "year":
            return str(day.year)
        if self.precision == "month":
            return f"{calendar.month_name[day.month]} {day.year}"
        return f"{day.day} {calendar.month_name[day.month]} {day.year}"


@dataclass(frozen=True)
class Entry:
    """A row of the timeline: a regime's period or a dated event."""

    kind: str
    href: str | None
    iri: str
    label: str
    start: When
    end: When | None
    number: int  # its row in the page's table, written beside its mark for print

    @property
    def when_text(self) -> str:
        if self.end is None:
            return f"since {self.start.text}" if self.kind == "regime" else self.start.text
        return f"{self.start.text} – {self.end.text}"


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    kinds: tuple[str, ...]  # the kinds shown
    today: datetime.date

    @property
    def bands(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "regime"]

    @property
    def marks(self) -> list[Entry]:
        return [e for e in self.entries if e.kind != "regime"]


def selected_kinds(asked: Sequence[str]) -> tuple[str, ...]:
    """The kinds a request asks for (all when it names none); 400 for a kind there is not."""
    unknown = [k for k in asked if k not in _KIND_NAMES]
    if unknown:
        known = ", ".join(k for k, _ in KINDS)
        abort(400, f"unknown kind {unknown[0]!r} in ?kind=; the kinds are {known}")
    return tuple(k for k, _ in KINDS if k in asked) if asked else tuple(k for k, _ in KINDS)


def timeline_of(answer: PageQuery, kinds: Sequence[str], today: datetime.date) -> Timeline:
    """The query's rows of the chosen kinds, as entries that link to their pages."""
    space = site().iri_space
    entries = []
    for row in answer.rows:
        kind = row["kind"].value
        if kind not in kinds:
            continue
        start = when_of(row["start"], row.get("startPrecision"))
        if start is None:
            continue  # SHACL gives each date a date datatype; nothing else has a place on an axis
        iri = row["node"].value
        path = space.path_of(iri)
        end = row.get("end")
        entries.append(
            Entry(
                kind=kind,
                href=site_href(path) if path is not None else None,
                iri=str(space.publish(NamedNode(iri)).value),  # type: ignore[union-attr]
                label=row["label"].value,
                start=start,
                end=when_of(end, row.get("endPrecision")) if end is not None else None,
                number=len(entries) + 1,
            )
        )
    return Timeline(entries, tuple(kinds), today)


def when_of(value: Cell, precision: Cell | None) -> When | None:
    """The date of a cell at its precision; None for a value no calendar date can be read from."""
    found = _DATE.match(value.value)
    if found is None or not _is_date(*found.groups()):
        return None
    # kgo:day-precision → "day"; without a derived precision, the literal's shape says it.
    if precision is not None:
        name = precision.value.rpartition("#")[2].removesuffix("-precision")
        if name in PRECISIONS:
            return When(value.value, name)
    return When(value.value, PRECISIONS[sum(1 for part in found.groups() if part) - 1])


def _is_date(year: str, month: str | None, day: str | None) -> bool:
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


def timeline_svg(timeline: Timeline, href: Callable[[str], str] = lambda h: h) -> str:
    """The timeline as a standalone SVG document; `href` turns a page link into the one to use."""
    end = timeline.today
    start = datetime.date(FIRST_YEAR, 1, 1)
    span = (end - start).days or 1
    plot = _WIDTH - _LEFT - _RIGHT

    def x(day: datetime.date) -> float:
        return round(_LEFT + plot * (min(max(day, start), end) - start).days / span, 1)

    lanes = [k for k in timeline.kinds if k != "regime"]
    placed = {kind: _stack([m for m in timeline.marks if m.kind == kind], x) for kind in lanes}
    height = _TOP + (_BAND_HEIGHT + _LANE_PAD if "regime" in timeline.kinds else 0)
    lane_tops = {}
    for kind in lanes:
        lane_tops[kind] = height
        levels = max((level for _, level in placed[kind]), default=0) + 1
        height += levels * _STEP + 2 * _LANE_PAD
    axis_y = height
    height += _AXIS + _LEGEND

    svg = ElementTree.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {_WIDTH} {height}",
            "width": str(_WIDTH),
            "height": str(height),
            "font-family": "system-ui, sans-serif",
            "font-size": "11",
            "class": "timeline",
            "aria-labelledby": "timeline-title timeline-desc",
        },
    )
    _text_child(svg, "title", f"Mali, {FIRST_YEAR} to {end.year}: a timeline", id="timeline-title")
    _text_child(
        svg,
        "desc",
        f"{len(timeline.bands)} regimes as bands and {len(timeline.marks)} dated events as marks "
        "on one axis; each links to its page. A year-dated event is a bar as wide as its year, "
        "a month-dated one a narrower bar, a day-dated one a dot.",
        id="timeline-desc",
    )
    for year in range(FIRST_YEAR, end.year + 1, 5):
        gx = x(datetime.date(year, 1, 1))
        major = year % 10 == 0
        ElementTree.SubElement(
            svg,
            "line",
            {
                "x1": str(gx),
                "x2": str(gx),
                "y1": str(_TOP - 6),
                "y2": str(axis_y + (6 if major else 3)),
                "stroke": "#bbb" if major else "#e3e3e3",
                "stroke-width": "1",
            },
        )
        if major:
            _text_child(
                svg,
                "text",
                str(year),
                x=str(gx),
                y=str(axis_y + 18),
                fill=_TEXT,
                **{"text-anchor": "middle"},
            )
    ElementTree.SubElement(
        svg,
        "line",
        {
            "x1": str(_LEFT),
            "x2": str(_WIDTH - _RIGHT),
            "y1": str(axis_y),
            "y2": str(axis_y),
            "stroke": _TEXT,
            "stroke-width": "1",
        },
    )
    _draw_legend(svg, axis_y + _AXIS + 4)
    if "regime" in timeline.kinds:
        _text_child(
            svg,
            "text",
            "Regimes",
            x="4",
            y=str(_TOP + _BAND_HEIGHT / 2 + 4),
            fill=_TEXT,
            **{"font-weight": "bold"},
        )
        for i, band in enumerate(timeline.bands):
            left = x(band.start.first_day)
            right = x(band.end.last_day) if band.end is not None else x(end)
            width = max(right - left, 2)
            link = _link(svg, band, href)
            ElementTree.SubElement(
                link,
                "rect",
                {
                    "x": str(left),
                    "y": str(_TOP),
                    "width": str(round(width, 1)),
                    "height": str(_BAND_HEIGHT),
                    "fill": _BAND_COLOURS[i % 2],
                    "stroke": "#7a7a7a",
                    "stroke-width": "0.5",
                },
            )
            name = _band_name(band.label)
            if width < 6.2 * len(name) + 6:
                name = str(band.number)  # the table's row, when the name does not fit
            if width >= 6.2 * len(name) + 6:
                _text_child(
                    link,
                    "text",
                    name,
                    x=str(round(left + 3, 1)),
                    y=str(_TOP + _BAND_HEIGHT / 2 + 4),
                    fill=_TEXT,
                )
    for kind in lanes:
        top = lane_tops[kind]
        _text_child(
            svg,
            "text",
            _LANE_LABELS[kind],
            x="4",
            y=str(top + _LANE_PAD + 9),
            fill=_TEXT,
            **{"font-weight": "bold"},
        )
        if not placed[kind]:
            _text_child(
                svg,
                "text",
                "none dated",
                x=str(_LEFT + 4),
                y=str(top + _LANE_PAD + 9),
                fill="#555",
                **{"font-style": "italic"},
            )
        for mark, level in placed[kind]:
            _draw_mark(
                _link(svg, mark, href), mark, x, top + _LANE_PAD + level * _STEP, _COLOURS[kind]
            )
    return ElementTree.tostring(svg, encoding="unicode")


def _draw_legend(svg: ElementTree.Element, top: float) -> None:
    """What a mark's shape says of its date's precision, for readers of the picture alone."""
    grey = "#666"
    _text_child(svg, "text", "Dated to:", x="4", y=str(top + 9), fill=_TEXT)
    ElementTree.SubElement(
        svg,
        "rect",
        {"x": str(_LEFT), "y": str(top), "width": "14", "height": "10", "rx": "2", "fill": grey},
    )
    _text_child(
        svg, "text", "a year (as wide as the year)", x=str(_LEFT + 20), y=str(top + 9), fill=_TEXT
    )
    ElementTree.SubElement(
        svg,
        "rect",
        {
            "x": str(_LEFT + 210),
            "y": str(top),
            "width": "8",
            "height": "10",
            "rx": "2",
            "fill": grey,
        },
    )
    _text_child(svg, "text", "a month", x=str(_LEFT + 224), y=str(top + 9), fill=_TEXT)
    ElementTree.SubElement(
        svg, "circle", {"cx": str(_LEFT + 300), "cy": str(top + 5), "r": "5", "fill": grey}
    )
    _text_child(svg, "text", "a day", x=str(_LEFT + 310), y=str(top + 9), fill=_TEXT)


def _stack(marks: list[Entry], x: Callable[[datetime.date], float]) -> list[tuple[Entry, int]]:
    """Each mark with its level in the lane: marks that would overlap go one above the other."""
    ends: list[float] = []  # per level, where its last mark ends
    placed = []
    for mark in sorted(marks, key=lambda m: (m.start.first_day, m.label)):
        left, right = _extent(mark, x)
        right += _number_width(mark.number)
        level = next((i for i, e in enumerate(ends) if e + 2 <= left), len(ends))
        if level == len(ends):
            ends.append(right)
        else:
            ends[level] = right
        placed.append((mark, level))
    return placed


def _extent(mark: Entry, x: Callable[[datetime.date], float]) -> tuple[float, float]:
    left = x(mark.start.first_day)
    last = mark.end.last_day if mark.end is not None else mark.start.last_day
    right = max(x(last), left)
    if mark.start.precision == "day" and mark.end is None:
        return left - 5, left + 5
    minimum = 8 if mark.start.precision == "month" else 4
    return left, max(right, left + minimum)


def _number_width(number: int) -> float:
    return 5.5 * len(str(number)) + 3


def _draw_mark(
    parent: ElementTree.Element,
    mark: Entry,
    x: Callable[[datetime.date], float],
    top: float,
    colour: str,
) -> None:
    left, right = _extent(mark, x)
    _text_child(
        parent,
        "text",
        str(mark.number),
        x=str(round(right + 2, 1)),
        y=str(top + 9),
        fill=_TEXT,
        **{"font-size": "9"},
    )
    if mark.start.precision == "day" and mark.end is None:
        ElementTree.SubElement(
            parent,
            "circle",
            {
                "cx": str(round((left + right) / 2, 1)),
                "cy": str(top + 5),
                "r": "5",
                "fill": colour,
                "stroke": "#fff",
                "stroke-width": "1",
                "class": "mark",
            },
        )
        return
    ElementTree.SubElement(
        parent,
        "rect",
        {
            "x": str(round(left, 1)),
            "y": str(top),
            "width": str(round(right - left, 1)),
            "height": "10",
            "rx": "2",
            "fill": colour,
            "stroke": "#fff",
            "stroke-width": "1",
            "fill-opacity": "0.85",
            "class": "mark",
        },
    )


def _link(
    parent: ElementTree.Element, entry: Entry, href: Callable[[str], str]
) -> ElementTree.Element:
    """A link to the entry's page (a group when it has none), named by its label and date.

    The name begins with the row number a mark or a narrow band shows, so that what is seen is
    part of what is read (WCAG 2.5.3, Label in Name).
    """
    name = f"{entry.label}, {entry.when_text}"
    if entry.href is None:
        group = ElementTree.SubElement(parent, "g")
    else:
        group = ElementTree.SubElement(
            parent, "a", {"href": href(entry.href), "aria-label": f"{entry.number}. {name}"}
        )
    _text_child(group, "title", name)
    return group


def _band_name(label: str) -> str:
    return label.removesuffix(" regime")


def _text_child(
    parent: ElementTree.Element, tag: str, text: str, **attributes: str
) -> ElementTree.Element:
    child = ElementTree.SubElement(parent, tag, attributes)
    child.text = text
    return child


def today_utc() -> datetime.date:
    """Where the axes end: today, in UTC."""
    return datetime.datetime.now(datetime.timezone.utc).date()


def _requested_timeline() -> tuple[Timeline, PageQuery]:
    kinds = selected_kinds(request.args.getlist("kind"))
    answer = run_page_query(QUERY_NAME)
    return timeline_of(answer, kinds, today_utc()), answer


@blueprint.route("/timeline")
def timeline_page() -> Response:
    """The page, or (by Accept) the picture alone or the marks as JSON; 406 for anything else."""
    choice = choose(None, FORMATS)
    timeline, answer = _requested_timeline()
    twins = _twins()
    if choice.format is SVG:
        response = _svg_response(timeline)
    elif choice.format is JSON_LIST:
        response = _json_response(timeline)
    else:
        counts = {kind: 0 for kind, _ in KINDS}
        for row in answer.rows:
            counts[row["kind"].value] = counts.get(row["kind"].value, 0) + 1
        response = html_response(
            "timeline.html",
            timeline=timeline,
            svg=Markup(timeline_svg(timeline)),
            kinds=[(kind, name, counts.get(kind, 0), kind in timeline.kinds) for kind, name in KINDS],
            kind_names=_KIND_NAMES,
            answer=answer,
            svg_href=twins[1].href,
            alternates=twins,
        )
    return finish_with(response, twins, choice)


@blueprint.route("/timeline.svg")
def timeline_image() -> Response:
    timeline, _ = _requested_timeline()
    return finish_with(_svg_response(timeline), _twins(), Choice(SVG, True))


@blueprint.route("/timeline.json")
def timeline_data() -> Response:
    """The timeline's entries as JSON: what the picture and the table show."""
    timeline, _ = _requested_timeline()
    return finish_with(_json_response(timeline), _twins(), Choice(JSON_LIST, True))


def _twins() -> list[Alternate]:
    """The timeline's three forms, each keeping the kinds the address asked for."""
    asked = request.args.getlist("kind")
    query = "?" + urlencode([("kind", kind) for kind in selected_kinds(asked)]) if asked else ""
    return [
        Alternate(site_href("timeline") + query, HTML.media_type, "HTML"),
        Alternate(site_href("timeline.svg") + query, SVG_MEDIA_TYPE, "SVG"),
        Alternate(site_href("timeline.json") + query, JSON_LIST.media_type, "JSON"),
    ]


def _svg_response(timeline: Timeline) -> Response:
    # Standalone, the picture may be embedded anywhere: its links carry this site's address.
    origin = request.host_url.rstrip("/")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + timeline_svg(timeline, lambda h: origin + h)
    return Response(body, 200, content_type=f"{SVG_MEDIA_TYPE}; charset=utf-8")


def _json_response(timeline: Timeline) -> Response:
    origin = request.host_url.rstrip("/")
    document = {
        "kinds": list(timeline.kinds),
        "entries": [
            {
                "number": entry.number,
                "kind": entry.kind,
                "iri": entry.iri,
                "label": entry.label,
                "page": origin + entry.href if entry.href else None,
                "start": _when_json(entry.start),
                "end": _when_json(entry.end) if entry.end else None,
                "when": entry.when_text,
            }
            for entry in timeline.entries
        ],
    }
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return Response(body, 200, content_type=JSON_LIST.content_type)


def _when_json(when: When) -> dict[str, str]:
    return {"value": when.value, "precision": when.precision, "text": when.text}
