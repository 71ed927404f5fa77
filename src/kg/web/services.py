"""What create_app builds once and every blueprint uses: settings, evaluator, dataset facts."""

from dataclasses import dataclass

from flask import current_app

from kg.dataset import DatasetInfo
from kg.web.backend import QueryEvaluator, StoreReader
from kg.web.settings import Settings

EXTENSION_KEY = "kg"
# Callables that let go of what an app opened lazily, called when a newer build replaces it.
ON_CLOSE_KEY = "kg.on_close"


@dataclass(frozen=True)
class Services:
    settings: Settings
    evaluator: QueryEvaluator  # kg.web.evaluation.Evaluator, or a remote one (--store)
    dataset: DatasetInfo
    # For index lookups only (the linked-data pages' quads_for_pattern); queries go to the evaluator.
    store: StoreReader  # kg.store.NamedGraphs, or kg.remote_store.RemoteStore (--store)


def services() -> Services:
    """The running app's services (inside a request or an app context)."""
    return current_app.extensions[EXTENSION_KEY]
