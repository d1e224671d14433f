#!/usr/bin/env bash
# Make a NASLib checkout usable from a Python environment, for tgnas_naslib's NASLib integration.
#
#   scripts/setup_naslib.sh /path/to/NASLib [python]
#
# NASLib (github.com/automl/NASLib, branch Develop) is not on PyPI, and its setup.py refuses Python > 3.9
# and pins numpy/scipy/torch versions with no Python 3.11 wheels. So instead of `pip install -e NASLib`
# this script:
#   1. installs NASLib's runtime dependencies (the `naslib` extra in pyproject.toml) into the environment
#      of [python] (default: the active virtualenv's python, else python3), keeping its torch as it is, at the
#      versions pinned in scripts/naslib-constraints.txt (those under which NASLib's own test suite gives what
#      docs/naslib_upstream.md documents);
#   2. installs tensorwatch and pybnn with --no-deps (they declare torchvision / plotly, which NASLib
#      does not need: tgnas_naslib.naslib.compat supplies a torchvision import stand-in);
#   3. writes naslib_checkout.pth into that environment's site-packages so `import naslib` finds the checkout;
#   4. writes tgnas_naslib_autoload.pth (one line: import tgnas_naslib.autoload), the opt-in autoload: from then
#      on, whenever a script of that environment imports naslib (NASLib's own runners included), the TG-NAS
#      plugin is loaded first (compatibility fixes, offline data, `predictor: tgnas`); nothing else is imported
#      at start-up. Skip it with --no-autoload, undo it by deleting the file, or set TGNAS_NASLIB_AUTOLOAD=0;
#      without it, run NASLib scripts as `python -m tgnas_naslib.naslib.exec <script.py> [args]`;
#   5. checks that `import naslib.search_spaces` (through the hook) and `import tgnas_naslib.naslib` work.
# It is idempotent: running it again re-checks and changes nothing that is already in place.
#
# Options:  --no-pin        install today's latest versions instead of scripts/naslib-constraints.txt
#           --pth-only      only write the .pth files (skip installing packages)
#           --no-autoload   do not install the autoload hook (remove it if an earlier run installed it)
#           -h, --help      show this help
set -euo pipefail

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '[setup_naslib] %s\n' "$*"; }
die() { printf '[setup_naslib] ERROR: %s\n' "$*" >&2; exit 1; }

PTH_ONLY=0
AUTOLOAD=1
PIN=1
ARGS=()
for a in "$@"; do
    case "$a" in
        -h|--help) usage; exit 0 ;;
        --pth-only) PTH_ONLY=1 ;;
        --no-pin) PIN=0 ;;
        --no-autoload) AUTOLOAD=0 ;;
        -*) die "unknown option $a (see --help)" ;;
        *) ARGS+=("$a") ;;
    esac
done
[ "${#ARGS[@]}" -ge 1 ] && [ "${#ARGS[@]}" -le 2 ] || { usage; exit 2; }

NASLIB_DIR="${ARGS[0]}"
[ -d "$NASLIB_DIR" ] || die "no such directory: $NASLIB_DIR (git clone -b Develop https://github.com/automl/NASLib && git -C NASLib checkout 0b51bc18)"
NASLIB_DIR="$(cd "$NASLIB_DIR" && pwd)"
[ -f "$NASLIB_DIR/naslib/__init__.py" ] || die "$NASLIB_DIR is not a NASLib checkout (no naslib/__init__.py in it)"

if [ "${#ARGS[@]}" -eq 2 ]; then
    PY="${ARGS[1]}"
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PY="$VIRTUAL_ENV/bin/python"
else
    PY="$(command -v python3 || true)"
fi
[ -n "$PY" ] && "$PY" -c 'import sys' 2>/dev/null || die "no usable python interpreter: '${PY:-}'"
PYVER="$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || die "Python >= 3.10 needed, $PY is $PYVER"
say "NASLib checkout: $NASLIB_DIR"
say "python:          $PY (Python $PYVER)"
"$PY" -c 'import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)' \
    || say "warning: $PY is not a virtualenv's python; packages go into its system site-packages"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "$PTH_ONLY" -eq 0 ]; then
    TORCH_VER="$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null)" \
        || die "torch is not installed for $PY. Install a torch build first (a CPU build avoids multi-GB CUDA wheels), then re-run."
    say "torch $TORCH_VER found; it is kept as it is (pinned for this install)"

    # the `naslib` extra of pyproject.toml (single source of truth for the dependency list)
    mapfile -t DEPS < <("$PY" - "$REPO_ROOT/pyproject.toml" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'^naslib\s*=\s*\[(.*?)^\]', text, re.S | re.M)
if not m:
    sys.exit("no `naslib = [...]` extra in " + sys.argv[1])
for line in m.group(1).splitlines():
    line = line.strip()
    if line.startswith('"'):
        print(line.rstrip(",").strip('"'))
