"""Writing a validation outcome for people (text) and for programs (JSON, Turtle).

The text report shows the violations first, then the warnings (at most SHOWN_PER_SEVERITY of
each), grouped by focus node, and gives, for each, the file and the evidence
of the facts at fault, then the message, the property, the offending value and the shape, so a
contributor sees what to fix without reading Turtle. JSON carries the same fields; Turtle is the
SHACL validation report itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import groupby

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.namespaces import BASE, PREFIXES
from kg.project import display_path
from kg.validation import ValidationOutcome, ValidationResult

REPORT_FORMATS: tuple[str, ...] = ("text", "turtle", "json")

# An IRI of the graph's own inside a message, up to the punctuation that follows it.
_KG_IRI = re.compile(re.escape(BASE) + r"[^\s,;)\]>]*[^\s,;)\]>.:]")


def render_report(outcome: ValidationOutcome, fmt: str) -> str:
    """The outcome in one of REPORT_FORMATS."""
    renderers: dict[str, Callable[[ValidationOutcome], str]] = {
        "text": render_text,
        "json": render_json,
        "turtle": render_turtle,
    }
    try:
        renderer = renderers[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(REPORT_FORMATS)}") from None
    return renderer(outcome)


# ---------------------------------------------------------------------------------------------
# Text


# Results shown per severity in the text report: a large graph's warnings (820 at 10^5
# generated triples, 8,354 at 10^6) once buried its few violations thousands of lines down.
SHOWN_PER_SEVERITY = 20


def render_text(outcome: ValidationOutcome, shown: int | None = None) -> str:
    """The violations, then the warnings, then the infos, at most `shown` of each, under their
    focus nodes; then the summary line. The JSON and Turtle reports keep every result."""
    shown = SHOWN_PER_SEVERITY if shown is None else shown
    text = ""
    for results, noun in (
        (outcome.violations, "violation"), (outcome.warnings, "warning"), (outcome.infos, "info"),
    ):
        blocks = [
            _focus_block(list(group))
            for _, group in groupby(results[:shown], key=lambda r: (r.files, r.focus))
        ]
        text += "".join(block + "\n" for block in blocks)
        if len(results) > shown:
            more = _count(len(results) - shown, f"more {noun}")
            text += f"… and {more}; `kg validate --format json` lists them all\n"
    return text + summary_line(outcome) + "\n"


def summary_line(outcome: ValidationOutcome) -> str:
    """One line: the verdict and the counts of results, files and shapes files."""
    counts = ", ".join(
        _count(len(results), noun)
        for results, noun in (
            (outcome.violations, "violation"),
            (outcome.warnings, "warning"),
            (outcome.infos, "info"),
        )
        if results or noun != "info"
    )
    verdict = "conforms" if outcome.conforms else "does not conform"
    scope = ""
    if outcome.data_files:
        scope = f" ({_count(len(outcome.data_files), 'data file')}"
        scope += f", {_count(len(outcome.shape_files), 'shapes file')})" if outcome.shape_files else ")"
    return f"{verdict.capitalize()}: {counts}{scope}."


def _focus_block(results: list[ValidationResult]) -> str:
    first = results[0]
    lines = [f"{compact(first.focus)}  <{first.focus}>" if isinstance(first.focus, URIRef)
             else compact(first.focus)]
    files = ", ".join(display_path(f) for f in first.files) or "(no data file)"
    lines.append(f"  in {files}")
    for quote in dict.fromkeys(q for r in results for q in r.evidence):
        lines.append(f"  evidence: {_quoted(quote)}")
    for result in results:
        lines.extend(_result_lines(result))
    return "\n".join(lines) + "\n"


def _result_lines(result: ValidationResult) -> list[str]:
    lines = [f"  {result.severity_name}: {_compact_message(result.message)}"]
    if result.path is not None:
        lines.append(f"    property: {compact(result.path)}")
    if result.value is not None:
        lines.append(f"    value:    {compact(result.value)}")
    shape = compact(result.source_shape)
    detail = compact(result.component)
    if result.source_constraint is not None and result.source_constraint != result.source_shape:
        detail += f", {compact(result.source_constraint)}"
    lines.append(f"    shape:    {shape} ({detail})")
    return lines


def _compact_message(message: str) -> str:
    # SPARQL-based messages name nodes by their full IRIs ({?value}); shorten the graph's own.
    return _KG_IRI.sub(lambda match: _compact_iri(match.group(0)), message)


def compact(node: Node) -> str:
    """A node as a person reads it: state:mali, kgo:quantity, "0"^^xsd:integer, "Mali"@fr."""
    if isinstance(node, Literal):
        return _quoted(node)
    if isinstance(node, URIRef):
        return _compact_iri(str(node))
    return node.n3()


def _compact_iri(iri: str) -> str:
    # The longest namespace wins: equip:p-10 rather than id:equipment/p-10.
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        local = iri[len(namespace):]
        # A local name with a slash is no prefixed name: id:sources/x would hide a wrong IRI.
        if iri.startswith(namespace) and local and "/" not in local:
            return f"{prefix}:{local}"
    return f"<{iri}>"


def _quoted(literal: Literal) -> str:
    text = json.dumps(str(literal), ensure_ascii=False)
    if literal.language:
        return f"{text}@{literal.language}"
    if literal.datatype is not None:
        return f"{text}^^{_compact_iri(str(literal.datatype))}"
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------------------------
# JSON and Turtle


def render_json(outcome: ValidationOutcome) -> str:
    document = {
        "conforms": outcome.conforms,
        "violations": len(outcome.violations),
        "warnings": len(outcome.warnings),
        "infos": len(outcome.infos),
        "data_files": [display_path(f) for f in outcome.data_files],
        "shape_files": [display_path(f) for f in outcome.shape_files],
        "results": [_result_json(r) for r in outcome.results],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _result_json(result: ValidationResult) -> dict[str, object]:
    return {
        "focus": _term_json(result.focus),
        "severity": result.severity_name,
        "message": result.message,
        "path": _term_json(result.path),
        "value": _term_json(result.value),
        "source_shape": _term_json(result.source_shape),
        "component": _term_json(result.component),
        "source_constraint": _term_json(result.source_constraint),
        "graphs": [str(g) for g in result.graphs],
        "files": [display_path(f) for f in result.files],
        "evidence": [_term_json(e) for e in result.evidence],
    }


def _term_json(node: Node | None) -> object:
    """IRIs as strings; literals and blank nodes as small objects that keep their kind."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        term: dict[str, str] = {"value": str(node)}
        if node.language:
            term["language"] = node.language
        elif node.datatype is not None:
            term["datatype"] = str(node.datatype)
        return term
    return {"blank_node": str(node)}


def render_turtle(outcome: ValidationOutcome) -> str:
    return outcome.report.serialize(format="turtle")
