"""Rebuild the packaged embedding cache (vocab_embeddings.npz): every vocabulary alias x sentence length, and
the PCA-64 basis. Run ``python -m tgnas_naslib.embedding.build_cache`` after editing vocabulary.json, and
``python -m tgnas_naslib.embedding.build_cache --model all-MiniLM-L6-v2-nas`` for the tuned model's cache
(vocab_embeddings_nas.npz: the same sentences through MiniLM and the learned projection; no PCA).

A rebuild keeps what the cache already holds byte for byte (re-encoding a sentence differs in the last bits across
torch builds and batch compositions, which would move every shipped model's scores): only sentences that are new
or edited are encoded (a new alias of a known sentence gets that sentence's vector), and the PCA basis is kept.
``--fresh`` re-encodes everything and refits the basis."""

from __future__ import annotations

import argparse
from typing import Callable, Sequence

import numpy as np

from .embedder import (
    CACHE_FILES,
    MODEL_NAME,
    MODELS,
    PART_CACHE_FILE,
    PCA_DIM,
    TUNED_MODEL_NAME,
    encode_sentences,
    known_operator_names,
    part_text,
    project,
    projection_digest,
)
from .vocabulary import LENGTHS, describe


def pca_corpus() -> list[str]:
    """Sentences the PCA-64 basis is fitted on: the vocabulary at every length plus torch.nn layer names."""
    import torch.nn as nn

    names = known_operator_names() + sorted(
        n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)
    )
    return sorted({describe(n, length) for n in names for length in LENGTHS})


def previous_cache(model: str) -> dict[str, np.ndarray]:
    """The arrays of the model's current cache file (empty if there is none, or the tuned model's projection
    changed since it was written)."""
    path = CACHE_FILES[model]
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if model == TUNED_MODEL_NAME and str(arrays.get("projection_sha256", "")) != projection_digest():
        return {}
    return arrays


def vocabulary_arrays(encode: Callable[[list[str]], np.ndarray],
                      old: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """``{length}_names`` / ``_texts`` / ``_vectors`` of every vocabulary alias at every sentence length, the
    sentences embedded by ``encode`` (a list of sentences -> one row each). The vectors of ``old`` (a previous cache
    of the same model) are kept byte for byte: only new or edited sentences are encoded."""
    arrays: dict[str, np.ndarray] = {}
    old = old or {}
    names = sorted(set(known_operator_names()))
    for length in LENGTHS:
        texts = [describe(n, length) for n in names]
        arrays[f"{length}_names"] = np.array(names)
        arrays[f"{length}_texts"] = np.array(texts)
        rows = list(zip(map(str, old.get(f"{length}_names", ())), map(str, old.get(f"{length}_texts", ())),
                        old.get(f"{length}_vectors", ())))
        kept = {(n, t): v for n, t, v in rows}  # an unchanged alias keeps its own bytes
        by_text = {t: v for _, t, v in reversed(rows)}  # a new alias of a known sentence: its first vector
        todo = sorted({t for n, t in zip(names, texts) if (n, t) not in kept and t not in by_text})
        if todo:
            by_text.update(zip(todo, encode(todo)))
        arrays[f"{length}_vectors"] = np.stack([kept.get((n, t), by_text.get(t)) for n, t in zip(names, texts)]
                                               ).astype(np.float32)
    return arrays


def build(model: str = MODEL_NAME, fresh: bool = False) -> dict[str, np.ndarray]:
    """Compute every cached array of one embedding model (the PCA basis only for the base model), reusing the
    current cache's vectors of unchanged sentences and its PCA basis unless ``fresh``."""
    old = {} if fresh else previous_cache(model)

    def encode(texts: list[str]) -> np.ndarray:
        vectors = encode_sentences(texts)
        return project(vectors) if model == TUNED_MODEL_NAME else vectors

    arrays = vocabulary_arrays(encode, old)
    if model == TUNED_MODEL_NAME:
        arrays["projection_sha256"] = np.array(projection_digest())
    if model != MODEL_NAME:
        return arrays
    if "pca_mean" in old and "pca_components" in old:
        arrays["pca_mean"], arrays["pca_components"] = old["pca_mean"], old["pca_components"]
        return arrays
    corpus = encode_sentences(pca_corpus()).astype(np.float64)
    mean = corpus.mean(axis=0)
    _, _, vt = np.linalg.svd(corpus - mean, full_matrices=False)
    arrays["pca_mean"] = mean.astype(np.float32)
    arrays["pca_components"] = vt[:PCA_DIM].astype(np.float32)
    return arrays


def build_parts() -> dict[str, np.ndarray]:
    """MiniLM vectors of every known layer part of the network representation (network.parts.known_parts)."""
    from ..network.parts import known_parts

    names = known_parts()
    texts = [part_text(n) for n in names]
    kept: dict[str, np.ndarray] = {}
    if PART_CACHE_FILE.is_file():  # keep unchanged vectors byte for byte (see the module docstring)
        with np.load(PART_CACHE_FILE, allow_pickle=False) as z:
            kept = {str(t): v for t, v in zip(z["texts"], z["vectors"])}
    new = [t for t in dict.fromkeys(texts) if t not in kept]
    if new:
        kept.update(zip(new, encode_sentences(new)))
    return {"names": np.array(names), "texts": np.array(texts), "vectors": np.stack([kept[t] for t in texts])}


def main(argv: Sequence[str] | None = None) -> None:
    """Write the cache of the chosen model next to the vocabulary."""
    parser = argparse.ArgumentParser(prog="python -m tgnas_naslib.embedding.build_cache")
    parser.add_argument("--model", default=MODEL_NAME, choices=MODELS, help="which embedding model's cache")
    parser.add_argument("--fresh", action="store_true",
                        help="re-encode every sentence and refit the PCA basis (default: keep what is unchanged)")
    parser.add_argument("--parts", action="store_true",
                        help="write the layer-part cache of the network representation (part_embeddings.npz)")
    args = parser.parse_args(argv)
    if args.parts:
        arrays = build_parts()
        np.savez_compressed(PART_CACHE_FILE, **arrays)
        print(f"wrote {PART_CACHE_FILE} ({PART_CACHE_FILE.stat().st_size / 1024:.1f} KiB, "
              f"{len(arrays['names'])} layer parts)")
        return
    model = args.model
    arrays = build(model, args.fresh)
    path = CACHE_FILES[model]
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB, "
          f"{len(arrays['short_names'])} operator names x {len(LENGTHS)} lengths)")


if __name__ == "__main__":
    main()
