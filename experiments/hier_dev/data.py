"""Development harness, data: the package's skeleton (tgnas_naslib.network.skeleton) of every labelled architecture,
cached per space under results/hier_dev/cache; the variants of ``HIER_VARIANT`` are applied on top (``chain``:
chains of layers merged, merges kept; ``level``: the block's downsampling as a node feature; ``struct``: structural
node features). ``python experiments/hier_dev/data.py BENCHMARK ...`` fills the cache. The chain merge and the
structural features are the package's (``tgnas_naslib.model.hier``); the harness as run had copies of them (the same
signatures: ``block_sig`` rounds every feature to 6 decimals)."""
from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np

from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.model.hier import collapse_chains, struct_features
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


def block_sig(block, variant):
    ops, edges, feats = block["ops"], block["edges"], block["feats"]
    if "level" in variant:
        feats = tuple(tuple(f) + ((block["level"] if o not in ("input", "output") else 0.0),)
                      for f, o in zip(feats, ops))
    if "chain" in variant:
        ops, edges, feats = collapse_chains(ops, edges, feats)
    if "struct" in variant:
        feats = [tuple(f) + sf for f, sf in zip(feats, struct_features(len(ops), edges))]
    return (tuple(ops), tuple(edges), tuple(tuple(round(float(x), 6) for x in f) for f in feats))


if __name__ == "__main__":
    for name in sys.argv[1:]:
        build(name)
