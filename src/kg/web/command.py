"""`kg serve`: the click command; cli.py registers it with `main.add_command(serve_command)`."""

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from kg.web.settings import MIB, Settings


def _help(name: str) -> str:
    # The help text lives with the setting itself (settings.py), so the two cannot drift apart.
    return next(f for f in dataclasses.fields(Settings) if f.name == name).metadata["help"]


_DEFAULTS = Settings(data=())


def _checked_base_iri(ctx: click.Context, param: click.Parameter, value: str) -> str:
    # Settings refuses it too, but a usage error reads better than a ValueError.
    if not value.startswith(("http://", "https://")) or not value.endswith("/"):
        raise click.BadParameter(f"{value!r} is not an http(s) IRI ending with '/'")
    return value


@click.command("serve")
@click.option("--host", default=_DEFAULTS.host, show_default=True, help=_help("host"))
@click.option(
    "--port",
    default=_DEFAULTS.port,
    show_default=True,
    type=click.IntRange(0, 65535),
    help=_help("port"),
)
@click.option(
    "--data",
    "data",
    multiple=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help=_help("data") + " Repeat for several files. [default: build/dataset.nq]",
)
@click.option(
    "--query-timeout",
    default=_DEFAULTS.query_timeout,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help=_help("query_timeout"),
)
@click.option(
    "--max-rows",
    default=_DEFAULTS.max_rows,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help=_help("max_rows"),
)
@click.option(
    "--workers",
    default=_DEFAULTS.workers,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help=_help("workers"),
)
@click.option(
    "--threads",
    default=_DEFAULTS.threads,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help=_help("threads"),
)
@click.option(
    "--answer-cache",
    default=_DEFAULTS.answer_cache_bytes // MIB,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="MiB",
    help=_help("answer_cache_bytes"),
)
@click.option(
    "--query-memory",
    default=_DEFAULTS.query_memory_bytes // MIB,
    show_default=True,
    type=click.IntRange(min=16),
    metavar="MiB",
    help=_help("query_memory_bytes"),
)
@click.option(
    "--base-iri",
    default=_DEFAULTS.base_iri,
    show_default=True,
    metavar="IRI",
    callback=_checked_base_iri,
    help=_help("base_iri"),
)
@click.option("--no-reasoning", is_flag=True, help="With --data: leave out the OWL RL closure.")
@click.option("--no-validation", is_flag=True,
              help="With --data: serve even if the files violate the project's shapes.")
@click.option("--as-is", is_flag=True,
              help="With --data: serve the files exactly as given: no reasoning, rules or validation.")
def serve_command(
    data: tuple[Path, ...], query_memory: int, answer_cache: int, no_reasoning: bool,
    no_validation: bool, as_is: bool, **options: Any,
) -> None:
    """Serve the built graph as a read-only SPARQL 1.1 endpoint at /sparql.

    The default graph is the merge of all named graphs; each named graph is also reachable by
    name (GRAPH, FROM, named-graph-uri). Runs granian and logs one line per request.

    With --data, the files go through the build first (reasoned with the project's ontology,
    derived with its rules, validated with its shapes; cached in build/served/), unless
    --no-reasoning, --no-validation or --as-is says otherwise.
    """
    from kg.serving import serve  # granian is only needed when actually serving

    fields = {
        "query_memory_bytes": query_memory * MIB,
        "answer_cache_bytes": answer_cache * MIB,
        **options,
    }
    if data and not as_is:
        data = (_built(list(data), no_reasoning, no_validation),)
    # A KgError (data missing or unreadable) goes up to the `kg` group, which prints it as one line.
    serve(Settings(data=data, **fields) if data else Settings(**fields))


def _built(data: list[Path], no_reasoning: bool, no_validation: bool) -> Path:
    """The N-Quads of the build of these data files with the project's ontology, rules, shapes."""
    from kg.build import BuildOptions, PrintingReporter, build, status_line

    options = BuildOptions("none" if no_reasoning else "fast", validate=not no_validation)
    reporter = PrintingReporter(_to_stderr, _to_stderr)
    result = build(options=options, reporter=reporter, data=data)
    _to_stderr(status_line(result))
    return result.dataset_path


def _to_stderr(line: str) -> None:
    # stdout carries the access log, one line per request.
    click.echo(line, err=True)


if __name__ == "__main__":
    # Run on its own (`python -m kg.web.command`), under kg's group so errors read the same.
    from kg.cli import KgGroup

    KgGroup("kg", commands=[serve_command])(["serve", *sys.argv[1:]], prog_name="kg")
