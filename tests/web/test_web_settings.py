"""Settings: each documented, each reachable from `kg serve`, each checked; the server set from them."""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from kg.errors import InputError
from kg.serving import gunicorn_options
from kg.web import Settings, create_app
from kg.web.command import serve_command

# Settings that are not `kg serve` flags, and why.
NOT_FLAGS = {
    "query_workers": "per HTTP process; sync gunicorn workers use one each",
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
        {"query_workers": 0},
    ],
)
def test_impossible_settings_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Settings(data=(), **bad)


def test_missing_data_is_a_one_line_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file \(run `kg build` first, or pass --data\)"):
        create_app(Settings(data=(tmp_path / "dataset.nq",)))


def test_broken_data_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text("<http://e/s> <http://e/p> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.nq: "):
        create_app(Settings(data=(broken,)))


def test_default_data_is_the_build_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KG_ROOT", str(tmp_path))
    assert Settings().data == (tmp_path / "build" / "dataset.nq",)


def test_gunicorn_runs_as_configured(make_app: Callable[..., Flask]) -> None:
    settings = Settings(data=(), host="127.0.0.2", port=9999, workers=5, query_timeout=40)
    options = gunicorn_options(settings, make_app())
    assert options["bind"] == ["127.0.0.2:9999"]
    assert (options["workers"], options["worker_class"], options["preload_app"]) == (
        5,
        "sync",
        True,
    )
    # gunicorn must never kill a worker that is only waiting for a query to be stopped.
    assert options["timeout"] > settings.query_timeout
    assert "%(s)s" in options["access_log_format"] and "%(M)sms" in options["access_log_format"]