EOF
)
    [ "${#DEPS[@]}" -gt 0 ] || die "could not read the naslib extra from $REPO_ROOT/pyproject.toml"

    CONSTRAINTS="$(mktemp)"
    trap 'rm -f "$CONSTRAINTS"' EXIT
    echo "torch==${TORCH_VER}" > "$CONSTRAINTS"
    PINS="$REPO_ROOT/scripts/naslib-constraints.txt"
    if [ "$PIN" -eq 1 ]; then
        [ -f "$PINS" ] || die "missing $PINS (or pass --no-pin for today's latest versions)"
        cat "$PINS" >> "$CONSTRAINTS"
        say "pinned versions: $PINS ($(grep -c '==' "$PINS") packages)"
        case "$TORCH_VER" in
            2.13.0|2.13.0+*) ;;
            *) say "note: the pins were verified with torch 2.13.0, this environment has torch $TORCH_VER: NASLib's own suite's expected values may differ" ;;
        esac
    else
        say "--no-pin: today's latest versions, not $PINS: NASLib's own suite's expected values (docs/naslib_upstream.md) may differ"
    fi

    # xgboost-cpu and xgboost provide the same module: keep whichever is there already
    if "$PY" -c 'import xgboost' 2>/dev/null; then
        KEEP=()
        for d in "${DEPS[@]}"; do case "$d" in xgboost*) ;; *) KEEP+=("$d") ;; esac; done
        DEPS=("${KEEP[@]}")
        say "xgboost already importable: not installing another xgboost build"
    fi

    say "installing NASLib's runtime dependencies (${#DEPS[@]} requirements)..."
    "$PY" -m pip install --quiet -c "$CONSTRAINTS" "${DEPS[@]}"
    say "installing tensorwatch and pybnn without their declared dependencies..."
    "$PY" -m pip install --quiet --no-deps -c "$CONSTRAINTS" tensorwatch pybnn
fi

# the .pth file: the checkout goes on sys.path (NASLib's setup.py cannot be pip-installed on Python > 3.9)
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
PTH="$SITE/naslib_checkout.pth"
if [ -f "$PTH" ] && [ "$(cat "$PTH")" = "$NASLIB_DIR" ]; then
    say "$PTH already points at $NASLIB_DIR"
else
    [ -f "$PTH" ] && say "replacing $PTH (it pointed at $(cat "$PTH"))"
    printf '%s\n' "$NASLIB_DIR" > "$PTH"
    say "wrote $PTH"
fi

# the opt-in autoload hook (tgnas_naslib/autoload.py): loads the plugin whenever naslib is imported
HOOK="$SITE/tgnas_naslib_autoload.pth"
if [ "$AUTOLOAD" -eq 1 ]; then
    printf 'import tgnas_naslib.autoload\n' > "$HOOK"
    say "wrote $HOOK (autoload: NASLib scripts get the TG-NAS plugin; TGNAS_NASLIB_AUTOLOAD=0 switches it off)"
elif [ -f "$HOOK" ]; then
    rm -f "$HOOK"
    say "removed $HOOK (--no-autoload): run NASLib scripts with python -m tgnas_naslib.naslib.exec <script.py>"
fi

# check (from a neutral directory, so the repository's own files do not shadow installed ones)
cd "${TMPDIR:-/tmp}"
FOUND="$("$PY" -c 'import importlib.util as u; s = u.find_spec("naslib"); print(s.submodule_search_locations[0] if s else "")')"
case "$FOUND" in
    "$NASLIB_DIR"/naslib) ;;
    "") die "naslib is still not importable by $PY" ;;
    *) say "warning: $PY imports naslib from $FOUND, not from $NASLIB_DIR (another copy comes first on sys.path)" ;;
esac
if "$PY" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("tgnas_naslib") else 1)'; then
    if [ "$PTH_ONLY" -eq 1 ]; then
        say "skipping the import check (--pth-only)"
    else
        say "checking: import tgnas_naslib.naslib + naslib.search_spaces / predictors / optimizers / defaults.trainer ..."
        "$PY" -W ignore -c 'import tgnas_naslib.naslib, naslib.search_spaces, naslib.predictors, naslib.optimizers, naslib.defaults.trainer' \
            || die "NASLib does not import; see the error above"
        if [ "$AUTOLOAD" -eq 1 ]; then
            say "checking the autoload: import naslib.search_spaces first loads the plugin ..."
            "$PY" -W ignore -c 'import sys, naslib.search_spaces; sys.exit(0 if "tgnas_naslib.naslib" in sys.modules else "the autoload hook did not load the plugin")' \
                || die "the autoload hook does not work; see the error above"
        fi
        say "OK: NASLib is usable from $PY (import tgnas_naslib.naslib applies the compatibility fixes)"
    fi
else
    say "NASLib is on sys.path. Install tgnas_naslib too (pip install -e $REPO_ROOT), then 'import tgnas_naslib.naslib'."
fi
