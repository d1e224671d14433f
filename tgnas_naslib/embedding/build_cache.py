"""Rebuild the packaged embedding cache (vocab_embeddings.npz): every vocabulary alias x sentence length, and
the PCA-64 basis. Run ``python -m tgnas_naslib.embedding.build_cache`` after editing vocabulary.json."""

from __future__ import annotations

import numpy as np

from .embedder import CACHE_FILE, PCA_DIM, encode_sentences, known_operator_names
from .vocabulary import LENGTHS, describe


def pca_corpus() -> list[str]:
    """Sentences the PCA-64 basis is fitted on: the vocabulary at every length plus torch.nn layer names."""
    import torch.nn as nn

    names = known_operator_names() + sorted(
        n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)
    )
    return sorted({describe(n, length) for n in names for length in LENGTHS})


def build() -> dict[str, np.ndarray]:
    """Compute every cached array."""
    arrays: dict[str, np.ndarray] = {}
    names = sorted(set(known_operator_names()))
    for length in LENGTHS:
        texts = [describe(n, length) for n in names]
        arrays[f"{length}_names"] = np.array(names)
        arrays[f"{length}_texts"] = np.array(texts)
        arrays[f"{length}_vectors"] = encode_sentences(texts)
    corpus = encode_sentences(pca_corpus()).astype(np.float64)
    mean = corpus.mean(axis=0)
    _, _, vt = np.linalg.svd(corpus - mean, full_matrices=False)
    arrays["pca_mean"] = mean.astype(np.float32)
    arrays["pca_components"] = vt[:PCA_DIM].astype(np.float32)
    return arrays


def main() -> None:
    """Write the cache next to the vocabulary."""
    arrays = build()
    np.savez_compressed(CACHE_FILE, **arrays)
    print(f"wrote {CACHE_FILE} ({CACHE_FILE.stat().st_size / 1024:.1f} KiB, "
          f"{len(arrays['short_names'])} operator names x {len(LENGTHS)} lengths, PCA corpus rows: see pca_components)")


if __name__ == "__main__":
    main()
