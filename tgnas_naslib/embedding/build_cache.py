"""Rebuild the packaged embedding cache (vocab_embeddings.npz): every vocabulary alias x sentence length, and
the PCA-64 basis. Run ``python -m tgnas_naslib.embedding.build_cache`` after editing vocabulary.json, and
``python -m tgnas_naslib.embedding.build_cache --model all-MiniLM-L6-v2-nas`` for the tuned model's cache
(vocab_embeddings_nas.npz: the same sentences through MiniLM and the learned projection; no PCA)."""

from __future__ import annotations

import argparse
from typing import Sequence

import numpy as np

from .embedder import CACHE_FILES, MODEL_NAME, MODELS, PART_CACHE_FILE, PCA_DIM, TUNED_MODEL_NAME, \
    encode_sentences, known_operator_names, part_text, project, projection_digest
from .vocabulary import LENGTHS, describe


def pca_corpus() -> list[str]:
    """Sentences the PCA-64 basis is fitted on: the vocabulary at every length plus torch.nn layer names."""
    import torch.nn as nn

    names = known_operator_names() + sorted(
        n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)
    )
    return sorted({describe(n, length) for n in names for length in LENGTHS})


def build(model: str = MODEL_NAME) -> dict[str, np.ndarray]:
    """Compute every cached array of one embedding model (the PCA basis only for the base model)."""
    arrays: dict[str, np.ndarray] = {}
    names = sorted(set(known_operator_names()))
    for length in LENGTHS:
        texts = [describe(n, length) for n in names]
        arrays[f"{length}_names"] = np.array(names)
        arrays[f"{length}_texts"] = np.array(texts)
        vectors = encode_sentences(texts)
        arrays[f"{length}_vectors"] = project(vectors) if model == TUNED_MODEL_NAME else vectors
    if model == TUNED_MODEL_NAME:
        arrays["projection_sha256"] = np.array(projection_digest())
    if model != MODEL_NAME:
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
    return {"names": np.array(names), "texts": np.array(texts), "vectors": encode_sentences(texts)}


def main(argv: Sequence[str] | None = None) -> None:
    """Write the cache of the chosen model next to the vocabulary."""
    parser = argparse.ArgumentParser(prog="python -m tgnas_naslib.embedding.build_cache")
    parser.add_argument("--model", default=MODEL_NAME, choices=MODELS, help="which embedding model's cache")
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
    arrays = build(model)
    path = CACHE_FILES[model]
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB, "
          f"{len(arrays['short_names'])} operator names x {len(LENGTHS)} lengths)")


if __name__ == "__main__":
    main()
