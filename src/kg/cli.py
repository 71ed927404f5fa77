"""The `kg` command line: a thin shell over the library, where errors become messages."""

import logging
from pathlib import Path

import click

from kg import __version__
from kg.build import BuildOptions, PrintingReporter, status_line
from kg.build import build as run_build
from kg.dataset import open_dataset_store, open_query_store
from kg.dumps import write_dumps
from kg.errors import InputError, KgError, QueryError, one_line
from kg.export import EXPORT_FORMATS, FLATTENING_FORMATS, export_dataset
from kg.namespaces import PREFIXES
from kg.project import display_path
from kg.querying import (
    answer_text,
    RESULT_FORMATS,
    bindings,
    get_named_query,
    list_named_queries,
    render_table,
)
from kg.reasoning import REASONERS
from kg.sandbox import AUTO, MECHANISMS, UNSAFE_OPT_OUT, run_sandboxed
from kg.stats import STATS_FORMATS, compute_stats, format_stats
from kg.transfers import transfers_csv
from kg.web.command import serve_command
from kg.screening import MAX_NESTING, screen


class KgGroup(click.Group):
    """A command group that reports kg's errors as one line on stderr, never a traceback, and
    Ctrl-C as exit 130."""

    def invoke(self, ctx: click.Context) -> object:
        _log_warnings_as_lines()
        try:
            return super().invoke(ctx)
        except KgError as err:
            # A failed build says what is wrong first (the violations), then the one-line error.
            for line in err.details:
                click.echo(f"  {line}", err=True)
            click.echo(f"kg: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            # click would say "Aborted!" and exit 1, a failed validation's code; 128 + SIGINT is
            # the shell's, which scripts can tell apart.
            click.echo("kg: interrupted", err=True)
            ctx.exit(130)


class _OneLineWarnings(logging.Handler):
    """rdflib's warnings (on ill-typed literals, say) as "kg: warning: ..." lines."""

    def emit(self, record: logging.LogRecord) -> None:
        # The message only: rdflib attaches a traceback to warnings about the user's data.
        click.echo(f"kg: warning: {one_line(record.getMessage())}", err=True)


def _log_warnings_as_lines() -> None:
    # On rdflib's logger only, so that commands such as `serve` keep the root logger to themselves.
    logger = logging.getLogger("rdflib")
    if not any(isinstance(h, _OneLineWarnings) for h in logger.handlers):
        logger.addHandler(_OneLineWarnings(logging.WARNING))


@click.group(cls=KgGroup)
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """A knowledge graph of Mali's military cooperation, served as linked data.

    The project folder is $KG_ROOT, else this source checkout, else the ontology, shapes,
    rules and queries installed with the package (validate files with --data).
    """


@main.command()
@click.argument("query_text", metavar="[QUERY]", required=False)
@click.option("--file", "-f", "query_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from this file.")
@click.option("--name", "-n", help="Run the named query queries/NAME.rq.")
@click.option("--list", "list_only", is_flag=True, help="List the named queries and exit.")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS),
              help="Output format [default: table; turtle for CONSTRUCT and DESCRIBE].")
@click.option("--bind", "binds", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME before evaluation, typed as the named query's '# param:' line "
              "says (--name deliveries-in-year --bind year=1975); else <iri> or a string. "
              "?NAME must be in the SELECT clause. Repeatable.")
@click.option("--sandbox", type=click.Choice(MECHANISMS), default=AUTO, show_default=True,
              help="How the query is kept off the network while it is evaluated (as kg serve "
              f"--sandbox); {UNSAFE_OPT_OUT} evaluates it with none.")
