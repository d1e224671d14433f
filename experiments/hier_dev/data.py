"""Development harness, data: the package's skeleton (tgnas_naslib.network.skeleton) of every labelled architecture,
cached per space under results/hier_dev/cache; the variants of ``HIER_VARIANT`` are applied on top (``chain``:
chains of layers merged, merges kept; ``level``: the block's downsampling as a node feature; ``struct``: structural
node features). ``python experiments/hier_dev/data.py BENCHMARK ...`` fills the cache."""
from __future__ import annotations

import math
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.spaces import get_space

CACHE = Path(__file__).resolve().parents[2] / "results" / "hier_dev" / "cache"
CACHE.mkdir(exist_ok=True, parents=True)
_MEMO = {}


def space_memo(space):
    path = CACHE / f"space_{space}.pkl"
    if space not in _MEMO:
        _MEMO[space] = pickle.loads(path.read_bytes()) if path.exists() else {}
    return _MEMO[space]


def record(sk):
    if not sk.is_connected:
        return None
    return {"blocks": [{"ops": b.graph.ops, "edges": b.graph.edges, "feats": b.feats, "level": b.level,
                        "flops": b.flops, "params": b.params} for b in sk.blocks],
            "flops": sk.cost.flops, "params": sk.cost.params}


def build(bench_name):
    path = CACHE / f"{bench_name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    b = load_benchmark(bench_name)
    memo = space_memo(b.space)
    adapter = get_space(b.space)
    t = time.time()
    keys, new = [], 0
    for a in b.archs:
        key = adapter.canonical(a)
        if key not in memo:
            memo[key] = record(adapter.skeleton(key))
            new += 1
        keys.append(key)
    if new:
        (CACHE / f"space_{b.space}.pkl").write_bytes(pickle.dumps(memo))
    data = {"space": b.space, "task": b.task, "y": np.asarray(b.y, dtype=float), "keys": keys}
    path.write_bytes(pickle.dumps(data))
    print(bench_name, len(keys), f"{time.time() - t:.0f}s", flush=True)
    return data


def collapse_chains(ops, edges, feats):
    """Merge maximal chains of single-in single-out layer nodes (never merges, inputs or the output)."""
    n = len(ops)
    pred = [[] for _ in range(n)]
    succ = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)

    def fixed(i):
        return ops[i] in ("input", "output") or ops[i].startswith(("addition", "concatenation"))

    head = list(range(n))
    for v in range(n):
        if fixed(v) or len(pred[v]) != 1:
            continue
        u = pred[v][0]
        if not fixed(u) and len(succ[u]) == 1:
            head[v] = head[u]
    groups = {}
    for v in range(n):
        groups.setdefault(head[v], []).append(v)
    keep = sorted(groups)
    idx = {h: k for k, h in enumerate(keep)}
    new_ops = tuple(", ".join(ops[m] for m in groups[h]) for h in keep)
    new_feats = tuple(tuple(np.max(np.array([feats[m] for m in groups[h]], dtype=float), 0).round(6)) for h in keep)
    new_edges = tuple(sorted({(idx[head[a]], idx[head[b]]) for a, b in edges if head[a] != head[b]}))
    return new_ops, new_edges, new_feats


def struct_feats(ops, edges):
    """Width-free structural node features: log2(1 + longest path from an input), log2(1 + longest path to the
    output), log2(1 + in-degree), log2(1 + out-degree)."""
    n = len(ops)
    pred = [[] for _ in range(n)]
    succ = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    din = [0] * n
    for v in range(n):
        if pred[v]:
            din[v] = 1 + max(din[u] for u in pred[v])
    dout = [0] * n
    for v in reversed(range(n)):
        if succ[v]:
            dout[v] = 1 + max(dout[w] for w in succ[v])
    return [(math.log2(1 + din[v]), math.log2(1 + dout[v]), math.log2(1 + len(pred[v])), math.log2(1 + len(succ[v])))
            for v in range(n)]


def block_sig(block, variant):
    ops, edges, feats = block["ops"], block["edges"], block["feats"]
    if "level" in variant:
        feats = tuple(tuple(f) + ((block["level"] if o not in ("input", "output") else 0.0),)
                      for f, o in zip(feats, ops))
    if "chain" in variant:
        ops, edges, feats = collapse_chains(ops, edges, feats)
    if "struct" in variant:
        feats = [tuple(f) + sf for f, sf in zip(feats, struct_feats(ops, edges))]
    return (tuple(ops), tuple(edges), tuple(tuple(round(float(x), 6) for x in f) for f in feats))


if __name__ == "__main__":
    for name in sys.argv[1:]:
        build(name)
