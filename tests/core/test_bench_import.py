"""``zhanggui bench import`` prints import speed with its reference (both engines; a few rows only)."""
from __future__ import annotations

import re

from click.testing import CliRunner

from core.cli import cli


def test_bench_import_prints_rows_per_second_beside_the_reference(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "import", "--rows", "30"])
    assert result.exit_code == 0, result.output
    for model in ("base.partner", "base.product"):
        line = next(line for line in result.output.splitlines() if line.strip().startswith(model))
        assert re.search(r"import\s+[\d.]+ s\s+\d+ rows/s\s+\(created 30, bad 0; this process's CPU [\d.]+ s\)$",
                         line), line
    assert re.search(r"reference\s+INSERT\s+[\d.]+ s\s+\d+ rows/s", result.output), result.output
