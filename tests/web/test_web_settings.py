"""Settings: each documented, each reachable from `kg serve`, each checked; the server set from them."""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from kg.errors import InputError
from kg.web.serving import granian_options
from kg.web.app import create_app
from kg.web.settings import Settings
from kg.web.caching import AnswerCacheMiddleware
from kg.web.command import serve_command

# Settings that are not `kg serve` flags, and why.
NOT_FLAGS = {
    "max_body_bytes": "a protocol constant (1 MiB) rather than a deployment choice",
}


@pytest.mark.parametrize("setting", dataclasses.fields(Settings), ids=lambda f: f.name)
def test_every_setting_is_documented(setting: dataclasses.Field) -> None:
    assert len(setting.metadata.get("help", "")) > 10


def test_every_deployment_setting_is_a_flag() -> None:
    help_text = CliRunner().invoke(serve_command, ["--help"]).output
    for setting in dataclasses.fields(Settings):
        if setting.name not in NOT_FLAGS:
            flag = "--" + setting.name.removesuffix("_bytes").replace("_", "-")
            assert flag in help_text, flag


@pytest.mark.parametrize(
    "bad",
    [
        {"query_timeout": 0},
        {"max_rows": 0},
        {"workers": 0},
        {"max_body_bytes": 0},
        {"query_memory_bytes": 0},
        {"threads": 0},
        {"answer_cache_bytes": -1},
    ],
)
def test_impossible_settings_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Settings(data=(), **bad)


def test_missing_data_is_a_one_line_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "dataset.nq"
    with pytest.raises(InputError) as raised:
        create_app(Settings(data=(missing,)))
    assert str(raised.value) == f"{missing}: no such file"


def test_broken_data_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text("<http://e/s> <http://e/p> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.nq: "):
        create_app(Settings(data=(broken,)))


def test_granian_runs_as_configured() -> None:
    settings = Settings(data=(), host="127.0.0.2", port=9999, workers=5, threads=3)
    options = granian_options(settings)
    assert (options["address"], options["port"]) == ("127.0.0.2", 9999)
    assert (options["interface"].value, options["workers"], options["blocking_threads"]) == (
        "wsgi",
        5,
        3,
    )
    # The app logs its own requests (kg.web.access_log); granian's log would double each line.
    assert options["log_access"] is False
    assert options["respawn_failed_workers"] is True


def test_the_answer_cache_is_off_at_zero(make_app: Callable[..., Flask]) -> None:
    # The cache sits inside the compression layer.
    assert isinstance(make_app().wsgi_app.app, AnswerCacheMiddleware)
    assert not isinstance(make_app(answer_cache_bytes=0).wsgi_app.app, AnswerCacheMiddleware)
