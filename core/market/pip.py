"""pip, run in a subprocess of the host's interpreter (``zhanggui.market_python``).

Installing is two runs of pip. The first, ``pip install --dry-run --report``, resolves
the addon against the trusted indexes with every distribution already on the host
pinned as a constraint: an addon that needs another version of anything the host has
(SQLAlchemy, the kernel…) is refused there, with pip's reason, and nothing is
installed. Its report names every file to install with its sha256. The second run
installs exactly those files from a requirements file of ``name==version
--hash=sha256:…`` lines with ``--require-hashes --no-deps``: what was checked is what
is installed, byte for byte.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

Progress = Callable[[str], None]
TIMEOUT = 900


class PipError(Exception):
    """pip refused or failed; the message carries pip's own reason."""


@dataclasses.dataclass(frozen=True)
class Pin:
    """One file the dry run chose: what the real run installs, and nothing else."""

    name: str
    version: str
    sha256: str

    def line(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


def _env() -> dict[str, str]:
    # The operator's own pip configuration must not add indexes behind the trusted ones.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_INDEX", "PIP_EXTRA_INDEX", "PIP_FIND_LINKS"))}
    # pip's configuration files too (/etc/pip.conf, ~/.config/pip): only the trusted
    # indexes are used. Proxies (HTTPS_PROXY) and certificates (SSL_CERT_FILE) still apply.
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _index_args(indexes: list[str]) -> list[str]:
    if not indexes:
        raise PipError("no trusted index is configured (zhanggui.market_indexes)")
    args = ["--index-url", indexes[0]]
    for extra in indexes[1:]:
        args += ["--extra-index-url", extra]
    return args


def _reason(output: str) -> str:
    """pip's explanation, without its hints and tracebacks."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    # From pip's first error on: "Cannot install … The conflict is caused by: …".
    first = next((i for i, line in enumerate(lines) if line.startswith("ERROR:")), max(0, len(lines) - 15))
    keep = [line for line in lines[first:]
            if not line.lstrip().startswith(("hint:", "[notice]", "To fix this", "1. loosen", "2. remove"))]
    return "\n".join(keep[:30]) or "pip failed without saying why"


def _run(python: str, args: list[str], progress: Progress | None = None) -> str:
    cmd = [python, "-m", "pip", *args]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=_env(), cwd=tempfile.gettempdir())
    except OSError as exc:
        raise PipError(f"cannot run {python}: {exc.strerror or exc}") from None
    out: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        out.append(line)
        if progress is not None and line.strip():
            progress("  pip: " + line.rstrip())
    try:
        code = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise PipError(f"pip did not finish within {TIMEOUT} s") from None
    if code != 0:
        raise PipError(_reason("".join(out)))
    return "".join(out)


def resolve(python: str, requirement: str, indexes: list[str], keep: Mapping[str, str],
            progress: Progress | None = None) -> list[Pin]:
    """What installing ``requirement`` would install, with ``keep`` (name → version) pinned.

    Raises :class:`PipError` with pip's reason when it cannot be resolved (a conflict
    with what the host has, a missing dependency, an unsupported Python).
    """
    with tempfile.TemporaryDirectory(prefix="zg-market-") as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(keep.items())), encoding="utf-8")
        report = Path(tmp) / "report.json"
        _run(python, ["install", "--dry-run", "--only-binary", ":all:", "--report", str(report),
                      "-c", str(constraints), *_index_args(indexes), requirement], progress)
        data = json.loads(report.read_text(encoding="utf-8"))
    pins = []
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        hashes = (item.get("download_info", {}).get("archive_info", {}) or {}).get("hashes", {})
        sha256 = hashes.get("sha256")
        if not sha256:
            raise PipError(f"{meta.get('name')} {meta.get('version')}: the index gives no sha256 for it, "
                           "so it cannot be installed with pinned hashes")
        pins.append(Pin(meta["name"], meta["version"], sha256))
    return pins


def install(python: str, pins: Iterable[Pin], indexes: list[str], progress: Progress | None = None) -> None:
    """Install exactly ``pins`` (``--require-hashes --no-deps``)."""
    pins = list(pins)
    with tempfile.TemporaryDirectory(prefix="zg-market-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("".join(p.line() + "\n" for p in pins), encoding="utf-8")
        _run(python, ["install", "--require-hashes", "--no-deps", "--only-binary", ":all:",
                      *_index_args(indexes), "-r", str(requirements)], progress)


def uninstall(python: str, distribution: str, progress: Progress | None = None) -> None:
    _run(python, ["uninstall", "--yes", distribution], progress)


def probe(python: str) -> dict:
    """:mod:`core.market.probe` run in ``python``: its addons and distributions."""
    try:
        done = subprocess.run([python, "-m", "core.market.probe"], capture_output=True, text=True,
                              env=_env(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PipError(f"cannot run {python}: {exc}") from None
    if done.returncode != 0:
        raise PipError(f"{python} -m core.market.probe failed: {_reason(done.stderr)}")
    return json.loads(done.stdout)
