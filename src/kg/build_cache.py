"""Where a build is kept and when it is reused: its key, its manifest, its lock, its writes.

The key is a sha256 over the content of every input (ontology, data, rules, shapes), the
build's options, the code of the modules that decide what a build holds, and the versions of
rdflib, owlrl, pyoxigraph and pyshacl. A build whose key matches is reused as it is: neither
`kg build` nor a later start reasons again until an input changes.

build/manifest.json describes a build: the key, the options, every input file with its sha256,
the triples of each graph, the stage timings and the versions of the tools.

The build's store (kg.build_cache.write_store) is an on-disk pyoxigraph (RocksDB) store that
`kg serve` and the read commands open read-only: every named graph, and in the default graph
their RDF merge (kg.store.with_merged_default_graph says why a merge and not pyoxigraph's union),
written once here rather than copied at every start. Each build's store is a folder of its own,
build/store-KEY-TIME, written as build/.store.PID.tmp and renamed when complete.

Writes are atomic: the store, then the dataset (written to a temporary file and renamed over the
old one), then the manifest likewise, last: the manifest names its store folder and carries the
dataset's sha256 and inode, and a build whose dataset is not the file its manifest describes (the
same inode, or else the same sha256: a copied build is reused), or whose store is missing, is not
reused. A build that fails or is killed before its manifest leaves the last good
build where it was; what a killed one left (temporary files of a process no longer running) and
the stores of older builds are removed by the next build, under the build lock. The store of the
build that was current before the last one is kept, so that a server started on it keeps reading.
"""

import errno
import fcntl
import functools
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pyoxigraph

from kg import __version__
from kg.derivation import rule_files
from kg.errors import InputError, KgError, one_line
from kg.loading import TRIPLE_FORMATS, rdf_format
from kg.namespaces import PREFIX_TABLE
from kg.project import data_files, display_path, ontology_files, shape_files
from kg.search_index import INDEX_PREFIX, INDEX_SUFFIX, index_name

BUILD_FORMAT = 2
# A relative IRI reference in Turtle or TriG: an IRIREF (its escapes included) not opening with
# a scheme. Strings and comments are not told apart, nor an absolute @base: an HTML tag in a
# literal costs only a rebuild when the file moves, never a stale build.
_RELATIVE_REFERENCE = re.compile(rb'<(?![A-Za-z][A-Za-z0-9+.\-]*:)[^<>"{}|^`\x00-\x20]*>')
DATASET_FILE = "dataset.nq"
STORE_PREFIX = "store-"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
# In each store: every process reading it holds a shared lock on this file (kg.dataset).
READERS_FILE = "kg-readers.lock"
# The code that decides what a build holds: kg.build and every kg module it imports, followed
# through their imports (found, not listed, so that a new or renamed module cannot be missed).
_PIPELINE_ROOT = "build"
_KG_IMPORT = re.compile(r"^\s*(?:from|import)\s+kg\.([a-z_.]+)", re.MULTILINE)
_TOOLS = ("rdflib", "owlrl", "pyoxigraph", "pyshacl")
# The store is loaded in pieces of about this many bytes of N-Quads (some 300,000 quads), this
# many pieces at a time (pyoxigraph lets go of the GIL while it loads), read back from the file
# each text is dumped to. A build that validates writes its store while pyshacl-turbo has the
# other core, and loads one piece at a time: a second one added some 300 MB at 10^6 generated
# triples, past the 4 GB asked (kg.build).
LOAD_PIECE_BYTES = 64 << 20
# One load at a time (beside validation), in smaller pieces: each piece's load holds its quads,
# and there pyshacl-turbo's graph is at its largest.
SINGLE_LOAD_PIECE_BYTES = 16 << 20
LOAD_THREADS = 2
# What a writing process leaves while it writes: .dataset.nq.PID.tmp, .store.PID.tmp, the text
# being loaded into it (.store-text.PID.tmp), and the search index's temporary file with SQLite's
# rollback journal beside it (…tmp-journal).
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp(?:-journal)?$")


