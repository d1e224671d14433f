"""Fine-tune the operator embedder on description pairs (CosineSimilarityLoss) and compare shipping options.

``python -m tgnas_naslib.embedding.finetune --out DIR [--options full,lora,projection] [--ship]``
trains on pairs of non-held-out classes, measures held-out pairs before / after (Spearman and mean cosine per
label), writes ``DIR/results.json`` and ``DIR/results.md``, and with ``--ship`` installs the learned projection
(option c) as ``nas_projection.npz`` in the package. Then rebuild the tuned cache with
``python -m tgnas_naslib.embedding.build_cache --model all-MiniLM-L6-v2-nas``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import TGNASError, report_interrupt, report_user_error
from ..extras import require
from ..outputs import atomic_path, output_dir, write_text
from ..seeding import seed_everything
from .embedder import load_minilm
from .pairs import LABELS, Pair, train_eval_pairs
from .similarity import TABLE8_PAIRS, held_out_pairs, pair_similarities

Encoder = Callable[[Sequence[str]], np.ndarray]
OPTIONS = ("full", "lora", "projection")
#: what needs the optional modules here, in their messages
FEATURE = "tuning the operator embedder"


class TuningError(TGNASError, ValueError):
    """A bad argument of the embedder-tuning experiment (one line, never a traceback)."""


def _losses():
    return require("sentence_transformers.sentence_transformer.losses", FEATURE)


def model_encoder(model) -> Encoder:
    """``encode(texts)`` for a SentenceTransformer: L2-normalised float32 vectors."""
    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False,
                                       normalize_embeddings=True), dtype=np.float32)
    return encode


def evaluate(encode: Encoder, pairs: Sequence[Pair]) -> dict[str, float]:
    """Spearman between pair cosine and label, and mean cosine per label (keys ``cos@1.0`` ...)."""
    spearmanr = require("scipy.stats", FEATURE).spearmanr
    texts = sorted({t for p in pairs for t in (p.a.text, p.b.text)})
    index = {t: i for i, t in enumerate(texts)}
    vecs = encode(texts).astype(np.float64)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    cos = np.array([vecs[index[p.a.text]] @ vecs[index[p.b.text]] for p in pairs])
    labels = np.array([p.label for p in pairs])
    out = {"spearman": float(spearmanr(cos, labels).statistic)}
    for label in LABELS:
        out[f"cos@{label}"] = float(cos[labels == label].mean())
    return out


def _input_examples(pairs: Sequence[Pair]):
    InputExample = require("sentence_transformers", FEATURE).InputExample
    return [InputExample(texts=[p.a.text, p.b.text], label=float(p.label)) for p in pairs]


def _fit(model, pairs: Sequence[Pair], seed: int, lr: float, epochs: int, batch_size: int = 32) -> None:
    """Train ``model`` in place with CosineSimilarityLoss through sentence-transformers' ``old_fit`` (the v3+
    ``fit`` and trainer need the ``datasets`` package, which is not a dependency)."""
    import torch
    from torch.utils.data import DataLoader

    losses = _losses()
    seed_everything(seed)
    loader = DataLoader(_input_examples(pairs), shuffle=True, batch_size=batch_size,
                        generator=torch.Generator().manual_seed(seed))
    steps = epochs * len(loader)
    model.old_fit(train_objectives=[(loader, losses.CosineSimilarityLoss(model))], epochs=epochs,
                  warmup_steps=max(1, steps // 10), optimizer_params={"lr": lr}, show_progress_bar=False)


def train_full(pairs: Sequence[Pair], seed: int = 0, epochs: int = 1, lr: float = 5e-5):
    """Option (a): fine-tune every weight of MiniLM; returns the model."""
    model = load_minilm()
    _fit(model, pairs, seed, lr, epochs)
    return model


def train_lora(pairs: Sequence[Pair], seed: int = 0, epochs: int = 1, lr: float = 1e-3, rank: int = 8):
    """Option (b): a LoRA adapter (peft) on the query / value projections of the packaged base model."""
    LoraConfig = require("peft", "the embedder-tuning option 'lora'").LoraConfig
    model = load_minilm()
    seed_everything(seed)
    model.add_adapter(LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=["query", "value"]))
    _fit(model, pairs, seed, lr, epochs)
    return model


def adapter_bytes(model) -> int:
    """Size of a LoRA adapter's weights saved as safetensors."""
    save_file = require("safetensors.torch", FEATURE).save_file
    state = {k: v.contiguous() for k, v in model.get_adapter_state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "adapter.safetensors"
        save_file(state, str(path))
        return path.stat().st_size


def train_projection(pairs: Sequence[Pair], base: Encoder, seed: int = 0, epochs: int = 40, lr: float = 1e-3,
                     batch_size: int = 64, identity_decay: float = 1e-3) -> np.ndarray:
    """Option (c): a 384x384 linear map (initialised at identity, L2-pulled towards it) on frozen base
    embeddings, trained with the same CosineSimilarityLoss; returns the matrix W (apply as ``x @ W``)."""
    import torch

    losses = _losses()
    seed_everything(seed)
    texts = sorted({t for p in pairs for t in (p.a.text, p.b.text)})
    index = {t: i for i, t in enumerate(texts)}
    emb = torch.from_numpy(base(texts))
    ia = torch.tensor([index[p.a.text] for p in pairs])
    ib = torch.tensor([index[p.b.text] for p in pairs])
    labels = torch.tensor([p.label for p in pairs], dtype=torch.float32)
    eye = torch.eye(emb.shape[1])
    weight = torch.nn.Parameter(eye.clone())
    loss_fn = losses.CosineSimilarityLoss.__new__(losses.CosineSimilarityLoss)  # only its loss maths: no model
    torch.nn.Module.__init__(loss_fn)
    loss_fn.loss_fct, loss_fn.cos_score_transformation = torch.nn.MSELoss(), torch.nn.Identity()
    opt = torch.optim.Adam([weight], lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(pairs), generator=gen).split(batch_size):
            u, v = emb[ia[batch]] @ weight, emb[ib[batch]] @ weight
            loss = loss_fn.compute_loss_from_embeddings([u, v], labels[batch])
            loss = loss + identity_decay * ((weight - eye) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return weight.detach().numpy().astype(np.float32)


def projection_encoder(base: Encoder, weight: np.ndarray) -> Encoder:
    """``encode(texts)`` that applies a learned projection to base embeddings and re-normalises."""
    def encode(texts: Sequence[str]) -> np.ndarray:
        out = base(texts) @ weight
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
    return encode


def _row(option: str, before: dict, after: dict, size: int, seconds: float) -> dict:
    return {"option": option, "before": before, "after": after, "artifact_bytes": size, "train_seconds": seconds}


def _tables(encode: Encoder) -> dict[str, list]:
    return {"table8": pair_similarities(encode, TABLE8_PAIRS),
            "table8_held_out": pair_similarities(encode, held_out_pairs())}


def run(out: Path, options: Sequence[str], seed: int = 0, n_train: int = 3000, n_eval: int = 900,
        epochs: int = 1) -> dict:
    """Train and measure every requested option; returns (and writes) the results."""
    import torch

    from .. import checks

    for name, value, minimum in (("n_train", n_train, 1), ("n_eval", n_eval, 1), ("epochs", epochs, 1)):
        checks.integer(f"--{name.replace('_', '-')}", value, minimum)
    checks.seed("--seed", seed)
    out = output_dir(out, "--out")  # before the training, not after it
    torch.set_num_threads(1)
    train, held = train_eval_pairs(n_train, n_eval, seed)
    base_model = load_minilm()
    base = model_encoder(base_model)
    before = evaluate(base, held)
    results: dict = {"seed": seed, "n_train": len(train), "n_eval": len(held), "epochs": epochs,
                     "base": {"held_out": before, "train": evaluate(base, train[:900]), **_tables(base)}, "rows": []}
    for option in options:
        t0 = time.perf_counter()
        if option == "full":
            model = train_full(train, seed, epochs)
            seconds = time.perf_counter() - t0
            encode = model_encoder(model)
            size = sum(p.numel() * p.element_size() for p in model.parameters())
        elif option == "lora":
            model = train_lora(train, seed, epochs)
            seconds = time.perf_counter() - t0
            encode = model_encoder(model)
            size = adapter_bytes(model)
        elif option == "projection":
            weight = train_projection(train, base, seed)
            seconds = time.perf_counter() - t0
            encode = projection_encoder(base, weight)
            with atomic_path(out / "nas_projection.npz") as tmp:
                np.savez_compressed(tmp, weight=weight)
            size = (out / "nas_projection.npz").stat().st_size
        else:
            raise TuningError(f"unknown option {option!r}; choose from {OPTIONS}")
        row = _row(option, before, evaluate(encode, held), size, round(seconds, 1))
        row["train_after"] = evaluate(encode, train[:900])
        row.update(_tables(encode))
        results["rows"].append(row)
        print(f"{option}: {row['after']} ({seconds:.0f} s, {size / 1024:.0f} KiB)", flush=True)
    write_text(out / "results.json", json.dumps(results, indent=1))
    write_text(out / "results.md", markdown(results))
    return results


def markdown(results: dict) -> str:
    """The comparison table and Table-8 similarities as markdown."""
    def fmt(m: dict) -> str:
        return f"{m['spearman']:.3f} | {m['cos@1.0']:.3f} / {m['cos@0.7']:.3f} / {m['cos@0.0']:.3f}"
    lines = [f"held-out pairs: {results['n_eval']}, train pairs: {results['n_train']}, seed {results['seed']}", "",
             "| option | held-out Spearman | cos 1.0 / 0.7 / 0.0 | artifact | train s |", "|---|---|---|---|---|",
             f"| base (before) | {fmt(results['base']['held_out'])} | 0 (packaged) | 0 |"]
    for r in results["rows"]:
        lines.append(f"| {r['option']} | {fmt(r['after'])} | {r['artifact_bytes'] / 2**20:.2f} MiB | "
                     f"{r['train_seconds']} |")
    for key in ("table8", "table8_held_out"):
        lines += ["", f"{key}: | left | right | base | " + " | ".join(r["option"] for r in results["rows"]) + " |"]
        for i, (a, b, c) in enumerate(results["base"][key]):
            cells = " | ".join(f"{r[key][i][2]:.3f}" for r in results["rows"])
            lines.append(f"| {a} | {b} | {c:.3f} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; a user error (a missing extra included) ends in one line and exit status 2."""
    parser = argparse.ArgumentParser(prog="python -m tgnas_naslib.embedding.finetune",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for results and artifacts")
    parser.add_argument("--options", default=",".join(OPTIONS), help=f"comma list of {OPTIONS}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-eval", type=int, default=900)
    parser.add_argument("--epochs", type=int, default=1, help="epochs for the transformer options (a, b)")
    parser.add_argument("--ship", action="store_true", help="install the projection artifact into the package")
    args = parser.parse_args(argv)
    options = [o.strip() for o in args.options.split(",") if o.strip()]
    bad = [o for o in options if o not in OPTIONS]
    if bad:
        parser.error(f"unknown option(s) {bad}; choose from {OPTIONS}")
    if args.ship and "projection" not in options:  # refused before the training, not after it
        parser.error("--ship needs the 'projection' option")
    try:
        results = run(args.out, options, args.seed, args.n_train, args.n_eval, args.epochs)
    except KeyboardInterrupt as exc:
        return report_interrupt(parser.prog, exc)
    except Exception as exc:  # noqa: BLE001 -- user errors become one line; anything else is a bug
        return report_user_error(parser.prog, exc)
    print(markdown(results))
    if args.ship:
        from .embedder import PROJECTION_FILE

        shutil.copyfile(args.out / "nas_projection.npz", PROJECTION_FILE)
        print(f"installed {PROJECTION_FILE}; now run python -m tgnas_naslib.embedding.build_cache "
              "--model all-MiniLM-L6-v2-nas", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
