"""The neighbourhood of an entity: its direct links in and out, drawn by Graphviz as SVG.

An entity page includes `_neighbourhood.html`, which calls `neighbourhood_view(path)`: the links
from and to the resource (asserted and derived; the OWL RL closure and rdf:type left out, as the
page lists them apart), at most MAX_EDGES of them, each node a link to its page. Graphviz's `dot`
lays it out (Debian's `graphviz`, `make graphviz`), run with a timeout; every label is escaped
for DOT, and dot's SVG is parsed before it is used. Without dot, or when it fails, the page says
so and shows no picture: the tables of the page hold the same links.
"""

import functools
import shutil
import subprocess
from dataclasses import dataclass
from xml.etree import ElementTree

from flask import Blueprint
from markupsafe import Markup
from pyoxigraph import NamedNode

from kg.resource_description import INFERRED, TYPE
from kg.web.presenting import Presenter, TermView
from kg.web.site import site

blueprint = Blueprint("neighbourhood", __name__)

MAX_EDGES = 30
# Past this many links the count is given as "more than"; a class or a source has thousands.
COUNT_LIMIT = 10_000
DOT_TIMEOUT = 5.0  # seconds
LABEL_CHARACTERS = 40
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)


@dataclass(frozen=True)
class Edge:
    source: NamedNode
    predicate: NamedNode
    target: NamedNode


@dataclass(frozen=True)
class Neighbourhood:
    """What the page shows: the picture (or why there is none) and how many links it leaves out."""

    shown: int
    hidden: int
    hidden_at_least: bool  # counting stopped at COUNT_LIMIT
    svg: Markup | None
    note: str | None


def direct_links(iri: NamedNode) -> tuple[list[Edge], int, bool]:
    """The first MAX_EDGES links from and to `iri` (out first), their total, if that is a floor."""
    store = site().store
    out: set[Edge] = set()
    into: set[Edge] = set()
    total_limited = False
    for quad in store.quads_for_pattern(iri, None, None, None):
        if _drawn(quad.predicate, quad.object, quad.graph_name):
            out.add(Edge(iri, quad.predicate, quad.object))
    for quad in store.quads_for_pattern(None, None, iri, None):
        if _drawn(quad.predicate, quad.subject, quad.graph_name) and quad.subject != iri:
            into.add(Edge(quad.subject, quad.predicate, iri))
            if len(out) + len(into) >= COUNT_LIMIT:
                total_limited = True
                break
    ordered = sorted(out, key=_sort_key) + sorted(into, key=_sort_key)
    return ordered[:MAX_EDGES], len(ordered), total_limited


def _drawn(predicate: object, other: object, graph: object) -> bool:
    # Types are in the page's header, and the closure would repeat every link by its inverse.
    return isinstance(other, NamedNode) and predicate != TYPE and graph != INFERRED


def _sort_key(edge: Edge) -> tuple[str, str, str]:
    return (edge.predicate.value, edge.source.value, edge.target.value)


