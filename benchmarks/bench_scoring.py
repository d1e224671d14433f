"""Scoring speed: cold start (import + load + first score, in a fresh interpreter) and archs/second on NB201.

    python benchmarks/bench_scoring.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

COLD = r"""
import time
t0 = time.perf_counter()
from tgnas_naslib import TGNAS
t1 = time.perf_counter()
m = TGNAS.pretrained()
t2 = time.perf_counter()
m.score(["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"], space="nasbench201")
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""


def cold_start(repeats: int) -> list[tuple[float, float, float, float]]:
    """(import, load, first score, whole process) seconds, each in a fresh interpreter."""
    rows = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True).stdout
        total = time.perf_counter() - t
        rows.append((*map(float, out.split()), total))
    return rows


def warm(repeats: int) -> None:
    """Time scoring all 15,625 NB201 archs after load: uncached (graphs built) and cached graphs."""
    import numpy as np

    from tgnas_naslib import TGNAS
    from tgnas_naslib.spaces import SPACES, _cached_graph

    model = TGNAS.pretrained()
    archs = list(SPACES["nasbench201"].enumerate())
    first, again = [], []
    for _ in range(repeats):
        _cached_graph.cache_clear()
        t = time.perf_counter()
        model.score(archs, space="nasbench201")
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        model.score(archs, space="nasbench201")
        again.append(time.perf_counter() - t)
    graphs = model.graphs(archs, "nasbench201")
    t = time.perf_counter()
    model.score_graphs(graphs)
    gcn_only = time.perf_counter() - t
    n = len(archs)
    print(f"NB201 all {n} archs, ensemble of {len(model.models)} GCNs, CPU threads: "
          f"{__import__('torch').get_num_threads()}")
    print(f"  from encodings (graphs built):   median {np.median(first):.3f} s  ({n / np.median(first):,.0f} archs/s)")
    print(f"  from encodings (graphs cached):  median {np.median(again):.3f} s  ({n / np.median(again):,.0f} archs/s)")
    print(f"  ready ArchGraphs (GCN + batching): {gcn_only:.3f} s  ({n / gcn_only:,.0f} archs/s)")


def main() -> int:
    """Print both measurements."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rows = cold_start(args.repeats)
    med = [sorted(col)[len(col) // 2] for col in zip(*rows)]
    print(f"cold start (median of {args.repeats} fresh processes): import {med[0]:.2f} s + load {med[1]:.2f} s + "
          f"first score {med[2]:.2f} s = {sum(med[:3]):.2f} s in-process; whole `python -c` {med[3]:.2f} s")
    warm(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
