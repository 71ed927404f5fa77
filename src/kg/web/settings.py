"""Every setting of the web app and its server, as one frozen value handed to create_app and serve.

Each field carries its own help text (field metadata), so the CLI options and the docs are made
from the same place and a test can check that none is undocumented.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.namespaces import BASE
from kg.sandbox import AUTO, MECHANISMS

MIB = 1024 * 1024


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class Settings:
    """What the endpoint serves and the bounds it keeps; the defaults are the served defaults."""

    # Empty: the project's build (kg.dataset.open_dataset_store), rebuilt first if an input changed.
    data: tuple[Path, ...] = field(
        default=(),
        metadata=_help(
            "RDF files to serve (.nq, .trig, .ttl, .nt; loaded into memory), or the folder of a "
            "store `kg build` wrote (opened read-only)."
        ),
    )
    store: str | None = field(
        default=None,
        metadata=_help(
            "Query URL of a remote SPARQL 1.1 store holding the build (see `kg push`), answered "
            "instead of the local store; the screen, timeout, cache and error shapes still apply."
        ),
    )
    host: str = field(default="127.0.0.1", metadata=_help("Interface to listen on."))
    port: int = field(default=8000, metadata=_help("TCP port to listen on."))
    workers: int = field(
        default=2,
        metadata=_help("HTTP worker processes (granian's); the data are shared between them."),
    )
    threads: int = field(
        default=4,
        metadata=_help(
            "Requests one HTTP worker serves at once; the queries among them take turns "
            "(--simultaneous-queries)."
        ),
    )
    simultaneous_queries: int = field(
        default=0,
        metadata=_help(
            "Queries one HTTP worker evaluates at once from the local store, each in its own "
            "query-worker process; the others wait in turn, up to --query-timeout (then 503), "
            "except that a query evaluating for a second or a quarter of --query-timeout, "
            "whichever is shorter, no longer holds the queue: up to --threads then run at once. "
            "0: the machine's cores ÷ --workers, at least 1. Fewer at once answer more under "
            "load on few cores; more let short queries pass long ones sooner."
        ),
    )
    query_timeout: float = field(
        default=10.0,
        metadata=_help("Seconds a query may run before it is stopped and answered 503."),
    )
    max_rows: int = field(
        default=10_000,
        metadata=_help("Solutions (or triples) returned at most; more are cut and flagged."),
    )
    max_body_bytes: int = field(
        default=1 * MIB, metadata=_help("Largest request body accepted; larger ones get 413.")
    )
    query_memory_bytes: int = field(
        default=2048 * MIB,
        metadata=_help("Memory one query may claim beyond the loaded data before it is stopped."),
    )
    query_worker_queries: int = field(
        default=1000,
        metadata=_help(
            "Queries a query worker answers (plus up to a fifth more, drawn per worker) before a "
            "fresh one replaces it, so that memory stays flat under long load; 0: no limit."
        ),
    )
    answer_cache_bytes: int = field(
        default=64 * MIB,
        metadata=_help(
            "Room, per HTTP worker, for answers to repeated GET queries, replayed without "
            "evaluation (the data never change while served); 0 turns the cache off."
        ),
    )
    sandbox: str = field(
        default=AUTO,
        metadata=_help(
            "How query workers are kept off the network, whatever a query says: auto (the "
            "strongest available: netns and seccomp together where both apply), netns (an empty "
            "network namespace), seccomp (no socket but AF_UNIX), or none-unsafe (no sandbox: a "
            "SERVICE call the screen misses reaches the network). kg serve refuses to start "
            "when the one asked for cannot be applied."
        ),
    )
    watch: bool = field(
        default=False,
        metadata=_help(
            "Rebuild when an input changes (ontology, data, rules, shapes, named queries) and "
            "serve the new build once it is good, without a restart; a bad change keeps the last "
            "good build serving and is reported in the log and /status. SIGHUP rebuilds too."
        ),
    )
    rebuild_time_limit: float = field(
        default=900.0,
        metadata=_help(
            "Seconds a rebuild (SIGHUP, --watch) may take before it is stopped and reported as "
            "failed; the last good build keeps serving, and the next change rebuilds again."
        ),
    )
    base_iri: str = field(
        default=BASE,
        metadata=_help(
            "Public base IRI of the published documents. The default keeps the data's canonical "
            "IRIs (w3id.org redirects them here); another base (a mirror, staging) makes pages, RDF "
            "twins, VoID and dumps name every resource under it, so that its IRIs dereference on "
            "this server. SPARQL keeps the canonical IRIs: relative IRIs in queries resolve "
            "against the data's own base, and answers name resources by it."
        ),
    )

    def simultaneous_queries_per_process(self) -> int:
        """Queries one HTTP worker evaluates at once (bar old ones): --simultaneous-queries, or the
        cores' share."""
        wanted = self.simultaneous_queries or max(1, _usable_cores() // self.workers)
        return min(wanted, self.threads)

    def __post_init__(self) -> None:
        # A CLI or test may pass a list; freezing it keeps Settings hashable and immutable.
        object.__setattr__(self, "data", tuple(Path(p) for p in self.data))
        for name in (
            "workers",
            "max_rows",
            "max_body_bytes",
            "query_memory_bytes",
            "threads",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.simultaneous_queries < 0:
            raise ValueError(f"simultaneous_queries cannot be negative, not {self.simultaneous_queries}")
        if self.query_worker_queries < 0:
            raise ValueError(
                f"query_worker_queries cannot be negative, not {self.query_worker_queries}"
            )
        if self.answer_cache_bytes < 0:
            raise ValueError(f"answer_cache_bytes cannot be negative, not {self.answer_cache_bytes}")
        if self.rebuild_time_limit <= 0:
            raise ValueError(f"rebuild_time_limit must be positive, not {self.rebuild_time_limit}")
        if self.query_timeout <= 0:
            raise ValueError(f"query_timeout must be positive, not {self.query_timeout}")
        if self.store is not None and not self.store.startswith(("http://", "https://")):
            raise ValueError(f"store must be an http(s) URL, not {self.store!r}")
        if self.sandbox not in MECHANISMS:
            raise ValueError(f"sandbox must be one of {', '.join(MECHANISMS)}, not {self.sandbox!r}")
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise ValueError(f"base_iri must be an http(s) IRI ending with '/', not {self.base_iri!r}")


def _usable_cores() -> int:
    """The CPUs this process may run on (its affinity, as taskset or a container's cpuset sets it;
    a CPU quota, as `docker --cpus` sets, is not read)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
