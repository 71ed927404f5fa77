"""`kg serve`: the click command; cli.py registers it with `main.add_command(serve_command)`."""

import dataclasses
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.sandbox import MECHANISMS, UNSAFE_OPT_OUT, probe
from kg.web.settings import MIB, Settings

_DEFAULTS = Settings()


def _checked_base_iri(ctx: click.Context, param: click.Parameter, value: str) -> str:
    # Settings refuses it too, but a usage error reads better than a ValueError.
    if not value.startswith(("http://", "https://")) or not value.endswith("/"):
        raise click.BadParameter(f"{value!r} is not an http(s) IRI ending with '/'")
    return value


def _checked_store_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # As for --base-iri: Settings refuses it too, with a traceback's ValueError.
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"{value!r} is not an http(s) URL (the store's SPARQL query URL)")
    if value is not None and urllib.parse.urlsplit(value).password is not None:
        # It would show in the process list and in /status; ~/.netrc is where they go.
        raise click.BadParameter(
            "the URL holds a password: put the credentials in ~/.netrc (or the file $NETRC "
            "names), never on the command line"
        )
    return value


def _help(name: str) -> str:
    # The help text lives with the setting itself (settings.py), so the two cannot drift apart.
    return next(f for f in dataclasses.fields(Settings) if f.name == name).metadata["help"]


def _setting_option(
    name: str, value_type: click.ParamType | None = None, metavar: str | None = None, **extra: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The option setting `name`, with its default and help; a size in bytes is given in MiB."""
    default = getattr(_DEFAULTS, name)
    if name.endswith("_bytes"):
        default //= MIB
    flag = "--" + name.removesuffix("_bytes").replace("_", "-")
    return click.option(
        flag, default=default, show_default=True, type=value_type, metavar=metavar,
        help=_help(name), **extra,
    )


@click.command("serve")
@_setting_option("host")
@_setting_option("port", click.IntRange(0, 65535))
@click.option(
    "--data",
    "data",
    multiple=True,
    metavar="PATH",
    type=click.Path(path_type=Path),
    help=_help("data") + " Repeat for several files (a store folder goes alone). "
    "[default: the project's build, rebuilt first if an input changed]",
)
@click.option(
    "--store", "store", default=None, metavar="QUERY_URL", help=_help("store"), callback=_checked_store_url
)
@_setting_option("query_timeout", click.FloatRange(min=0, min_open=True), "SECONDS")
@_setting_option("max_rows", click.IntRange(min=1), "N")
@_setting_option("workers", click.IntRange(min=1), "N")
@_setting_option("threads", click.IntRange(min=1), "N")
@_setting_option("simultaneous_queries", click.IntRange(min=0), "N")
@_setting_option("query_worker_queries", click.IntRange(min=0), "N")
@_setting_option("answer_cache_bytes", click.IntRange(min=0), "MiB")
@_setting_option("query_memory_bytes", click.IntRange(min=16), "MiB")
@_setting_option("base_iri", metavar="IRI", callback=_checked_base_iri)
@click.option("--watch", is_flag=True, help=_help("watch"))
@_setting_option("rebuild_time_limit", click.FloatRange(min=0, min_open=True), "SECONDS")
@_setting_option("sandbox", click.Choice(MECHANISMS))
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
    --no-reasoning, --no-validation or --as-is says otherwise. A store folder (build/store-…)
    is served as it was built: the last good build, say, while the data are being fixed.

    Served from a build, SIGHUP rebuilds and serves the new build once it is good, without a
    restart; --watch does the same whenever an input changes.
    """
    from kg.web.rebuilding import RebuildSpec
    from kg.web.serving import serve  # granian is only needed when actually serving

    # First, before any build: no point building for a server that may not start.
    if options["store"] is None:
        _to_stderr(sandbox_line(probe(options["sandbox"])))
    else:  # nothing is evaluated here: the screen still runs before a query is sent
        _to_stderr(f"kg: queries go to the remote store {options['store']}; no local query workers")
    fields = {
        "query_memory_bytes": query_memory * MIB,
        "answer_cache_bytes": answer_cache * MIB,
        **options,
    }
    rebuild = None
    if options["store"] is not None:
        if data:
            raise click.UsageError("--store and --data exclude each other: the store holds the data")
        given = [flag for flag, on in (("--as-is", as_is), ("--no-reasoning", no_reasoning),
                                       ("--no-validation", no_validation)) if on]
        if given:
            raise click.UsageError(
                f"{given[0]} is for --data, not --store: the store holds a build already made"
            )
    elif any(path.is_dir() for path in data):
        _check_store_folder(data, no_reasoning, no_validation)
    elif not (data and as_is):
        rebuild = RebuildSpec(tuple(data) or None, not no_reasoning, not no_validation)
        data = (_built(list(data) or None, no_reasoning, no_validation),)
    if options["watch"] and rebuild is None:
        raise click.UsageError(
            "--watch needs a build to redo: not with --store, --as-is nor a store folder"
        )
    # A KgError (data missing or unreadable) goes up to the `kg` group, which prints it as one line.
    serve(Settings(data=data, **fields), rebuild)


def _check_store_folder(data: tuple[Path, ...], no_reasoning: bool, no_validation: bool) -> None:
    """A store folder given as --data is served as built: alone, with no build options, and only
    if it holds a store (InputError, in one line, if not; the server says so if it does not open)."""
    from kg.errors import InputError
    from kg.project import display_path

    if len(data) > 1:
        folder = next(path for path in data if path.is_dir())
        raise click.UsageError(f"--data {folder} is a folder: a store is served alone, not with files")
    given = [flag for flag, on in (("--no-reasoning", no_reasoning),
                                   ("--no-validation", no_validation)) if on]
    if given:
        raise click.UsageError(
            f"{given[0]} is for data files: a store folder holds a build already made"
        )
    # Looked at, not opened: the server opens it once, with its reader's lock (a RocksDB open is
    # 20 ms at 10^6 triples), and says in one line why one that looks like a store does not open.
    if not (data[0] / "CURRENT").is_file():
        raise InputError(
            f"{display_path(data[0])}: holds no store (no CURRENT file); a folder given as --data "
            "must be a store `kg build` wrote (build/store-…)"
        )


def _built(data: list[Path] | None, no_reasoning: bool, no_validation: bool) -> Path:
    """The store of the project's build, brought up to date, or of the build of these data files.

    Data files are built with the project's ontology, rules and shapes, into build/served/.
    """
    from kg.build import BuildOptions, PrintingReporter, build, open_build, status_line

    reporter = PrintingReporter(_to_stderr, _to_stderr)
    if data is None:
        result = open_build(reporter=reporter)
    else:
        options = BuildOptions("none" if no_reasoning else "fast", validate=not no_validation)
        result = build(options=options, reporter=reporter, data=data)
    _to_stderr(status_line(result))
    return result.store_path


def sandbox_line(in_force: str) -> str:
    """The line that opens the server's log: which sandbox keeps queries off the network."""
    if in_force == UNSAFE_OPT_OUT:
        return (
            f"kg: query sandbox: {UNSAFE_OPT_OUT}: none; a SERVICE call that gets past the "
            "screen reaches the network"
        )
    return f"kg: query sandbox: {in_force}: query workers can open no network socket"


def _to_stderr(line: str) -> None:
    # stdout carries the access log, one line per request.
    click.echo(line, err=True)
