"""Scoring speed and memory, each figure beside its yardstick measured in the same run.

    python experiments/bench_scoring.py [--repeats 5] [--darts 300000] [--checkpoint MODEL.pt] [--only network|darts]

1. whole process ``tgnas score --space nasbench201 --all --json`` vs ``python -c "import torch"`` (target <= 2x);
2. ``tgnas --help`` (target <= 0.5 s), beside a bare ``python -c pass``;
3. one-architecture latency in a warm process (target <= 2 ms);
4. N (default 300,000) distinct random DARTS architectures scored by one ``TGNAS.score()`` call in a fresh process:
   archs/s on one thread, per wall second and per CPU second of the process (target >= 10k/s), and the process's peak
   memory (ru_maxrss; target < 1 GiB), beside its memory before the call (torch, the model, the list of archs) and
   the peak of ``python -c "import torch"``. ``--darts-model`` scores them with another model (default: the default
   model, ``universal``);
5. whether scores are bit-identical across thread counts and chunk sizes (all 15,625 NB201 archs);
6. a whole-network model (``--checkpoint``: the shipped default ``universal``, or ``untrained``, a
   3-member hidden-64 universal-recipe ensemble): all 15,625 NB201 archs in a fresh process after the model is
   loaded, first call (graphs included) and warm, one torch thread (target < 1 s);
7. the same model's ``score_module`` (trace + score) of ResNet-18 at 1x3x224x224 and 1x3x32x32 (target < 0.5 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

DARTS_CHILD = r"""
import resource, sys, time
import numpy as np
from tgnas_naslib import TGNAS
n, seed, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
import torch
torch.set_num_threads(threads)

def random_darts(n, seed, block=8192):
    # distinct with overwhelming probability (duplicates are counted below): per cell, node j takes 2 distinct inputs
    rng = np.random.default_rng(seed)
    for start in range(0, n, block):
        m = min(block, n - start)
        cells = []
        for _ in range(2):
            pairs = []
            for node in range(2, 6):
                a = rng.integers(0, node, m)
                b = (a + rng.integers(1, node, m)) % node
                lo, hi = np.minimum(a, b), np.maximum(a, b)
                pairs += [lo, rng.integers(0, 7, m), hi, rng.integers(0, 7, m)]
            cells.append(np.stack(pairs, 1).tolist())
        for normal, reduce in zip(*cells):
            yield (tuple(zip(normal[0::2], normal[1::2])), tuple(zip(reduce[0::2], reduce[1::2])))

model = TGNAS.pretrained(sys.argv[4] if len(sys.argv) > 4 else None)
model.score_one((((0, 0), (1, 1), (0, 2), (1, 3), (0, 4), (1, 5), (0, 6), (1, 0)),) * 2, "darts")  # warm-up
archs = list(random_darts(n, seed))
dup = n - len(set(archs))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux reports KiB)
t, cpu = time.perf_counter(), time.process_time()
scores = model.score(archs, "darts")  # one call, as a user scores a list
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(scores), seconds, cpu, before, peak, dup)
"""


NETWORK_CHILD = r"""
import sys, time
import numpy as np
import torch
torch.set_num_threads(1)
from tgnas_naslib import TGNAS
from tgnas_naslib.modules.zoo import resnet18
from tgnas_naslib.spaces import get_space
model = TGNAS.pretrained(sys.argv[1])
archs = list(get_space("nasbench201").enumerate())
times = []
for _ in range(2):  # the first call builds (reads) the graphs; the second finds them made
    t = time.perf_counter()
    model.score(archs, space="nasbench201")
    times.append(time.perf_counter() - t)
for size in (224, 32):
    net = resnet18()
    for _ in range(3):
        t = time.perf_counter()
        model.score_module(net, (1, 3, size, size))
        times.append(time.perf_counter() - t)
print(*times)
"""


def untrained_network_model(members: int = 3, hidden: int = 64, seed: int = 0):
    """A ``network``-representation ensemble with random weights and shape / size statistics of NB201 networks (the
    same work per graph as a trained model of that recipe; a stand-in until one ships)."""
    import torch

    from tgnas_naslib import TGNAS
    from tgnas_naslib.model.config import TrainConfig
    from tgnas_naslib.model.featurize import graph_matrix, shape_matrix
    from tgnas_naslib.spaces import get_space

    cfg = TrainConfig(representation="network", loss="rank", shape_features="network", readout="mean+isum",
                      hidden=hidden)
    torch.manual_seed(seed)
    space = get_space("nasbench201")
    rng = np.random.default_rng(seed)
    graphs = [space.network_graph(space.random(rng)) for _ in range(64)]
    graphs = [g for g in graphs if g.is_connected]
    models = []
    for _ in range(members):
        m = cfg.build_model(cfg.embedder().dim)
        m.set_shape_stats(torch.from_numpy(shape_matrix(graphs, cfg.node_features)))
        m.set_size_stats(torch.from_numpy(graph_matrix(graphs, cfg.graph_features)))
        models.append(m)
    return TGNAS(models, cfg, {"note": "untrained (experiments/bench_scoring.py)"})


def network_figures(py: str, checkpoint: str | None, repeats: int) -> None:
    """Items 6 and 7: a network-representation model on all NB201 archs and on ResNet-18, medians of fresh processes."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        if checkpoint in (None, "untrained"):
            checkpoint = str(untrained_network_model().save(os.path.join(tmp, "untrained_network.pt")))
            label = "untrained 3-member hidden-64 network model"
        else:
            label = checkpoint
        runs = np.array([[float(v) for v in subprocess.run([py, "-c", NETWORK_CHILD, checkpoint], check=True,
                                                            capture_output=True, text=True).stdout.split()]
                         for _ in range(repeats)])
    first, warm = np.median(runs[:, 0]), np.median(runs[:, 1])
    print(f"6. {label}, all 15,625 NB201 archs, 1 thread, after load: first call (graphs included) {first:.3f} s "
          f"(runs: {', '.join(f'{v:.2f}' for v in runs[:, 0])}), warm {warm:.3f} s  [target < 1 s]")
    for k, size in enumerate((224, 32)):
        calls = runs[:, 2 + 3 * k:5 + 3 * k]
        print(f"7. score_module(resnet18(), (1, 3, {size}, {size})): first {np.median(calls[:, 0]):.3f} s, "
              f"then {np.median(calls[:, 1:]):.3f} s  [target < 0.5 s]")


