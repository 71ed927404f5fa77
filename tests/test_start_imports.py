"""What `kg serve` loads before its first answer: warm start is mostly imports (README, issue 13)."""

import subprocess
import sys

# Run in a fresh interpreter: this test session has imported everything already.
_PROBE = """
import sys
import kg.cli, kg.web.serving
import kg.screening
kg.screening.glance("SELECT * WHERE { ?s ?p ?o }")
print(sorted(m for m in ("requests", "urllib3", "kg.web.remote_evaluation") if m in sys.modules))
tokens = getattr(kg.screening, "_tokens", None)
print(tokens.cache_info().currsize if tokens else "compiled at import")
"""


def test_serving_imports_no_http_client_and_compiles_no_tokenizer() -> None:
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True)

    assert (probe.returncode, probe.stdout.splitlines(), probe.stderr) == (0, ["[]", "0"], "")