def dot_source(
    centre: NamedNode, edges: list[Edge], presenter: Presenter
) -> tuple[str, dict[str, str]]:
    """The graph in DOT, every string escaped, and each node's and edge's DOT name → its label."""
    ids: dict[NamedNode, str] = {centre: "n0"}
    for edge in edges:
        for node in (edge.source, edge.target):
            ids.setdefault(node, f"n{len(ids)}")
    names: dict[str, str] = {"neighbourhood": f"Direct links of {presenter.iri(centre).text}"}
    lines = [
        "digraph neighbourhood {",
        '  graph [rankdir=LR, bgcolor="transparent", fontname="sans-serif", nodesep=0.08, '
        "ranksep=0.6];",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f5f7", color="#7a7a7a", '
        'fontname="sans-serif", fontsize=10, height=0.22, margin="0.08,0.02"];',
        '  edge [fontname="sans-serif", fontsize=9, color="#7a7a7a", fontcolor="#333333"];',
    ]
    for node, node_id in ids.items():
        view = presenter.iri(node)
        names[node_id] = view.text
        # Tooltips are IRIs, never labels: dot expands `\\N` in a tooltip even when escaped.
        attributes = {"label": _short(view.text), "tooltip": view.iri or node.value}
        if view.href:
            attributes["URL"] = dot_url(view.href)
            attributes["target"] = "_top"
        if node == centre:
            attributes.update(fillcolor="#ffe9b3", penwidth="2")
        lines.append(f"  {node_id} [{_attributes(attributes)}];")
    said: dict[str, list[str]] = {}  # dot titles an edge by its two ends: one title per pair
    for edge in edges:
        predicate = presenter.iri(edge.predicate)
        source, target = ids[edge.source], ids[edge.target]
        said.setdefault(f"{source}->{target}", []).append(predicate.text)
        names[f"{source}->{target}"] = (
            f"{names[source]} — {', '.join(said[f'{source}->{target}'])} → {names[target]}"
        )
        attributes = {
            "label": _short(predicate.text),
            "tooltip": predicate.iri or edge.predicate.value,
        }
        lines.append(f"  {source} -> {target} [{_attributes(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n", names


def dot_string(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped (so none of dot's `\\N`-style escapes
    apply), line breaks made spaces, `&` written as an entity (dot reads entities in labels)."""
    flat = " ".join(text.splitlines())
    escaped = flat.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def dot_url(href: str) -> str:
    """A link as dot may write it: dot 2.43 copies `"` into its SVG unescaped, so none may stay."""
    return href.translate(_URL_UNSAFE)


_URL_UNSAFE = str.maketrans({'"': "%22", "<": "%3C", ">": "%3E", "\\": "%5C", " ": "%20"})


def _attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{key}={dot_string(value)}" for key, value in attributes.items())


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


class DotUnavailable(Exception):
    """dot is missing, failed or took too long; the message says which, for the page's note."""


@functools.lru_cache(maxsize=256)
def render_svg(source: str) -> str:
    """dot's SVG for a DOT source, kept per process: keyed on the source, a new build's graph
    (after a reload) is drawn afresh."""
    dot = shutil.which("dot")
    if dot is None:
        raise DotUnavailable("Graphviz's dot is not installed on this server (make graphviz)")
    try:
        done = subprocess.run(
            [dot, "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise DotUnavailable(f"Graphviz's dot took more than {DOT_TIMEOUT:g} s") from err
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise DotUnavailable(f"Graphviz's dot failed: {message[0] if message else done.returncode}")
    return done.stdout.decode()


def accessible_svg(svg_text: str, names: dict[str, str], title: str, description: str) -> str:
    """dot's SVG, parsed (so it is well-formed), named for screen readers, without a prolog."""
    root = ElementTree.fromstring(svg_text)
    for element in root.iter(f"{{{SVG_NS}}}title"):
        if element.text in names:  # dot titles nodes and edges by their DOT names: n0, n0->n1
            element.text = names[element.text]
    for link in root.iter(f"{{{SVG_NS}}}a"):
        href = link.attrib.pop(f"{{{XLINK_NS}}}href", None)
        if href is not None:
            link.set("href", href)  # SVG 2's plain href, as the site's other figures have
    root.set("aria-labelledby", "neighbourhood-title neighbourhood-desc")
    root.set("class", "neighbourhood")
    desc = ElementTree.Element(f"{{{SVG_NS}}}desc", {"id": "neighbourhood-desc"})
    desc.text = description
    heading = ElementTree.Element(f"{{{SVG_NS}}}title", {"id": "neighbourhood-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    return ElementTree.tostring(root, encoding="unicode")


@blueprint.app_template_global()
def neighbourhood_view(path: str) -> Neighbourhood | None:
    """The neighbourhood of the resource at a site path, for its page; None when it has no links."""
    state = site()
    iri = state.iri_space.data_iri(path)
    if iri is None:
        return None
    edges, total, at_least = direct_links(iri)
    if not edges:
        return None
    presenter = Presenter(state.iri_space, state.labeller)
    centre: TermView = presenter.iri(iri)
    source, names = dot_source(iri, edges, presenter)
    hidden = total - len(edges)
    try:
        drawn = render_svg(source)
    except DotUnavailable as err:
        return Neighbourhood(len(edges), hidden, at_least, None, f"No graph view: {err}.")
    description = (
        f"{centre.text} and the resources it links to or that link to it: {len(edges)} links"
        + (f", {hidden}{'+' if at_least else ''} more not drawn" if hidden else "")
        + ". The tables of this page list every link."
    )
    try:
        svg = accessible_svg(drawn, names, f"Direct links of {centre.text}", description)
    except ElementTree.ParseError as err:
        return Neighbourhood(
            len(edges),
            hidden,
            at_least,
            None,
            f"No graph view: dot wrote SVG that does not parse ({err}).",
        )
    return Neighbourhood(len(edges), hidden, at_least, Markup(svg), None)
