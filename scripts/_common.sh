# shellcheck shell=bash
# Shared functions for scripts/run and scripts/test (sourced, not run).
#
# Everything here must work on a fresh machine that has only Python >= 3.11 and
# git: the scripts create the virtualenv and install the project themselves.
#
# Environment:
#   ZHANGGUI_PYTHON  interpreter to build the venv with (default: the first of
#                    python3, python3.13, python3.12, python3.11 that is >= 3.11)
#   ZHANGGUI_VENV    the virtualenv to use or create (default: .venv in the repo)

# The repo root is the parent of this file's folder, whatever the caller's cwd.
ZG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZG_MIN_PYTHON="3.11"

zg_say() { printf '==> %s\n' "$*"; }
zg_warn() { printf 'warning: %s\n' "$*" >&2; }
zg_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Print "MAJOR.MINOR" of interpreter $1, or nothing when it does not run
# (pyenv shims, for example, exist for versions that are not installed).
# Always succeeds, so that `v="$(zg_python_version x)"` is safe under `set -e`.
zg_python_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}

# True when version $1 ("3.12") is at least $ZG_MIN_PYTHON.
zg_version_ok() {
    local major="${1%%.*}" minor="${1#*.}"
    local want_major="${ZG_MIN_PYTHON%%.*}" want_minor="${ZG_MIN_PYTHON#*.}"
    [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
    (( major > want_major || (major == want_major && minor >= want_minor) ))
}

# Set ZG_PYTHON to an interpreter >= 3.11 (ZHANGGUI_PYTHON, else the first good one).
find_python() {
    local candidate version
    if [[ -n "${ZHANGGUI_PYTHON:-}" ]]; then
        version="$(zg_python_version "$ZHANGGUI_PYTHON")"
        [[ -n "$version" ]] || zg_die "ZHANGGUI_PYTHON=$ZHANGGUI_PYTHON does not run"
        zg_version_ok "$version" \
            || zg_die "ZHANGGUI_PYTHON=$ZHANGGUI_PYTHON is Python $version; Zhanggui needs Python >= $ZG_MIN_PYTHON"
        ZG_PYTHON="$ZHANGGUI_PYTHON"
        return
    fi
    for candidate in python3 python3.13 python3.12 python3.11; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        version="$(zg_python_version "$candidate")"
        if [[ -n "$version" ]] && zg_version_ok "$version"; then
            ZG_PYTHON="$(command -v "$candidate")"
            return
        fi
    done
    zg_die "no Python >= $ZG_MIN_PYTHON found (tried python3, python3.13, python3.12, python3.11);
install one (Debian/Ubuntu: apt-get install python3 python3-venv) or set ZHANGGUI_PYTHON=/path/to/python3.11"
}

# Install Debian packages that are not installed yet (dpkg -s), with apt-get,
# running 'apt-get update' once first; sudo when not root. Skips with a message
# where there is no apt-get, or neither root nor sudo.
_ZG_APT_UPDATED=""
ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        [[ -n "$pkg" ]] || continue
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    (( ${#missing[@]} )) || return 0

    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
        zg_warn "not a Debian/Ubuntu system: install these yourself if tests need them: ${missing[*]}"
        return 0
    fi
    local sudo=()
    if (( EUID != 0 )); then
        if ! command -v sudo >/dev/null 2>&1; then
            zg_warn "skipping Debian packages ${missing[*]}: not root and no sudo; install them as root"
            return 0
        fi
        # Without a terminal, sudo could only succeed without a password.
        if [[ ! -t 0 ]] && ! sudo -n true 2>/dev/null; then
            zg_warn "skipping Debian packages ${missing[*]}: sudo needs a password and there is no terminal"
            return 0
        fi
        sudo=(sudo)
    fi
    zg_say "installing Debian packages: ${missing[*]}"
    if [[ -z "$_ZG_APT_UPDATED" ]]; then
        "${sudo[@]}" apt-get update -qq || zg_die "apt-get update failed"
        _ZG_APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
        || zg_die "apt-get install ${missing[*]} failed"
}

# The non-comment words of a package list file, one per line ('#' starts a comment).
read_package_list() {
    [[ -f "$1" ]] || return 0
    sed -e 's/#.*//' "$1" | tr -s ' \t' '\n' | sed -e '/^$/d'
}

# Hash of the files that decide what 'pip install' installs, plus a tag (the extras).
_zg_requirements_hash() {
    "$ZG_PYTHON" - "$1" "$ZG_ROOT/setup.cfg" "$ZG_ROOT/pyproject.toml" <<'EOF'
import hashlib, pathlib, sys
digest = hashlib.sha256(sys.argv[1].encode())
for name in sys.argv[2:]:
    path = pathlib.Path(name)
    digest.update(path.name.encode() + b"\0")
    digest.update(path.read_bytes() if path.exists() else b"(missing)")
print(digest.hexdigest())
EOF
}

# Make $ZG_VENV exist and hold the project installed editable with extras $1
# ("" or "test"). Reinstalls only when setup.cfg/pyproject.toml changed since the
# last install with these extras (stamp file in the venv), so a second run is fast.
ensure_venv() {
    local extras="${1:-}"
    ZG_VENV="${ZHANGGUI_VENV:-$ZG_ROOT/.venv}"
    [[ "$ZG_VENV" = /* ]] || ZG_VENV="$ZG_ROOT/$ZG_VENV"
    find_python

    # A venv whose interpreter no longer runs (moved folder, removed Python) is rebuilt.
    if [[ -d "$ZG_VENV" ]] && ! "$ZG_VENV/bin/python" -c '' >/dev/null 2>&1; then
        zg_warn "$ZG_VENV is broken (its python does not run): recreating it"
        rm -rf "$ZG_VENV"
    fi
    if [[ ! -x "$ZG_VENV/bin/python" ]]; then
        local version
        version="$(zg_python_version "$ZG_PYTHON")"
        # Debian splits venv/ensurepip into python3.X-venv.
        if ! "$ZG_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            ensure_apt_packages "python$version-venv"
            "$ZG_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 \
                || zg_die "$ZG_PYTHON cannot create virtualenvs; install python$version-venv (Debian/Ubuntu)"
        fi
        zg_say "creating $ZG_VENV with $ZG_PYTHON (Python $version)"
        "$ZG_PYTHON" -m venv "$ZG_VENV" || zg_die "could not create $ZG_VENV"
    fi

    local tag="zhanggui${extras:+[$extras]}" stamp wanted
    stamp="$ZG_VENV/.zhanggui-installed${extras:+-$extras}"
    wanted="$(_zg_requirements_hash "$tag")"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        zg_say "dependencies up to date ($tag)"
        return 0
    fi
    zg_say "installing $tag and its dependencies into $ZG_VENV (this can take a minute)"
    "$ZG_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
        || zg_die "could not upgrade pip in $ZG_VENV (is PyPI reachable?)"
    (cd "$ZG_ROOT" && "$ZG_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -e ".${extras:+[$extras]}") \
        || zg_die "pip install -e .${extras:+[$extras]} failed (see above)"
    printf '%s\n' "$wanted" > "$stamp"
    # The extras install is a superset of the plain one: scripts/run need not redo it.
    if [[ -n "$extras" ]]; then
        _zg_requirements_hash "zhanggui" > "$ZG_VENV/.zhanggui-installed"
    fi
}
