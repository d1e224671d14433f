"""Development harness of the hierarchical recipe (docs/hierarchical.md, "Development rounds"): trains single-member
models leave-family-out on the package's skeletons and prints each family's Spearman per draw and the criterion.

    TGNAS_DATA_DIR=../shared/benchmarks_data HIER_VARIANT=chain HIER_SIZE_FLOOR=1 HIER_S_PENALTY=0.3 \
        python experiments/hier_dev/train.py --name r7-chain-bs-pen0.3 --seeds 0,1,2 --epochs 40 --size flops \
        --block-size

``HIER_VARIANT``: base | chain | level | struct, combined with ``+`` (data.py); ``HIER_SIZE_FLOOR``: least weight of
the size term; ``HIER_S_PENALTY``: the structure term's variance penalty. Every run is appended to
results/hier_dev/log.jsonl with its scores (results/hier_dev/scores/). The rounds as run: rounds.sh. The shipped
recipe is trained and judged by experiments/hier.py (the package's code path).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from data import block_sig, build, space_memo
from scipy import stats

VARIANT = os.environ.get("HIER_VARIANT", "base")
OUT = Path(__file__).resolve().parents[2] / "results" / "hier_dev"

FAMILIES = {
    "nb101": ["nb101_500"],
    "nb201": [f"nb201_{t}_15625" for t in ("cifar10", "cifar100", "ImageNet16-120")]
             + [f"tnb101_micro_{t}_4096" for t in ("autoencoder", "class_object", "class_scene", "jigsaw", "normal",
                                                   "room_layout", "segmentsemantic")],
    "nb301": ["nb301_500"],
    "nbmacro": ["nbmacro_cifar10_6561"],
}


class Universe:
    """Every block signature and arch across benchmarks, as arrays."""

    def __init__(self, benches):
        from tgnas_naslib.embedding import OperatorEmbedder

        self.sig_id = {}
        self.sigs = []
        self.arch_id = {}
        self.archs = []  # per arch: (sig ids, ctx, log flops b, log params b, net logF, net logP) or None
        self.bench = {}
        for name in benches:
            d = build(name)
            memo = space_memo(d["space"])
            ids = []
            for k in d["keys"]:
                key = (d["space"], k)
                if key not in self.arch_id:
                    self.arch_id[key] = len(self.archs)
                    self.archs.append(self._arch(memo[k]))
                ids.append(self.arch_id[key])
            self.bench[name] = (np.asarray(ids), d["y"], d["space"])
        texts = sorted({op for s in self.sigs for op in s[0]})
        self.vocab = {t: i for i, t in enumerate(texts)}
        self.emb = torch.from_numpy(OperatorEmbedder("short", None, compose=True).embed(texts)).float()
        # per sig arrays
        self.sig_ops = [np.array([self.vocab[o] for o in s[0]]) for s in self.sigs]
        self.sig_feats = [np.asarray(s[2], dtype=np.float32) for s in self.sigs]
        self.feat_dim = self.sig_feats[0].shape[1]
        self.sig_adj = [self._adj(len(s[0]), s[1]) for s in self.sigs]

    def _arch(self, rec):
        if rec is None:
            return None
        sids, ctx, lf, lp = [], [], [], []
        for b in rec["blocks"]:
            sig = block_sig(b, VARIANT)
            if sig not in self.sig_id:
                self.sig_id[sig] = len(self.sigs)
                self.sigs.append(sig)
            sids.append(self.sig_id[sig])
            ctx.append((b["level"],))
            lf.append(math.log10(max(b["flops"], 1.0)))
            lp.append(math.log10(max(b["params"], 1.0)))
        return (np.asarray(sids), np.asarray(ctx, dtype=np.float32), np.asarray(lf, np.float32),
                np.asarray(lp, np.float32), math.log10(rec["flops"]), math.log10(max(rec["params"], 1.0)))

    @staticmethod
    def _adj(n, edges):
        src = [a for a, b in edges] + [b for a, b in edges] + list(range(n))
        dst = [b for a, b in edges] + [a for a, b in edges] + list(range(n))
        src, dst = np.asarray(src), np.asarray(dst)
        deg = np.bincount(dst, minlength=n).astype(np.float32)
        w = (deg[src] ** -0.5) * (deg[dst] ** -0.5)
        return src, dst, w.astype(np.float32)


class Model(torch.nn.Module):
    def __init__(self, in_dim, hidden=64, layers=3, ctx_dim=1, feat_dim=3, size_terms=("flops", "params"),
                 readout="mean+sum", norm="layer", phi="softplus", block_size=False):
        super().__init__()
        self.phi = phi
        self.block_size = block_size
        self.inp = torch.nn.Linear(in_dim + feat_dim, hidden)
        self.convs = torch.nn.ModuleList(torch.nn.Linear(hidden, hidden) for _ in range(layers))
        self.norms = torch.nn.ModuleList((torch.nn.LayerNorm(hidden) if norm == "layer" else torch.nn.Identity())
                                         for _ in range(layers))
        r = 2 * hidden if readout == "mean+sum" else hidden
        self.readout = readout
        self.block = torch.nn.Sequential(torch.nn.Linear(r + ctx_dim, hidden), torch.nn.ReLU(),
                                         torch.nn.Linear(hidden, 2 if block_size else 1))
        self.size_terms = size_terms
        self.size_w = torch.nn.Parameter(torch.zeros(len(size_terms)))

    def embed(self, x, adj, seg, n_graphs):
        h = torch.relu(self.inp(x))
        for conv, norm in zip(self.convs, self.norms):
            h = torch.relu(norm(torch.sparse.mm(adj, conv(h))))
        sums = torch.zeros(n_graphs, h.shape[1]).index_add_(0, seg, h)
        if self.readout == "sum":
            return sums
        cnt = torch.zeros(n_graphs).index_add_(0, seg, torch.ones(len(seg)))
        mean = sums / cnt[:, None]
        return mean if self.readout == "mean" else torch.cat([mean, sums], 1)

    def forward(self, emb_sigs, bsig, bctx, barch, n_arch, lf, lp, blf=None):
        out = self.block(torch.cat([emb_sigs[bsig], bctx], 1))
        phi = torch.nn.functional.softplus(out[:, 0]) if self.phi == "softplus" else out[:, 0]
        if self.block_size:  # per-block monotone size: softplus weight (from structure) x log10 block FLOPs
            phi = phi + torch.nn.functional.softplus(out[:, 1] - 2.0) * blf
        s = torch.zeros(n_arch).index_add_(0, barch, phi)
        w = torch.nn.functional.softplus(self.size_w - 2.0) + SIZE_FLOOR
        z = 0
        for k, t in enumerate(self.size_terms):
            z = z + w[k] * (lf if t == "flops" else lp)
        self.last_structure = s
        return s + z


def batch_inputs(U, arch_ids):
    recs = [U.archs[i] for i in arch_ids]
    sigs = sorted({int(s) for r in recs for s in r[0]})
    local = {s: k for k, s in enumerate(sigs)}
    xs, feats, srcs, dsts, ws, segs = [], [], [], [], [], []
    off = 0
    for k, s in enumerate(sigs):
        ops = U.sig_ops[s]
        xs.append(ops)
        feats.append(U.sig_feats[s])
        src, dst, w = U.sig_adj[s]
        srcs.append(src + off)
        dsts.append(dst + off)
        ws.append(w)
        segs.append(np.full(len(ops), k))
        off += len(ops)
    x = torch.cat([U.emb[torch.from_numpy(np.concatenate(xs))], torch.from_numpy(np.concatenate(feats))], 1)
    adj = torch.sparse_coo_tensor(torch.from_numpy(np.stack([np.concatenate(dsts), np.concatenate(srcs)])),
                                  torch.from_numpy(np.concatenate(ws)), (off, off)).coalesce()
    seg = torch.from_numpy(np.concatenate(segs))
    bsig = torch.from_numpy(np.concatenate([[local[int(s)] for s in r[0]] for r in recs]))
    bctx = torch.from_numpy(np.concatenate([r[1] for r in recs]))
    barch = torch.from_numpy(np.concatenate([np.full(len(r[0]), k) for k, r in enumerate(recs)]))
    lf = torch.tensor([r[4] for r in recs])
    lp = torch.tensor([r[5] for r in recs])
    blf = torch.from_numpy(np.concatenate([r[2] for r in recs]))
    return x, adj, seg, len(sigs), bsig, bctx, barch, len(recs), lf, lp, blf


def score(model, U, arch_ids, chunk=2048):
    out = np.full(len(arch_ids), -np.inf)
    live = [k for k, a in enumerate(arch_ids) if U.archs[a] is not None]
    model.eval()
    with torch.no_grad():
        for s in range(0, len(live), chunk):
            idx = live[s:s + chunk]
            x, adj, seg, ns, bsig, bctx, barch, na, lf, lp, blf = batch_inputs(U, [arch_ids[k] for k in idx])
            emb = model.embed(x, adj, seg, ns)
            out[idx] = model(emb, bsig, bctx, barch, na, lf, lp, blf).numpy()
    return out


def rank_loss(pred, y):
    d = y[:, None] - y[None, :]
    mask = d > 0
    if not mask.any():
        return pred.sum() * 0
    return torch.nn.functional.softplus(-(pred[:, None] - pred[None, :])[mask]).mean()


def train(U, benches, seed, epochs=60, per_family=500, batch=32, lr=1e-3, wd=1e-4, **mkw):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Model(U.emb.shape[1], feat_dim=U.feat_dim, **mkw)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    fams = {}
    for fam, names in FAMILIES.items():
        for n in names:
            if n in benches:
                fams.setdefault(fam, []).append(n)
    tasks = {}
    for n in benches:
        ids, y, _ = U.bench[n]
        keep = np.array([U.archs[i] is not None for i in ids])
        ids, y = ids[keep], y[keep]
        # merge duplicates (same arch id) by mean
        uniq, inv = np.unique(ids, return_inverse=True)
        ym = np.bincount(inv, weights=y) / np.bincount(inv)
        tasks[n] = (uniq, (ym - ym.mean()) / (ym.std() or 1))
    model.train()
    for _ in range(epochs):
        batches = []
        for names in fams.values():
            per = max(2, per_family // len(names))
            for n in names:
                ids, y = tasks[n]
                take = rng.permutation(len(ids))[:per]
                batches += [(n, take[s:s + batch]) for s in range(0, len(take), batch)]
        rng.shuffle(batches)
        for n, take in batches:
            if len(take) < 2:
                continue
            ids, y = tasks[n]
            x, adj, seg, ns, bsig, bctx, barch, na, lf, lp, blf = batch_inputs(U, ids[take])
            emb = model.embed(x, adj, seg, ns)
            pred = model(emb, bsig, bctx, barch, na, lf, lp, blf)
            loss = rank_loss(pred, torch.tensor(y[take], dtype=torch.float32))
            if S_PENALTY:  # the structure term pays for its spread: it deviates from the size prior only where it helps
                st = model.last_structure
                loss = loss + S_PENALTY * ((st - st.mean()) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    return model


def spearman(a, b):
    return float(stats.spearmanr(a, b)[0])


SAVE = None
SIZE_FLOOR = float(os.environ.get("HIER_SIZE_FLOOR", "0"))
S_PENALTY = float(os.environ.get("HIER_S_PENALTY", "0"))


def lfo(U, seeds, families=None, **kw):
    res = {}
    for fam in families or FAMILIES:
        train_b = [n for f, ns in FAMILIES.items() if f != fam for n in ns]
        t = time.time()
        scores = {}
        for seed in seeds:
            m = train(U, train_b, seed, **kw)
            for n in FAMILIES[fam]:
                ids, y, _ = U.bench[n]
                scores.setdefault(n, []).append(score(m, U, ids))
        per_draw = []
        for k in range(len(seeds)):
            per_draw.append(np.mean([spearman(scores[n][k], U.bench[n][1]) for n in FAMILIES[fam]]))
        ens = {n: spearman(np.mean(scores[n], 0), U.bench[n][1]) for n in FAMILIES[fam]}
        if SAVE:
            np.savez_compressed(str(OUT / "scores" / f"{SAVE}_{fam}.npz"),
                                **{n: np.array(v) for n, v in scores.items()})
        res[fam] = {"draws": per_draw, "ens": ens, "ens_mean": float(np.mean(list(ens.values())))}
        print(f"{fam}: draws {np.round(per_draw, 3)} ens {res[fam]['ens_mean']:.3f} "
              + " ".join(f"{n.split('_')[-2] if 'tnb' in n else n}={v:.3f}" for n, v in ens.items())
              + f" ({time.time() - t:.0f}s)", flush=True)
    crit = np.mean([r["ens_mean"] for r in res.values()])
    print(f"criterion {crit:.3f}")
    return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--families", default=None)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--size", default="flops,params")
    ap.add_argument("--readout", default="mean+sum")
    ap.add_argument("--norm", default="layer")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--phi", default="softplus")
    ap.add_argument("--block-size", action="store_true")
    ap.add_argument("--name", default="")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    benches = [n for ns in FAMILIES.values() for n in ns]
    SAVE = a.name
    os.makedirs(str(OUT / "scores"), exist_ok=True)
    t = time.time()
    U = Universe(benches)
    print(f"universe: {len(U.archs)} archs, {len(U.sigs)} block sigs, vocab {len(U.vocab)} ({time.time() - t:.0f}s)")
    r = lfo(U, [int(s) for s in a.seeds.split(",")], a.families.split(",") if a.families else None,
            epochs=a.epochs, hidden=a.hidden, layers=a.layers, size_terms=tuple(a.size.split(",")) if a.size else (),
            readout=a.readout, norm=a.norm, lr=a.lr, phi=a.phi, block_size=a.block_size)
    crit = float(np.mean([v["ens_mean"] for v in r.values()]))
    draws = np.array([v["draws"] for v in r.values()])  # [families, draws]
    rec = {"name": a.name, "variant": VARIANT, "args": vars(a), "time": time.strftime("%Y-%m-%d %H:%M:%S"),
           "size_floor": SIZE_FLOOR, "structure_penalty": S_PENALTY, "criterion_ens": crit,
           "criterion_draws": draws.mean(0).tolist(), "families": r}
    with open(OUT / "log.jsonl", "a") as fh:
        fh.write(json.dumps(rec) + "\n")
    per_draw = draws.mean(0)
    print(f"criterion per draw {np.round(per_draw, 3)} mean {per_draw.mean():.3f} +- {per_draw.std():.3f}")
    if a.out:
        json.dump(r, open(a.out, "w"), indent=1)
