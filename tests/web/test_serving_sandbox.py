"""kg serve and kg query evaluate user SPARQL only inside a sandbox, and say which one."""

import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

from kg.sandbox import AUTO, NETNS, SECCOMP, UNSAFE_OPT_OUT, SandboxUnavailable
from kg.web import command
from sandboxes import available

QUERY = "ASK { ?s ?p ?o }"


@pytest.mark.parametrize("mechanism", [AUTO, NETNS, SECCOMP, UNSAFE_OPT_OUT])
def test_the_logs_first_line_says_which_sandbox_is_in_force(
    kg_data: Path, kg_serve, tmp_path: Path, mechanism: str
) -> None:
    in_force = available(mechanism)
    args = ["--data", str(kg_data), "--as-is", "--workers", "1", "--sandbox", mechanism]
    with kg_serve(args, tmp_path / "kg-serve.log") as server:
        url = f"{server.url}/sparql?{urllib.parse.urlencode({'query': QUERY})}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert (response.status, response.read()) == (200, b'{"head": {}, "boolean": true}')
    first = (tmp_path / "kg-serve.log").read_text(encoding="utf-8").splitlines()[0]
    if mechanism == UNSAFE_OPT_OUT:
        assert first == (
            "kg: query sandbox: none-unsafe: none; a SERVICE call that gets past the screen "
            "reaches the network"
        )
    else:
        assert first == f"kg: query sandbox: {in_force}: query workers can open no network socket"


def test_kg_serve_refuses_to_start_without_its_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(mechanism: str) -> str:
        raise SandboxUnavailable(
            f"sandbox {mechanism} cannot be applied here: seccomp: Invalid argument; choose "
            "another with --sandbox (auto, netns, seccomp), or run without one with --sandbox "
            "none-unsafe (then a query can reach the network)"
        )

    monkeypatch.setattr(command, "probe", refuse)
    result = CliRunner().invoke(main, ["serve", "--sandbox", SECCOMP])
    assert result.exit_code == 2
    assert result.output == (
        "kg: error: sandbox seccomp cannot be applied here: seccomp: Invalid argument; choose "
        "another with --sandbox (auto, netns, seccomp), or run without one with --sandbox "
        "none-unsafe (then a query can reach the network)\n"
    )


def test_the_sandboxes_are_listed_in_help() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--sandbox [auto|netns|seccomp|none-unsafe]" in result.output
    result = CliRunner().invoke(main, ["query", "--help"])
    assert "--sandbox [auto|netns|seccomp|none-unsafe]" in result.output