def query(query_text: str | None, query_file: Path | None, name: str | None, list_only: bool,
          fmt: str | None, binds: tuple[str, ...], sandbox: str) -> None:
    """Run a SPARQL query over all graphs of the dataset.

    Give exactly one of QUERY (the text, or - to read it from stdin), --file or --name.
    Ad-hoc queries may use the project's prefixes (kgo:, id:, graph:, ...) without
    declaring them; named queries declare their own.
    """
    given = sum(x is not None for x in (query_text, query_file, name))
    if list_only:
        if given:
            raise click.UsageError("--list takes no query.")
        click.echo(_named_query_list(), nl=False)
        return
    if given != 1:
        raise click.UsageError("give exactly one of QUERY, --file or --name.")
    declared: dict[str, str] = {}
    if name is not None:
        named = get_named_query(name)
        text, source, prefixes = named.text, display_path(named.path), None
        declared = dict(named.params)
    elif query_file is not None:
        text, source = _read_query_file(query_file), display_path(query_file)
        prefixes = PREFIXES
    elif query_text == "-":
        text, source, prefixes = click.get_text_stream("stdin").read(), "<stdin>", PREFIXES
    else:
        text, source, prefixes = query_text, "query", PREFIXES
    _refuse_what_kg_never_does(text, source)
    substitutions = bindings(binds, declared)
    store = open_query_store(reporter=_build_reporter())

    # The query is the user's: it is evaluated only where it can reach no network.
    output = run_sandboxed(
        sandbox,
        lambda: answer_text(store, text, fmt, prefixes=prefixes, source=source,
                            substitutions=substitutions),
    )
    click.echo(output, nl=False)


def _refuse_what_kg_never_does(text: str, source: str) -> None:
    """kg answers from its own graphs: no SERVICE calls to the network, no updates."""
    screening = screen(text)
    if screening.uses_service:
        raise QueryError(f"{source}: SERVICE is not supported: kg queries only its own graphs")
    if screening.nesting > MAX_NESTING:
        # Deeper crashes the engine's parser (kg.screening measured it): say so before it does.
        raise QueryError(
            f"{source}: the query nests brackets {screening.nesting} deep; kg takes at most "
            f"{MAX_NESTING}"
        )
    if screening.is_update:
        raise QueryError(f"{source}: SPARQL Update is not supported: kg query is read-only")


def _named_query_list() -> str:
    queries = list_named_queries()
    return render_table(["name", "title"], [[q.name, q.title] for q in queries])


def _read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not valid UTF-8"
        raise InputError(f"{display_path(path)}: cannot read: {reason}") from err


@main.command()
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="trig",
              show_default=True, help="RDF format. "
              f"{', '.join(sorted(FLATTENING_FORMATS))} hold one graph: they merge all graphs.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.option("--dumps", "dumps_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Instead, write into this folder the files the server lists at /dumps: "
              "asserted and inferred apart, in N-Quads, TriG, Turtle, N-Triples and JSON-LD, "
              "with a SHA256SUMS file.")
def export(fmt: str, output: Path | None, dumps_dir: Path | None) -> None:
    """Write the whole dataset in one RDF format, in a stable order."""
    store = open_dataset_store(reporter=_build_reporter())
    if dumps_dir is not None:
        if output is not None:
            raise click.UsageError("--dumps writes a folder of files; give it without --output.")
        for dump in write_dumps(store, dumps_dir):
            click.echo(f"{dump.size:>10}  {display_path(dumps_dir / dump.file_name)}")
        return
    if output is None:
        export_dataset(store, fmt, click.get_binary_stream("stdout"))
        return
    try:
        with output.open("wb") as out:
            export_dataset(store, fmt, out)
    except OSError as err:
        raise KgError(f"{display_path(output)}: cannot write: {err.strerror}") from err


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
def transfers(output: Path | None) -> None:
    """Write every arms transfer as CSV, in the columns of the SIPRI trade register.

    Runs the named query transfers-register (as the server's /transfers.csv does): supplier,
    recipient, designation, description, number delivered, delivery year, status (the
    equipment's condition, as in SIPRI's register), comments, then our deal stage, the verbatim
    evidence and the source of each deal.
    """
    data = transfers_csv(open_query_store(reporter=_build_reporter()))
    if output is None:
        click.get_binary_stream("stdout").write(data)
        return
    try:
        output.write_bytes(data)
    except OSError as err:
        raise KgError(f"{display_path(output)}: cannot write: {err.strerror}") from err


@main.command()
@click.option("--format", "fmt", type=click.Choice(STATS_FORMATS), default="text",
              show_default=True, help="Output format.")
def stats(fmt: str) -> None:
    """Count triples per graph, entities per class and triples per property."""
    store = open_dataset_store(reporter=_build_reporter())
    click.echo(format_stats(compute_stats(store), fmt), nl=False)


