"""The CI gate: the shipped data (with the ontology) has no violation of the shipped shapes.

Warnings (gaps in quality, such as a missing Wikidata link) do not fail it; `kg validate
--strict` is the stricter check.
"""

from kg.validation import validate_files
from kg.validation_report import render_text


def test_shipped_data_has_no_violation() -> None:
    outcome = validate_files()
    assert outcome.conforms, "\n" + render_text(outcome)
    assert outcome.data_files and outcome.shape_files