def darts_figure(py: str, n: int, threads: int, model: str | None) -> None:
    """Item 4: ``n`` random DARTS archs, one ``score()`` call in a fresh process: archs/s and peak memory."""
    torch_peak = _child_peak_mib([py, "-c", "import torch"])
    out = subprocess.run([py, "-c", DARTS_CHILD, str(n), "0", str(threads), *([model] if model else [])], check=True,
                         capture_output=True, text=True).stdout.split()
    scored, seconds, cpu, before, peak, dup = int(out[0]), float(out[1]), float(out[2]), float(out[3]), \
        float(out[4]), int(out[5])
    print(f"4. {scored:,} random DARTS archs ({dup} duplicates), one score() call, model {model or 'universal'}, "
          f"{threads} thread(s): {seconds:.1f} s = {scored / seconds:,.0f} archs/s ({scored / cpu:,.0f} per CPU "
          f"second of the process)  [target >= 10,000/s]; peak memory {peak:,.0f} MiB ({before:,.0f} MiB before the "
          f"call; `python -c \"import torch\"`: {torch_peak:,.0f} MiB)  [target < 1,024 MiB]")


def _median_seconds(cmd: list[str], repeats: int, **kw) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _child_peak_mib(cmd: list[str]) -> float:
    """Peak RSS (MiB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def main() -> int:
    """Measure and print every figure."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--darts", type=int, default=300_000, help="random DARTS archs scored in one call (0: skip)")
    ap.add_argument("--darts-model", default="universal",
                    help="model of item 4: a shipped name or a checkpoint (default: the default model, universal; "
                         "nb101 for the cell model)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the DARTS run")
    ap.add_argument("--checkpoint", default="universal",
                    help="a network-representation model for items 6-7: a shipped name or a checkpoint (default: the "
                         "shipped default, universal; 'untrained' for an untrained 3-member hidden-64 one)")
    ap.add_argument("--only", choices=["network", "darts"], help="only items 6-7, or only item 4")
    args = ap.parse_args()
    py = sys.executable
    if args.only == "network":
        network_figures(py, args.checkpoint, args.repeats)
        return 0
    if args.only == "darts":
        darts_figure(py, args.darts, args.threads, args.darts_model)
        return 0
    tgnas = [py, "-m", "tgnas_naslib.cli"]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; medians of {args.repeats} runs")

    torch_s = _median_seconds([py, "-c", "import torch"], args.repeats)
    whole = _median_seconds(tgnas + ["score", "--space", "nasbench201", "--all", "--json"], args.repeats)
    print(f"1. tgnas score --space nasbench201 --all --json: {whole:.2f} s = {whole / torch_s:.2f}x "
          f"`python -c \"import torch\"` ({torch_s:.2f} s)  [target <= 2x]")

    bare = _median_seconds([py, "-c", "pass"], args.repeats)
    helps = _median_seconds(tgnas + ["--help"], args.repeats)
    print(f"2. tgnas --help: {helps:.3f} s  (bare `python -c pass`: {bare:.3f} s)  [target <= 0.5 s]")

    import torch

    from tgnas_naslib import TGNAS
    from tgnas_naslib.spaces import get_space

    torch.set_num_threads(1)
    model = TGNAS.pretrained()
    rng = np.random.default_rng(0)
    nb201 = get_space("nasbench201")
    singles = [nb201.random(rng) for _ in range(200)]
    model.score_one(singles[0], "nasbench201")
    lat = []
    for a in singles:
        t = time.perf_counter()
        model.score_one(a, "nasbench201")
        lat.append(time.perf_counter() - t)
    print(f"3. one NB201 architecture, warm, 1 thread: median {np.median(lat) * 1e3:.2f} ms, "
          f"p90 {np.percentile(lat, 90) * 1e3:.2f} ms  [target <= 2 ms]")

    if args.darts:
        darts_figure(py, args.darts, args.threads, args.darts_model)

    archs = list(nb201.enumerate())
    reference = None
    same = True
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for chunk in (16384, 1000, 97):
            t = time.perf_counter()
            scores = np.concatenate(list(model.score_iter(archs, "nasbench201", chunk=chunk)))
            seconds = time.perf_counter() - t
            if reference is None:
                reference = scores
            same &= bool(np.array_equal(scores, reference))
            note = "  (first call after load: builds the 15,625 graphs; issue 11 target < 1 s)" if reference is scores \
                else ""
            print(f"   NB201 all 15,625, {threads} thread(s), chunks of {chunk}: {seconds:.2f} s{note}")
    print(f"5. scores bit-identical across thread counts and chunk sizes: {'yes' if same else 'NO'}")
    network_figures(py, args.checkpoint, args.repeats)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