@main.command()
@click.option("--reasoner", type=click.Choice(REASONERS), default="fast", show_default=True,
              help="fast: OWL 2 RL rules compiled from the ontology; owlrl: the owlrl package "
              "(the reference, about 1 ms per triple). Both give the same triples.")
@click.option("--no-reasoning", is_flag=True, help="Leave the inferred graph out.")
@click.option("--force", is_flag=True, help="Rebuild even if no input has changed.")
def build(reasoner: str, no_reasoning: bool, force: bool) -> None:
    """Load, reason, derive and validate; write build/dataset.nq, the store and the manifest.

    The store (build/store-*) is what `kg serve` and the read commands open, read-only.

    A build whose inputs (ontology, data, rules, shapes), options and code are unchanged is
    reused without reasoning. Prints the time of each stage. Exits 1, keeping the last good
    build, if the data are inconsistent or violate the shapes.
    """
    options = BuildOptions("none" if no_reasoning else reasoner)
    reporter = PrintingReporter(click.echo, lambda line: click.echo(line, err=True))
    result = run_build(options=options, force=force, reporter=reporter)
    if not result.reused:
        click.echo(f"{'total':<9} {result.manifest['timings']['total']:7.2f} s")
    click.echo(status_line(result))


@main.command()
@click.option("--data", "data_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A data file (.trig, or .ttl for one graph). Repeatable; the files may also "
              "follow as arguments (--data a.trig b.trig). [default: the files of data/]")
@click.argument("more_data", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--shapes", "shape_paths", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A SHACL shapes file. Repeatable. [default: the files of shapes/]")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text",
              show_default=True, help="Report format; turtle is the SHACL validation report.")
@click.option("--inference", type=click.Choice(["none", "rdfs", "owlrl"]), default="none",
              show_default=True, help="Add the RDFS or OWL 2 RL closure before validating.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def validate(ctx: click.Context, data_paths: tuple[Path, ...], more_data: tuple[Path, ...],
             shape_paths: tuple[Path, ...], fmt: str, inference: str, strict: bool) -> None:
    """Check data files against the SHACL shapes, with the ontology.

    Prints each problem under the node it concerns, with its file and evidence. Exits 0 when
    the data conform (warnings are printed but pass, unless --strict), 1 on any violation,
    2 when a file cannot be read.
    """
    # Imported here: pySHACL is slow to import and only this command needs it.
    from kg.validation import validate_files
    from kg.validation_report import render_report

    data = list(data_paths + more_data) or None
    outcome = validate_files(data, list(shape_paths) or None, inference=inference)
    click.echo(render_report(outcome, fmt), nl=False)
    if not outcome.passes(strict=strict):
        ctx.exit(1)


@main.command()
@click.argument("graph_store_url", metavar="GRAPH_STORE_URL")
@click.option("--query-url", default=None, metavar="URL",
              help="The store's SPARQL query endpoint, for the counts. [default: beside "
              "GRAPH_STORE_URL as Oxigraph (/store, /query), Fuseki (/ds/data, /ds/query) and "
              "Virtuoso (/sparql-graph-crud[-auth], /sparql) lay them out]")
def push(graph_store_url: str, query_url: str | None) -> None:
    """Upload every named graph of the build to a SPARQL 1.1 Graph Store, then check the counts.

    One PUT per graph, replacing it whole, plus their merge (the default graph `kg serve --store`
    queries); kg's graphs on the store that the build no longer has are deleted, other graphs left
    alone. Credentials come from ~/.netrc (or the file $NETRC names), as curl reads them,
    sent as the server's 401 asks (basic or digest). Exit 1 if the counts differ afterwards.
    """
    from kg.build import open_build
    from kg.push import push as push_graphs

    dataset = open_build(reporter=_build_reporter()).dataset_path
    counts = push_graphs(dataset, graph_store_url, query_url, report=click.echo)
    click.echo(f"pushed {len(counts)} graphs, {sum(counts.values())} triples; counts checked")


def _build_reporter() -> PrintingReporter:
    """For a read command's build, made first if an input changed: all of it on stderr, so that
    the results on stdout stay clean."""
    return PrintingReporter(_to_stderr, _to_stderr)


def _to_stderr(line: str) -> None:
    click.echo(line, err=True)


main.add_command(serve_command)


if __name__ == "__main__":
    main()