@dataclass(frozen=True)
class InputFile:
    """One file the build reads, by role (ontology, data, rules, shapes), with its content hash."""

    role: str
    path: Path
    relative: str
    sha256: str
    size: int
    # The IRI the file is read at where the output may depend on it (input_files(located=True)).
    location: str | None = None


def input_files(
    root: Path, data: list[Path] | None = None, *, located: bool = False
) -> list[InputFile]:
    """Every file the build reads, in a fixed order; `data` replaces the project's data files.

    `located`: each with the location its output may depend on (`output_location`), decided
    from the very bytes hashed; a build's manifest records it, a start need not look for it.
    """
    groups = [
        ("ontology", ontology_files(root)),
        ("data", data_files(root) if data is None else data),
        ("rules", rule_files(root)),
        ("shapes", shape_files(root)),
    ]
    return [_input_file(role, path, root, located) for role, paths in groups for path in paths]


def build_key(inputs: list[InputFile], options: dict[str, Any]) -> str:
    """The sha256 naming a build: over the inputs' content, the options, the code and the tools."""
    payload = {
        "format": BUILD_FORMAT,
        "options": options,
        "code": _code_fingerprint(),
        "versions": tool_versions(),
        "inputs": [[f.role, f.relative, f.sha256] for f in inputs],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of the build in `directory`, or None unless it describes a complete build."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("format") != BUILD_FORMAT:
            return None
        if not (directory / manifest["store"]["path"]).is_dir():
            return None
        written = (directory / DATASET_FILE).stat()
        described = manifest["dataset"]
        if written.st_size != described["bytes"]:
            return None
        # A dataset renamed into place whose manifest never followed (a crash in between) is
        # another file: the inode tells, where hashing it takes 0.4 s at 1e6 triples. Another
        # inode may also be the same build copied (cp -a, a backup restored, the project moved
        # to another disk): its content tells those apart, and the copy's inode is recorded.
        if written.st_ino != described["inode"]:
            if _dataset_sha256(directory / DATASET_FILE, written) != described["sha256"]:
                return None
            _record_inode(directory, manifest, written.st_ino)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest


def _described(f: InputFile) -> dict[str, Any]:
    described = {"role": f.role, "path": f.relative, "sha256": f.sha256, "bytes": f.size}
    if f.location is not None:
        described["location"] = f.location
    return described


def output_location(role: str, path: Path, data: bytes) -> str | None:
    """The IRI a file is read at (kg.loading: its base, and a triples file's graph name), where
    the build's output may depend on it; None where it cannot.

    The key names a file by its path in the project, so that a moved project reuses its build;
    a triples file given as data (Turtle, N-Triples, RDF/XML) has its graph named by its
    location, though, and a relative IRI in a file resolves against it. Such a build records
    the location, and is reused only where the file still is (`same_locations`). Only the
    ontology and data files make triples.
    """
    if role not in ("ontology", "data"):
        return None
    fmt = rdf_format(path)
    if role == "data" and fmt in TRIPLE_FORMATS:
        located = True
    elif fmt in ("nt", "nquads"):  # absolute IRIs only
        located = False
    elif fmt in ("turtle", "trig"):
        located = _RELATIVE_REFERENCE.search(data) is not None
    else:  # RDF/XML and JSON-LD are not looked into
        located = True
    return path.resolve().as_uri() if located else None


def same_locations(manifest: dict[str, Any], inputs: list[InputFile]) -> bool:
    """Whether every input the manifest records a location for is still read at it."""
    return all(
        described.get("location") in (None, f.path.resolve().as_uri())
        for described, f in zip(manifest.get("inputs", []), inputs)
    )


# The sha256 of each copied dataset this process has hashed, by its status: a start reads the
# manifest three times, and where the copy's inode cannot be recorded (a read-only disk, a build
# folder of another user) it would otherwise be hashed each time.
_HASHED: dict[tuple[int, int, int, int, int], str] = {}


def _dataset_sha256(path: Path, status: os.stat_result) -> str:
    identity = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    sha256 = _HASHED.get(identity)
    if sha256 is None:
        sha256 = _HASHED[identity] = _sha256_of(path)
    return sha256


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_inode(directory: Path, manifest: dict[str, Any], inode: int) -> None:
    """Record a copied dataset's inode in its manifest, so that the next start need not hash it.

    Only while no build holds the folder, and only if the manifest and the dataset are still the
    ones just compared; otherwise, or on a read-only disk, the next start hashes it again.
    """
    try:
        with open(directory / LOCK_FILE, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            try:
                current = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
                if current != manifest or (directory / DATASET_FILE).stat().st_ino != inode:
                    return
                recorded = {**manifest, "dataset": {**manifest["dataset"], "inode": inode}}
                _write_atomically(
                    directory / MANIFEST_FILE, (json.dumps(recorded, indent=2) + "\n").encode()
                )
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except (OSError, ValueError, KgError):
        return


def make_manifest(
    key: str, options: dict[str, Any], inputs: list[InputFile], store: pyoxigraph.Store,
    dataset: bytes, timings: dict[str, float], rules: dict[str, int], store_path: str,
) -> dict[str, Any]:
    """The manifest of a build whose store is written as `dataset`; `rules` counts what each derived."""
    return {
        "format": BUILD_FORMAT,
        "key": key,
        "options": options,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [_described(f) for f in inputs],
        "dataset": {
            "path": DATASET_FILE,
            "sha256": hashlib.sha256(dataset).hexdigest(),
            "bytes": len(dataset),
            "quads": len(store),
        },
        "store": {"path": store_path},
        "graphs": _graph_sizes(store),
        "rules": rules,
        "timings": {**timings, "total": round(sum(timings.values()), 4)},
        "versions": tool_versions(),
    }


def write_dataset(directory: Path, dataset: bytes) -> None:
    """Put a new build's dataset in place; until its manifest follows, the build is not reused."""
    _write_atomically(directory / DATASET_FILE, dataset)


@dataclass(frozen=True)
class StoreText:
    """Text for the build's store, which `write` writes to the file at the path it is given, and
    the store loads in `format`: N-Quads (named graphs), or N-Triples (for the default graph, which
    so holds their merge). With `graph`, `write` writes N-Triples, made N-Quads of that graph.

    A path, not an open file: pyoxigraph writes a file it opens itself without the GIL, where
    writing into a Python file takes the GIL back for every chunk, which under a busy Python
    thread (the build's validation beside it) waits its turn each time: 34 s instead of 0.3 s
    for the 270,000 quads of 10^5 generated triples.
    """

    format: pyoxigraph.RdfFormat
    write: Callable[[str], object]
    graph: pyoxigraph.NamedNode | None = None


def write_store(directory: Path, key: str, named: bytes, merge: Iterable[bytes]) -> str:
    """Write a new on-disk store in `directory`: the named graphs, N-Quads, and in its default
    graph the texts of `merge`, N-Triples of the same terms; the name of its folder.

    Written under a temporary name and renamed once flushed and compacted, so that no reader
    ever opens half a store; the manifest, written next, is what makes it the build's.
    """
    name = new_store_name(key)
    texts = itertools.chain(
        [StoreText(pyoxigraph.RdfFormat.N_QUADS, lambda path: Path(path).write_bytes(named))],
        (StoreText(pyoxigraph.RdfFormat.N_TRIPLES, lambda path, t=text: Path(path).write_bytes(t)) for text in merge),
    )
    return commit_store(directory, fill_store(directory, name, texts), name)


def new_store_name(key: str) -> str:
    """The folder name of a new build's store: its key, and the time, for two builds of one key."""
    return f"{STORE_PREFIX}{key[:12]}-{time.time_ns():x}"


def fill_store(
    directory: Path, name: str, texts: Iterable[StoreText], cancelled: threading.Event | None = None,
    threads: int = LOAD_THREADS,
) -> Path:
    """Write the store of `texts` under a temporary name in `directory`, flushed, compacted and
    closed; its path. Nothing names it yet: `commit_store` does, once the build is good.

    `cancelled` stops it between two pieces (the build failed meanwhile): KgError, no store left,
    nor the temporary file each text is loaded from.
    """
    temporary = directory / f".store.{os.getpid()}.tmp"
    text_file = directory / f".store-text.{os.getpid()}.tmp"
    try:
        shutil.rmtree(temporary, ignore_errors=True)
        _write_new_store(temporary, texts, text_file, cancelled, threads)
        _sync_directory(temporary)
    except BaseException as err:
        # The failed load's frames hold the store: cleared, it closes its files and its lock.
        traceback.clear_frames(err.__traceback__)
        shutil.rmtree(temporary, ignore_errors=True)
        text_file.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise KgError(
                f"{display_path(directory / name)}: cannot write the store: {_reason(err)}"
            ) from err
        raise
    return temporary


def commit_store(directory: Path, temporary: Path, name: str, index: Path | None = None) -> str:
    """Give the store written by `fill_store` its name, and its search index (written under a
    temporary name too) the index's; the manifest, next, makes them the build's."""
    try:
        os.replace(temporary, directory / name)
        if index is not None:
            os.replace(index, directory / index_name(name))
        _sync_directory(directory)
    except OSError as err:
        shutil.rmtree(temporary, ignore_errors=True)
        raise KgError(f"{display_path(directory / name)}: cannot write the store: {_reason(err)}") from err
    return name


def _write_new_store(
    path: Path, texts: Iterable[StoreText], text_file: Path, cancelled: threading.Event | None,
    threads: int,
) -> None:
    store = pyoxigraph.Store(str(path))
    _bulk_load(store, texts, text_file, cancelled, threads)
    store.flush()
    store.optimize()
    # Returning closes it: RocksDB writes its last files and releases its lock.


def _bulk_load(
    store: pyoxigraph.Store, texts: Iterable[StoreText], text_file: Path,
    cancelled: threading.Event | None, threads: int,
) -> None:
    """Load the texts into `store`, each written to `text_file` first, then read back in
    pieces, `threads` at a time, by pyoxigraph.

    One load of it all would hold a million quads at a time in each of its threads (+2.8 GB
    at 10^6 generated triples), and one load per graph would leave small files for each graph
    and index to compact: texts of one format run on into the same pieces.
    """
    with ThreadPoolExecutor(threads) as pool:
        pieces = _PieceLoader(store, pool, threads, cancelled)
        try:
            for text in texts:
                pieces.begin(text.format)
                text.write(str(text_file))
                pieces.read(text_file, text.graph)
                text_file.unlink()
            pieces.begin(None)
        finally:
            pieces.wait_for(0)


class _PieceLoader:
    """Loads the texts it reads or is written into the store, cut after the first line end past
    every LOAD_PIECE_BYTES bytes, at most `threads` pieces at a time.

    Each load names the blank nodes it reads afresh, so a piece that may have a blank node
    ("_:", if only in a literal) is parsed here and its quads handed over with their labels,
    once the loads under way are done: slower, and bigger.
    """

    def __init__(
        self, store: pyoxigraph.Store, pool: ThreadPoolExecutor, threads: int,
        cancelled: threading.Event | None,
    ) -> None:
        self._store, self._pool, self._threads, self._cancelled = store, pool, threads, cancelled
        self._piece_bytes = LOAD_PIECE_BYTES if threads > 1 else SINGLE_LOAD_PIECE_BYTES
        self._format: pyoxigraph.RdfFormat | None = None
        self._buffer = bytearray()
        self._loading: set[Future[None]] = set()

    def begin(self, format: pyoxigraph.RdfFormat | None) -> None:
        """What is written next is in `format`; None: nothing is."""
        if format != self._format:
            self._load(bytes(self._buffer))
            self._buffer.clear()
            self._format = format

    def write(self, chunk: bytes) -> int:
        self._buffer += chunk
        if len(self._buffer) >= self._piece_bytes:
            end = self._buffer.rfind(b"\n") + 1
            if end:
                self._load(bytes(self._buffer[:end]))
                del self._buffer[:end]
        return len(chunk)

    def read(self, path: Path, graph: pyoxigraph.NamedNode | None = None) -> None:
        """Write the file's text, a piece at a time; with `graph`, N-Triples made its N-Quads.

        pyoxigraph writes one triple a line, each ending in " .\n", and escapes every line end
        within a literal: the graph's name goes before each such ending.
        """
        ending = b" .\n" if graph is None else f" {graph} .\n".encode()
        with open(path, "rb") as text:
            rest = b""
            while chunk := text.read(self._piece_bytes):
                lines = rest + chunk
                end = lines.rfind(b"\n") + 1
                rest = lines[end:]
                self.write(lines[:end] if graph is None else lines[:end].replace(b" .\n", ending))
            if rest:  # a last line without its line end (a text handed over as bytes)
                self.write((rest + b"\n").replace(b" .\n", ending))

    def wait_for(self, at_most: int) -> None:
        """Wait until at most `at_most` loads are under way; raise the error of any that failed."""
        while len(self._loading) > at_most:
            done, self._loading = wait(self._loading, return_when=FIRST_COMPLETED)
            for load in done:
                load.result()

    def _load(self, piece: bytes) -> None:
        if not piece:
            return
        if self._cancelled is not None and self._cancelled.is_set():
            raise KgError("the build stopped while its store was written")
        assert self._format is not None
        if b"_:" in piece:
            self.wait_for(0)
            self._store.bulk_extend(pyoxigraph.parse(piece, self._format))
            return
        self.wait_for(self._threads - 1)
        # Lenient: the text is the store's own serialisation, its IRIs checked already.
        self._loading.add(self._pool.submit(self._store.bulk_load, piece, self._format, lenient=True))


def _reason(err: OSError) -> str:
    # RocksDB's errors come without an errno, as a paragraph naming its own files.
    if err.strerror:
        return err.strerror
    for errno_value in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
        if os.strerror(errno_value) in str(err):
            return os.strerror(errno_value)
    return one_line(str(err))


def discard_store(directory: Path, name: str) -> None:
    """Remove a store written for a build that failed afterwards, and its search index."""
    shutil.rmtree(directory / name, ignore_errors=True)
    (directory / index_name(name)).unlink(missing_ok=True)


def remove_leftovers(directory: Path) -> None:
    """Remove what killed builds left and the stores no build needs; call under `exclusive`.

    Kept: the store the manifest on disk names, the one it replaced, and any store a process
    still reads (a server finishing requests on an older build); a later build removes those.
    The manifest's store is kept even when the dataset beside it is no longer the manifest's (a
    build killed between the two renames): until a newer manifest names another, it is the last
    good build.
    """
    kept = {manifest_store(directory), _manifest_stores(directory).get("previous")}
    for path in directory.glob(f"{STORE_PREFIX}*"):
        if path.name not in kept and not _read_by_a_process(path):
            shutil.rmtree(path, ignore_errors=True)
    # Each store's search index (kg.search_index) goes with it, and only with it: a server still
    # reading an older store opens its index afresh in every new thread.
    indexes_kept = {index_name(path.name) for path in directory.glob(f"{STORE_PREFIX}*")}
    for path in directory.glob(f"{INDEX_PREFIX}*{INDEX_SUFFIX}"):
        if path.name not in indexes_kept:
            path.unlink(missing_ok=True)
    for path in directory.iterdir():
        match = _TEMPORARY.match(path.name)
        if match and not _running(int(match.group(1))):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def manifest_store(directory: Path) -> str | None:
    """The name of the store folder the manifest on disk names, if that folder is there: the last
    good build's, whether or not the dataset beside the manifest is still its own."""
    name = _manifest_stores(directory).get("path")
    return name if isinstance(name, str) and name and (directory / name).is_dir() else None


def _manifest_stores(directory: Path) -> dict[str, Any]:
    """The "store" entry of the manifest on disk, as written, unchecked; {} if there is none."""
    try:
        store = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))["store"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return store if isinstance(store, dict) else {}


def _read_by_a_process(store: Path) -> bool:
    try:
        with open(store / READERS_FILE, "rb") as readers:
            fcntl.flock(readers, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False  # no readers file: nobody opened it since kg.dataset took the lock
    return False


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Put the manifest of the dataset just written in place: the build is complete.

    It names, besides its own store, the store of the manifest it replaces: the one store
    `remove_leftovers` keeps besides the current one, for a server still reading it.
    """
    try:
        manifest["dataset"]["inode"] = (directory / DATASET_FILE).stat().st_ino
    except OSError as err:
        raise KgError(f"{display_path(directory / DATASET_FILE)}: cannot read: {err.strerror}") from err
    replaced = _manifest_stores(directory).get("path")
    if replaced is not None:
        manifest["store"]["previous"] = replaced
    _write_atomically(directory / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())


def tool_versions() -> dict[str, str]:
    versions = {"kg": __version__, "python": platform.python_version()}
    for tool in _TOOLS:
        try:
            versions[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            versions[tool] = "absent"
    return versions


@contextmanager
def exclusive(directory: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """One build at a time per build folder, across processes (readers need no lock); `waiting`
    is called, once, if another holds it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise KgError(f"{display_path(directory)}: cannot create: {err.strerror}") from err
    with open(directory / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _input_file(role: str, path: Path, root: Path, located: bool = False) -> InputFile:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{display_path(path)}: cannot read: {err.strerror}") from err
    return InputFile(
        role, path, _keyed_path(path, root), hashlib.sha256(data).hexdigest(), len(data),
        output_location(role, path, data) if located else None,
    )


def _keyed_path(path: Path, root: Path) -> str:
    """The path the build key names a file by: relative to the project wherever it can be.

    Read as written first, then with symbolic links followed: a file reached through a linked
    folder (an ontology shared between projects, data on another disk) keeps the same key when
    the project is moved or reached by another path, where its absolute path would not. As
    written means with its `..` kept: behind a link, `linked/../x` is not the project's `x`.
    """
    for written, base in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        try:
            return written.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


@functools.cache
def _code_fingerprint() -> str:
    """A sha256 over the pipeline's modules and the prefix table (which decides the output)."""
    digest = hashlib.sha256()
    for name, source in sorted(pipeline_sources().items()):
        digest.update(name.encode() + b"\0" + source + b"\0")
    digest.update(PREFIX_TABLE.read_bytes())
    return digest.hexdigest()


def pipeline_sources() -> dict[str, bytes]:
    """The source of kg.build and of every kg module it imports, directly or not, by name."""
    package = Path(__file__).parent
    sources: dict[str, bytes] = {}
    waiting = [_PIPELINE_ROOT]
    while waiting:
        name = waiting.pop()
        if name in sources:
            continue
        module = package.joinpath(*name.split("."))
        path = module / "__init__.py" if module.is_dir() else module.with_suffix(".py")
        sources[name] = path.read_bytes()
        waiting.extend(_KG_IMPORT.findall(sources[name].decode()))
    return sources


def _graph_sizes(store: pyoxigraph.Store) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    sizes = {row["g"].value: int(row["n"].value) for row in store.query(query)}
    return dict(sorted(sizes.items()))


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data` in one step: readers see the old file or the new, never part."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _replace(temporary, path)
        _sync_directory(path.parent)
    except OSError as err:
        raise KgError(f"{display_path(path)}: cannot write: {err.strerror or err}") from err
    finally:
        temporary.unlink(missing_ok=True)


def _replace(source: Path, target: Path) -> None:
    os.replace(source, target)


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
