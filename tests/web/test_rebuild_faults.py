"""Rebuilds that hang, HTTP processes that cannot open the build served, SIGHUP while starting."""

import os
import signal
import threading
import types
from pathlib import Path

import pytest
from processes import child_pids
from flask import Flask

from kg.web import generations, rebuilding, serving
from kg.web.generations import BuildSlot, Generations
from kg.web.services import EXTENSION_KEY
from kg.web.settings import Settings

# Longer than a spawned process takes to import kg (about a second here), far shorter than a build
# that never ends.
LIMIT = 4.0


@pytest.fixture
def hanging_data(fixture_project: Path) -> Path:
    """A data file that never ends: a named pipe nobody writes to (reading it blocks for ever)."""
    pipe = fixture_project / "data" / "never-ends.trig"
    os.mkfifo(pipe)
    return pipe


def test_a_hung_rebuild_is_stopped_and_reported(hanging_data: Path, tmp_path: Path) -> None:
    slot = BuildSlot(tmp_path / "store-served", {"key": "served"})
    rebuilder = rebuilding.Rebuilder(slot, rebuilding.RebuildSpec(data=(hanging_data,)), LIMIT)
    done = threading.Thread(target=rebuilder.rebuild, args=("SIGHUP",))
    done.start()
    try:
        running = None
        while running is None and done.is_alive():
            running = slot.read()["rebuilding"]
        assert running is not None and running["trigger"] == "SIGHUP"
        assert running["since"].endswith("+00:00")
    finally:
        done.join(LIMIT + 30)
    assert not done.is_alive()
    record = slot.read()
    assert record["rebuilding"] is None
    assert record["generation"] == 0
    last = record["last_rebuild"]
    assert (last["outcome"], last["key"], last["trigger"]) == ("failed", "served", "SIGHUP")
    assert last["message"] == "the build took longer than 4 s and was stopped"
    # Stopped, not left running: no rebuild process is left behind.
    assert not [p for p in child_pids(os.getpid()) if b"spawn_main" in _cmdline(p)]


def test_the_rebuild_time_limit_is_a_setting() -> None:
    assert Settings().rebuild_time_limit == 900.0
    with pytest.raises(ValueError, match="rebuild_time_limit must be positive, not 0"):
        Settings(rebuild_time_limit=0)


def _second_build_published(tmp_path: Path) -> BuildSlot:
    """A slot whose first build has been replaced: generation 1 serves store-second."""
    slot = BuildSlot(tmp_path / "store-first", {"key": "first"})
    slot.publish(tmp_path / "store-second", {"key": "second"}, {"outcome": "swapped", "problems": []})
    return slot


def _app(name: str) -> Flask:
    app = Flask(name)
    app.extensions[EXTENSION_KEY] = types.SimpleNamespace(
        evaluator=types.SimpleNamespace(warm=lambda: None, close=lambda: None)
    )
    return app


def test_a_new_http_process_that_cannot_open_the_build_served_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = generations.RETRY_PAUSE
    monkeypatch.setattr(generations, "RETRY_PAUSE", 0)
    slot = _second_build_published(tmp_path)

    tries = []

    def cannot_open(store: Path) -> Flask:
        tries.append(store.name)
        raise OSError(f"no store at {store}")

    # Serving generation 0 instead would serve a store a later build may have deleted.
    with pytest.raises(SystemExit, match=r"cannot open the build served \(generation 1\)"):
        Generations(_app("first"), slot, cannot_open)
    assert tries == ["store-second"] * generations.OPEN_ATTEMPTS
    # Tried for longer than granian's crash-loop window, so that granian starts another process.
    assert (generations.OPEN_ATTEMPTS - 1) * pause > 5.5


def test_a_new_http_process_serves_the_build_served(tmp_path: Path) -> None:
    slot = _second_build_published(tmp_path)
    second = _app("second")
    assert Generations(_app("first"), slot, lambda store: second).current is second


class _Requests:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def request(self, reason: str) -> None:
        self.reasons.append(reason)

    def start(self, watch: bool) -> None:
        pass


def test_sighup_while_the_data_load_runs_asks_for_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = _Requests()
    monkeypatch.setattr(serving, "Rebuilder", lambda slot, spec, limit: requests)
    monkeypatch.setattr(serving, "describe_build", lambda store: {"store": str(store)})

    class Loaded(Exception):
        pass

    def load(settings: Settings) -> Flask:
        os.kill(os.getpid(), signal.SIGHUP)  # the handler runs before the next line
        raise Loaded

    monkeypatch.setattr(serving, "create_app", load)
    before = signal.getsignal(signal.SIGHUP)
    # Before the fix, this test's own handler would take the signal (in a real server: the
    # default action, which ends the process).
    signal.signal(signal.SIGHUP, lambda *_: requests.reasons.append("not ours"))
    try:
        with pytest.raises(Loaded):
            serving.serve(Settings(data=(tmp_path / "store-x",)), rebuilding.RebuildSpec())
    finally:
        signal.signal(signal.SIGHUP, before)
    assert requests.reasons == ["SIGHUP"]


def test_granians_sighup_asks_for_a_rebuild_and_respawns_nothing() -> None:
    requests = _Requests()
    server = serving.granian_server(Settings(port=0), requests)  # type: ignore[arg-type]
    # What granian installs as its SIGHUP handler when it starts, before any startup hook runs.
    server.signal_handler_reload(signal.SIGHUP, None)
    assert requests.reasons == ["SIGHUP"]
    assert server.reload_signal is False


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_new_http_process_tries_again_to_open_the_build_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = generations.RETRY_PAUSE
    monkeypatch.setattr(generations, "RETRY_PAUSE", 0)
    slot = _second_build_published(tmp_path)
    second, tries = _app("second"), []

    def fails_once(store: Path) -> Flask:
        tries.append(store.name)
        if len(tries) == 1:
            raise OSError("the store is locked")
        return second

    assert Generations(_app("first"), slot, fails_once).current is second
    assert tries == ["store-second", "store-second"]


def test_sighups_before_the_rebuilder_starts_are_served_once_it_does(tmp_path: Path) -> None:
    slot = BuildSlot(tmp_path / "store-served", {"key": "served"})
    rebuilder = rebuilding.Rebuilder(slot, rebuilding.RebuildSpec())
    triggers: list[str] = []
    served = threading.Event()
    rebuilder.rebuild = lambda trigger: (triggers.append(trigger), served.set())  # type: ignore[method-assign]
    rebuilder.request("SIGHUP")
    rebuilder.request("SIGHUP")
    assert triggers == []
    rebuilder.start(watch=False)
    assert served.wait(10)
    assert triggers == ["SIGHUP"]


def test_a_rebuild_that_cannot_start_is_a_failed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_spawn(spec: object, limit: float) -> dict:
        raise OSError("no more processes")

    monkeypatch.setattr(rebuilding, "_in_a_child", cannot_spawn)
    slot = BuildSlot(tmp_path / "store-served", {"key": "served"})
    rebuilding.Rebuilder(slot, rebuilding.RebuildSpec()).rebuild("SIGHUP")
    record = slot.read()
    assert record["rebuilding"] is None
    assert (record["last_rebuild"]["outcome"], record["last_rebuild"]["message"]) == (
        "failed", "the build process could not run: OSError: no more processes",
    )
